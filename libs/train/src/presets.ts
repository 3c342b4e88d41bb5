// Model sizes (issue 5): "mini" — d_model 256, 6 layers, 4 heads, SwiGLU 704, ≈ 5–8 M parameters with a few
// thousand words of vocabulary — and "small", about four times that. The audio encoder turns 10 ms log-mel frames
// into 25 tokens a second (two stride-2 convolutions after a stride-1 one).
import type { DecoderArchitecture } from '@aurola/backbone';

const audioConvs = (channels: number): DecoderArchitecture['audioConvs'] => [
  { kernel: 3, stride: 1, channels },
  { kernel: 3, stride: 2, channels },
  { kernel: 3, stride: 2, channels },
];

export const MINI_ARCH = (vocabSize: number): DecoderArchitecture => ({
  vocabSize,
  hiddenSize: 256,
  numLayers: 6,
  numHeads: 4,
  intermediateSize: 704,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositions: 2048,
  audioConvs: audioConvs(256),
});

export const SMALL_ARCH = (vocabSize: number): DecoderArchitecture => ({
  vocabSize,
  hiddenSize: 512,
  numLayers: 8,
  numHeads: 8,
  intermediateSize: 1408,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositions: 2048,
  audioConvs: audioConvs(512),
});
