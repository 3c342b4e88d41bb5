// Auto-ACD: CSV with a clip id column (`youtube_id`, or `id`/`ytid`) and `caption`, one long automatic caption per
// clip. Ids are YouTube ids, possibly with a start suffix ('abcdefghijk_000030').
import { CaptionFormatError, readCsvRecords } from './csv.js';
import { audioPath, requiredCaption, requiredText, youtubeRecording, type CaptionSetOptions } from './common.js';
import type { CaptionSetItem } from './items.js';

export interface AutoAcdOptions extends CaptionSetOptions {
  /** File name of a clip's audio in audioDir; default `${id}.wav`. */
  fileName?: (id: string) => string;
}

const ID_COLUMNS = ['youtube_id', 'id', 'ytid'];

export async function loadAutoAcd(
  csvPath: string,
  audioDir: string,
  options: AutoAcdOptions = {},
): Promise<CaptionSetItem[]> {
  const fileName = options.fileName ?? ((id) => `${id}.wav`);
  const records = await readCsvRecords(csvPath, ['caption']);
  const idColumn = ID_COLUMNS.find((column) => records.length === 0 || column in records[0]!.values);
  if (idColumn === undefined) {
    throw new CaptionFormatError(csvPath, 1, `no id column (one of ${ID_COLUMNS.join(', ')})`);
  }
  const seen = new Set<string>();
  return records.map(({ line, values }) => {
    const id = requiredText(csvPath, line, idColumn, values[idColumn]);
    if (seen.has(id)) throw new CaptionFormatError(csvPath, line, `duplicate ${idColumn} "${id}"`);
    seen.add(id);
    return {
      id: `auto-acd:${id}`,
      audio: audioPath(audioDir, fileName(id)),
      source: 'auto-acd',
      license: options.license ?? 'NOASSERTION',
      captions: [requiredCaption(csvPath, line, 'caption', values.caption)],
      recording: youtubeRecording(id),
    };
  });
}
