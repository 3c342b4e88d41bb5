// Words for the benchmark's random queries and synthetic metadata, and its 8 sources (a source filter keeps 1/8).
export const BENCH_WORDS = [
  'dog', 'barks', 'cat', 'meows', 'rain', 'falls', 'on', 'a', 'the', 'roof', 'car', 'passes', 'engine', 'idles',
  'door', 'slams', 'footsteps', 'walking', 'wind', 'blows', 'birds', 'chirp', 'water', 'flows', 'bell', 'rings',
  'crowd', 'cheers', 'man', 'speaks', 'woman', 'laughs', 'child', 'crying', 'music', 'plays', 'guitar', 'piano',
  'drum', 'kick', 'snare', 'cymbal', 'crash', 'siren', 'wails', 'thunder', 'rumbles', 'clock', 'ticks', 'phone',
  'beeps', 'keyboard', 'typing', 'glass', 'breaks', 'train', 'horn', 'loud', 'soft', 'distant', 'close', 'metal',
  'wooden', 'knock', 'twice', 'then', 'and', 'in', 'background', 'high', 'low', 'tone', 'noise', 'hum', 'buzz',
];

export const SOURCES = ['sonic-pi-samples', 'lmms', 'gcompris', 'asterisk', 'fluidsynth', 'freedesktop', 'folder:a', 'folder:b'];
