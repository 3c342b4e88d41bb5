// Small file helpers shared by the importers and the clip builder.
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const fileExists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Writes a file so that it either fully exists or not at all (a temp file beside it, then rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, path);
}
