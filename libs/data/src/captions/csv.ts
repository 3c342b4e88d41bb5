// A small RFC 4180 CSV reader for the public caption files: quoted fields with embedded commas, doubled quotes and
// newlines; a UTF-8 byte-order mark; LF, CRLF or CR line ends; empty lines skipped. Every row keeps the line it
// starts on, so loaders can report `file:line` for a malformed row.
import { readFile } from 'node:fs/promises';

/** A malformed caption file: `line` is 1-based, or null where a line does not apply (a JSON entry). */
export class CaptionFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'CaptionFormatError';
  }
}

export interface CsvRow {
  /** The line the row starts on (1-based; the header is line 1 of a file with a header). */
  line: number;
  fields: string[];
}

/** Splits CSV text into rows of fields; `file` names the source in errors. */
export function parseCsv(text: string, file = '<csv>'): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false; // the current field started with a quote
  let inQuotes = false; // inside its quotes now
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;

  const endField = () => {
    fields.push(field);
    field = '';
    quoted = false;
  };
  const endRow = () => {
    const blank = fields.length === 0 && field === '' && !quoted;
    endField();
    if (!blank) rows.push({ line: rowLine, fields });
    fields = [];
  };

  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      rowLine = ++line;
    } else if (quoted) {
      throw new CaptionFormatError(file, line, 'text after a closing quote (expected a comma or a line end)');
    } else if (c === '"') {
      if (field !== '') throw new CaptionFormatError(file, line, 'a quote inside an unquoted field');
      quoted = inQuotes = true;
      quoteLine = line;
    } else field += c;
  }
  if (inQuotes) throw new CaptionFormatError(file, quoteLine, 'a quoted field is never closed');
  if (field !== '' || quoted || fields.length > 0) endRow();
  return rows;
}

/** A data row of a CSV file with a header: values by column name. */
export interface CsvRecord {
  line: number;
  values: Record<string, string>;
}

/**
 * Reads a CSV file whose first row names the columns. Throws CaptionFormatError when a required column is missing
 * (line 1) or a row has a different number of fields than the header (that row's line).
 */
export async function readCsvRecords(file: string, required: readonly string[]): Promise<CsvRecord[]> {
  const [header, ...rows] = parseCsv(await readFile(file, 'utf8'), file);
  if (!header) throw new CaptionFormatError(file, 1, 'empty file (no header)');
  const names = header.fields.map((name) => name.trim());
  const missing = required.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    const reason = `missing column(s) ${missing.join(', ')} in header "${names.join(',')}"`;
    throw new CaptionFormatError(file, header.line, reason);
  }
  return rows.map(({ line, fields }) => {
    if (fields.length !== names.length) {
      throw new CaptionFormatError(file, line, `${fields.length} fields where the header has ${names.length}`);
    }
    return { line, values: Object.fromEntries(names.map((name, k) => [name, fields[k]!])) };
  });
}
