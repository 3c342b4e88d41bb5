// The RFC 4180 reader under the caption-set loaders: quoting, embedded newlines, BOM, line ends, and errors that
// name the file and the line.
import { describe, expect, it } from 'vitest';

import { CaptionFormatError, parseCsv } from '../src/captions/index.js';

const fields = (text: string) => parseCsv(text).map((row) => row.fields);

describe('parseCsv', () => {
  it('reads quoted fields with embedded commas and doubled quotes', () => {
    expect(fields('a,"b, c","say ""hi""",""\n')).toEqual([['a', 'b, c', 'say "hi"', '']]);
  });

  it('keeps an embedded newline and numbers rows by the line they start on', () => {
    expect(parseCsv('h1,h2\n"one\ntwo",x\ny,z\n')).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['one\ntwo', 'x'] },
      { line: 4, fields: ['y', 'z'] },
    ]);
  });

  it('drops a byte-order mark and reads CRLF, CR and LF line ends alike', () => {
    const lf = parseCsv('\ufeffa,b\n"c\nd",e\nf,g\n');
    expect(parseCsv('\ufeffa,b\r\n"c\r\nd",e\r\nf,g\r\n').map((r) => r.line)).toEqual(lf.map((r) => r.line));
    expect(fields('\ufeffa,b\r\n"c\r\nd",e\rf,g\r\n')).toEqual([['a', 'b'], ['c\r\nd', 'e'], ['f', 'g']]);
    expect(lf[0]!.fields[0]).toBe('a');
  });

  it('skips empty lines (a trailing one too), keeps a quoted empty field and a last line without a newline', () => {
    expect(parseCsv('a,b\n\nc,d\n\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['c', 'd'] },
    ]);
    expect(fields('a\n""\nb')).toEqual([['a'], [''], ['b']]);
    expect(fields('a,\n,')).toEqual([['a', ''], ['', '']]);
    expect(fields('')).toEqual([]);
  });

  it('rejects malformed quoting with the file and line', () => {
    const problem = (text: string) => {
      try {
        parseCsv(text, 'f.csv');
      } catch (e) {
        expect(e).toBeInstanceOf(CaptionFormatError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(problem('a,b\nc,d"e"\n')).toBe('f.csv:2: a quote inside an unquoted field');
    expect(problem('a,b\n"c"d,e\n')).toBe('f.csv:2: text after a closing quote (expected a comma or a line end)');
    expect(problem('a,b\nc,d\n"e,f\ng,h\n')).toBe('f.csv:3: a quoted field is never closed');
  });
});
