// AudioCaps: CSV `audiocap_id,youtube_id,start_time,caption`, one row per caption (train: one per clip; val and
// test: five). Rows of the same clip (same youtube_id and start_time) are gathered in file order.
import { CaptionFormatError, readCsvRecords } from './csv.js';
import { audioPath, requiredCaption, requiredText, youtubeRecording, type CaptionSetOptions } from './common.js';
import type { CaptionSetItem } from './items.js';

export interface AudioCapsOptions extends CaptionSetOptions {
  /** File name of a clip's audio in audioDir; default `${youtubeId}_${startTime}.wav`. */
  fileName?: (youtubeId: string, startTime: string) => string;
}

interface AudioCapsClip {
  youtubeId: string;
  startTime: string;
  captions: string[];
}

/** The clips of an AudioCaps CSV with their captions, in order of first appearance. */
export async function readAudioCapsClips(csvPath: string): Promise<AudioCapsClip[]> {
  const clips = new Map<string, AudioCapsClip>();
  for (const { line, values } of await readCsvRecords(csvPath, ['youtube_id', 'start_time', 'caption'])) {
    const youtubeId = requiredText(csvPath, line, 'youtube_id', values.youtube_id);
    const startTime = requiredText(csvPath, line, 'start_time', values.start_time);
    if (!/^\d+(\.\d+)?$/.test(startTime)) {
      throw new CaptionFormatError(csvPath, line, `start_time "${startTime}" is not a number of seconds`);
    }
    const caption = requiredCaption(csvPath, line, 'caption', values.caption);
    const key = `${youtubeId}_${startTime}`;
    const clip = clips.get(key) ?? { youtubeId, startTime, captions: [] };
    clip.captions.push(caption);
    clips.set(key, clip);
  }
  return [...clips.values()];
}

export async function loadAudioCaps(
  csvPath: string,
  audioDir: string,
  options: AudioCapsOptions = {},
): Promise<CaptionSetItem[]> {
  const fileName = options.fileName ?? ((youtubeId, startTime) => `${youtubeId}_${startTime}.wav`);
  return (await readAudioCapsClips(csvPath)).map(({ youtubeId, startTime, captions }) => ({
    id: `audiocaps:${youtubeId}_${startTime}`,
    audio: audioPath(audioDir, fileName(youtubeId, startTime)),
    source: 'audiocaps',
    license: options.license ?? 'NOASSERTION',
    captions,
    recording: youtubeRecording(youtubeId),
  }));
}
