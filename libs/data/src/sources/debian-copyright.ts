// Licences per file from a Debian machine-readable copyright file (DEP-5,
// https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/). Its `Files:` patterns name paths of the
// *source* tree, while we look up *installed* files, so a pattern matches an installed path when the path ends
// with it (component-wise: "stereo/bell.oga" matches ".../freedesktop/stereo/bell.oga"), or, for a pattern whose
// file name has no wildcard, when the file names are equal (sonic-pi's "etc/samples/x.flac" is installed under
// /usr/share/sonic-pi/samples). As DEP-5 says, the last matching stanza wins.

export interface DebianCopyright {
  /** The licence of the last stanza matching `path`, or undefined when none matches. */
  licenseFor(path: string): string | undefined;
  /** Whether the file declared the machine-readable format (a free-form file yields no stanzas). */
  machineReadable: boolean;
}

interface FilesStanza {
  patterns: RegExp[];
  exactNames: string[];
  license: string;
}

/** Parses the paragraphs of a DEP-5 file into fields; continuation lines (leading space) join the field before. */
function paragraphs(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('#')) continue;
      const field = /^([A-Za-z][A-Za-z0-9-]*):(.*)$/.exec(line);
      if (field) {
        last = field[1]!.toLowerCase();
        fields.set(last, field[2]!.trim());
      } else if (last && /^\s/.test(line)) {
        fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      }
    }
    if (fields.size > 0) out.push(fields);
  }
  return out;
}

/** A DEP-5 glob ("*" any run of characters including '/', "?" one character) as an anchored path-suffix regex. */
function suffixRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/^\.?\//, '')
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|]/g, '\\$&')))
    .join('');
  return new RegExp(`(^|/)${body}$`);
}

export function parseDebianCopyright(text: string): DebianCopyright {
  const blocks = paragraphs(text);
  const machineReadable = /^format:/i.test(text.trimStart());
  const stanzas: FilesStanza[] = [];
  for (const fields of blocks) {
    const files = fields.get('files');
    const license = fields.get('license')?.split('\n')[0]?.trim();
    if (files === undefined || !license) continue;
    const patterns = files.split(/\s+/).filter((p) => p !== '');
    stanzas.push({
      patterns: patterns.map(suffixRegex),
      exactNames: patterns.map((p) => p.split('/').pop()!).filter((name) => !/[*?]/.test(name)),
      license,
    });
  }
  return {
    machineReadable,
    licenseFor(path: string): string | undefined {
      const clean = path.replace(/\\/g, '/').replace(/^\/+/, '');
      const name = clean.split('/').pop()!;
      for (let i = stanzas.length - 1; i >= 0; i--) {
        const s = stanzas[i]!;
        if (s.patterns.some((re) => re.test(clean)) || s.exactNames.includes(name)) return s.license;
      }
      return undefined;
    },
  };
}
