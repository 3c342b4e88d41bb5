// Reading the tokenizer files of a model directory, with errors that name the path.
import { readFile } from 'node:fs/promises';

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The text of `path`, or undefined when it does not exist and `optional` is set. */
export async function readText(path: string, optional: true): Promise<string | undefined>;
export async function readText(path: string, optional?: false): Promise<string>;
export async function readText(path: string, optional = false): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') {
      if (optional) return undefined;
      throw new Error(`${path} not found (a tokenizer directory holds tokenizer.json and tokenizer_config.json)`, {
        cause: e,
      });
    }
    throw new Error(`cannot read ${path}: ${message(e)}`, { cause: e });
  }
}

/** The parsed JSON object in `path`; errors name the path (missing file, invalid JSON, not an object). */
export async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  const text = await readText(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${message(e)}`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path} must hold a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

export { message as errorMessage };
