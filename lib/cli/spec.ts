import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSpec } from '../config/default-spec';
import { RuntimeError } from '../util/errors';
import { toRootless } from '../config/rootless-spec';

export default function (a: { bundle: string; rootless?: boolean }): void {
  const file = path.join(a.bundle, 'config.json');
  try {
    fs.writeFileSync(file, JSON.stringify(a.rootless ? toRootless(defaultSpec(), process.geteuid!(), process.getegid!()) : defaultSpec(), null, '\t') + '\n', { flag: 'wx', mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntimeError(`File ${file} exists. Remove it first`);
    throw new RuntimeError(`write ${file}: ${(e as Error).message}`);
  }
}
