// Reads and validates <bundle>/config.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from './types';
import { validateConfig } from './validate';
import { RuntimeError } from '../util/errors';

export function readJson(file: string, what: string): unknown {
  return parseJson(readBytes(file, what), file, what);
}

export function readBytes(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RuntimeError(`${what}: cannot read ${file}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
}

export function parseJson(bytes: Buffer, file: string, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new RuntimeError(`${what}: invalid JSON in ${file}: ${(e as Error).message.split('\n')[0].slice(0, 120)}`);
  }
}

export function loadConfig(bundle: string): Spec {
  return validateConfig(readJson(path.join(bundle, 'config.json'), 'config.json'));
}
