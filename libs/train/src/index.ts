// @aurola/train — training aurola's own model on the native engine.
export { learningRate, type CosineSchedule } from './schedule.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
  type F32Tensor,
} from './safetensors.js';
