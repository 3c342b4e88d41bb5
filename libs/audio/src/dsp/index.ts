// The DSP half of @aurola/audio: resampling, duration fitting, log-mel features and acoustic descriptors.
export { resample, resampledLength, Resampler, type ResampleOptions, type ResampleRangeOptions } from './resample.js';
export { fitDuration, prepareAudio, type FitDurationOptions, type PrepareAudioOptions } from './duration.js';
export { hzToMel, melToHz, melFilterbank, type MelFilterbank, type MelFilterbankOptions } from './mel.js';
export {
  LogMelExtractor,
  logMelSpectrogram,
  parseLogMelConfig,
  type LogMelConfig,
  type LogMelFeatures,
} from './logmel.js';
export { integratedLoudness } from './loudness.js';
export { describeAudio, type AudioDescriptors } from './describe.js';
