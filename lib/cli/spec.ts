import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSpec } from '../config/default-spec';
import { RuntimeError } from '../util/errors';

export default function (a: { bundle: string }): void {
  const file = path.join(a.bundle, 'config.json');
  try {
    fs.writeFileSync(file, JSON.stringify(defaultSpec(), null, '\t') + '\n', { flag: 'wx', mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntimeError(`File ${file} exists. Remove it first`);
    throw new RuntimeError(`write ${file}: ${(e as Error).message}`);
  }
}
