export * from './decode/index.js';
export * from './dsp/index.js';
export * from './encode/index.js';
