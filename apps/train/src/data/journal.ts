// An append-only JSON Lines journal of finished work, so that a killed build resumes where it stopped. Each line
// is one finished job; a line cut short by a kill is ignored on reading (the job is simply done again).
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class Journal<T extends { id: string }> {
  private constructor(
    readonly path: string,
    readonly entries: Map<string, T>,
  ) {}

  static async open<T extends { id: string }>(path: string): Promise<Journal<T>> {
    await mkdir(dirname(path), { recursive: true });
    const entries = new Map<string, T>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as T;
        if (typeof entry?.id === 'string') entries.set(entry.id, entry);
      } catch {
        // the torn last line of a killed build
      }
    }
    return new Journal(path, entries);
  }

  async add(entry: T): Promise<void> {
    this.entries.set(entry.id, entry);
    // One write per line, starting on a fresh line, so a torn line never merges with the next.
    await appendFile(this.path, `\n${JSON.stringify(entry)}\n`);
  }
}
