// Clotho v2: a captions CSV (`file_name,caption_1..caption_5`) and optionally the metadata CSV
// (`file_name,keywords,sound_id,sound_link,start_end_samples,manufacturer,license`, keywords ';'-separated).
import { CaptionFormatError, readCsvRecords } from './csv.js';
import { audioPath, requiredCaption, requiredText, type CaptionSetOptions } from './common.js';
import { licenseFromUrl, type CaptionSetItem } from './items.js';

export interface ClothoOptions extends CaptionSetOptions {
  /** The metadata CSV of the same split: keywords, Freesound sound id and licence per clip. */
  metadataCsv?: string;
}

const CAPTION_COLUMNS = ['caption_1', 'caption_2', 'caption_3', 'caption_4', 'caption_5'];

interface ClothoMetadata {
  keywords: string[];
  soundId: string;
  license: string;
}

export async function loadClotho(
  captionsCsv: string,
  audioDir: string,
  options: ClothoOptions = {},
): Promise<CaptionSetItem[]> {
  const metadata = options.metadataCsv
    ? await readClothoMetadata(options.metadataCsv)
    : new Map<string, ClothoMetadata>();
  const seen = new Set<string>();
  return (await readCsvRecords(captionsCsv, ['file_name', ...CAPTION_COLUMNS])).map(({ line, values }) => {
    const file = requiredText(captionsCsv, line, 'file_name', values.file_name);
    if (seen.has(file)) throw new CaptionFormatError(captionsCsv, line, `duplicate file_name "${file}"`);
    seen.add(file);
    const meta = metadata.get(file);
    return {
      id: `clotho:${file.replace(/\.[^.]+$/, '')}`,
      audio: audioPath(audioDir, file),
      source: 'clotho-v2',
      license: meta?.license ?? options.license ?? 'NOASSERTION',
      captions: CAPTION_COLUMNS.map((column) => requiredCaption(captionsCsv, line, column, values[column])),
      ...(meta && meta.keywords.length > 0 ? { keywords: meta.keywords } : {}),
      ...(meta?.soundId ? { recording: `freesound:${meta.soundId}` } : {}),
    };
  });
}

async function readClothoMetadata(file: string): Promise<Map<string, ClothoMetadata>> {
  const out = new Map<string, ClothoMetadata>();
  for (const { line, values } of await readCsvRecords(file, ['file_name', 'keywords', 'sound_id', 'license'])) {
    const name = requiredText(file, line, 'file_name', values.file_name);
    if (out.has(name)) throw new CaptionFormatError(file, line, `duplicate file_name "${name}"`);
    const soundId = values.sound_id!.trim();
    if (soundId !== '' && !/^\d+$/.test(soundId)) {
      throw new CaptionFormatError(file, line, `sound_id "${soundId}" is not a number`);
    }
    out.set(name, {
      keywords: values.keywords!.split(';').map((k) => k.trim()).filter((k) => k !== ''),
      soundId,
      license: licenseFromUrl(values.license!),
    });
  }
  return out;
}
