// Reads and validates <bundle>/config.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from './types';
import { validateConfig } from './validate';
import { RuntimeError } from '../util/errors';

export function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RuntimeError(`${what}: cannot read ${file}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RuntimeError(`${what}: invalid JSON in ${file}: ${(e as Error).message.split('\n')[0].slice(0, 120)}`);
  }
}

export function loadConfig(bundle: string): Spec {
  return validateConfig(readJson(path.join(bundle, 'config.json'), 'config.json'));
}
