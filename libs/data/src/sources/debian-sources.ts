// The Debian sound sources of DESIGN.md §4 by name: which packages each needs and how its items are read. A build
// names sources; importDebianSource downloads and unpacks the packages into a cache (once) and imports.
import { join } from 'node:path';

import { unpackDebianPackage } from './debian.js';
import { renderGeneralMidi } from './general-midi.js';
import type { SourceItem } from './item.js';
import {
  importAsteriskPrompts,
  importFreedesktopSounds,
  importGcomprisSounds,
  importLmmsSamples,
  importSonicPiSamples,
} from './packages.js';

interface DebianSource {
  packages: readonly string[];
  /** `roots` are the unpacked trees of `packages`, in order; `workDir` is this source's own scratch folder. */
  read(roots: string[], workDir: string, onProgress?: (done: number, total: number) => void): Promise<SourceItem[]>;
}

export const DEBIAN_SOURCES: Readonly<Record<string, DebianSource>> = {
  'sonic-pi-samples': { packages: ['sonic-pi-samples'], read: ([root]) => importSonicPiSamples(root!) },
  'lmms-common': { packages: ['lmms-common'], read: ([root]) => importLmmsSamples(root!) },
  'gcompris-qt-data': {
    packages: ['gcompris-qt-data'],
    read: ([root], work) => importGcomprisSounds(root!, join(work, 'extracted')),
  },
  'asterisk-core-sounds-en': {
    packages: ['asterisk-core-sounds-en-wav', 'asterisk-core-sounds-en'],
    read: ([wav, text]) => importAsteriskPrompts(wav!, text!),
  },
  'sound-theme-freedesktop': { packages: ['sound-theme-freedesktop'], read: ([root]) => importFreedesktopSounds(root!) },
  'fluid-soundfont-gm': {
    packages: ['fluid-soundfont-gm'],
    read: ([root], work, onProgress) =>
      renderGeneralMidi({
        soundfont: join(root!, 'usr/share/sounds/sf2/FluidR3_GM.sf2'),
        outDir: join(work, 'renders'),
        ...(onProgress ? { onProgress } : {}),
      }),
  },
};

export const DEBIAN_SOURCE_NAMES: readonly string[] = Object.keys(DEBIAN_SOURCES);

/** Unpacks the packages of source `name` under `cacheDir` (reusing what is there) and imports its items. */
export async function importDebianSource(
  name: string,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<SourceItem[]> {
  const source = DEBIAN_SOURCES[name];
  if (!source) throw new RangeError(`unknown source "${name}"; known: ${DEBIAN_SOURCE_NAMES.join(', ')}`);
  const roots: string[] = [];
  for (const pkg of source.packages) roots.push(await unpackDebianPackage(pkg, join(cacheDir, 'debs')));
  return source.read(roots, join(cacheDir, 'work', name), onProgress);
}
