// Run settings from a file: the defaults of defaultRunConfig overridden by a JSON or YAML file's keys, each checked
// by name and type, so that a misspelt or mistyped setting is refused instead of silently ignored.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { parse as parseYaml } from 'yaml';

/** Recursively overrides `base` with the keys of `patch`; unknown keys are an error naming them. */
export function mergeRunConfig<T>(base: T, patch: unknown, path = 'config'): T {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new TypeError(`${path} must be an object`);
  const out = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in out)) throw new RangeError(`${path}.${key} is not a run setting`);
    const current = out[key];
    if (typeof current === 'object' && current !== null && !Array.isArray(current)) out[key] = mergeRunConfig(current, value, `${path}.${key}`);
    else if (typeof value !== typeof current) throw new TypeError(`${path}.${key} must be a ${typeof current}, got ${JSON.stringify(value)}`);
    else out[key] = value;
  }
  return out as T;
}

/** A settings file's text parsed: YAML when it is named .yaml or .yml, JSON otherwise; a syntax error names the file. */
function parseRunConfigText(file: string, text: string): unknown {
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

export async function readRunConfigFile(file: string): Promise<unknown> {
  return parseRunConfigText(file, await readFile(file, 'utf8'));
}

/** The same, synchronously: for a settings file the program ships (a recipe an experiment row starts from). */
export function readRunConfigFileSync(file: string): unknown {
  return parseRunConfigText(file, readFileSync(file, 'utf8'));
}
