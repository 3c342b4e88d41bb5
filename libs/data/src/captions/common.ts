// Helpers shared by the caption-set loaders.
import { CaptionFormatError } from './csv.js';

/** Options every loader takes. */
export interface CaptionSetOptions {
  /** Licence for clips whose caption set does not name one (default 'NOASSERTION'). */
  license?: string;
}

/** `${audioDir}/${file}`, without a doubled slash. */
export function audioPath(audioDir: string, file: string): string {
  return `${audioDir.replace(/\/+$/, '')}/${file}`;
}

/** A trimmed, non-empty text value, or a CaptionFormatError naming the file, line and column. */
export function requiredText(file: string, line: number | null, column: string, value: string | undefined): string {
  const text = value?.trim() ?? '';
  if (text === '') throw new CaptionFormatError(file, line, `empty "${column}"`);
  return text;
}

/** A caption: required text with its inner white space (line breaks included) collapsed to single spaces. */
export function requiredCaption(file: string, line: number | null, column: string, value: string | undefined): string {
  return requiredText(file, line, column, value).replace(/\s+/g, ' ');
}

/** The clip's YouTube video as a recording id: YouTube ids are 11 characters; a suffix such as '_30000' is cut. */
export function youtubeRecording(id: string): string {
  return `youtube:${id.slice(0, 11)}`;
}
