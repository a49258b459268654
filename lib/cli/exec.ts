// exec: run a process in a running container (runc's flags). Without
// --detach: wait, forward signals, exit with its status. Errors exit 255,
// as runc (engines map the message to 126/127).
import * as fs from 'node:fs';
import type { Process } from '../config/types';
import type { Store } from '../state/store';
import { exec, execProcess } from '../runtime/exec';
import { notExist } from '../runtime/container';
import { parseJson, readBytes } from '../config/load';
import { validateProcess } from '../config/validate';
import { addon } from '../addon';
import { RuntimeError } from '../util/errors';
import type { TtyProxy } from '../runtime/tty';
import { waitForeground } from '../runtime/foreground';

interface ExecArgs {
  _: (string | number)[];
  id: string; command?: string[]; process?: string; tty: boolean; consoleSocket?: string; detach: boolean;
  pidFile?: string; cwd?: string; env: string[]; user?: string; additionalGids: (string | number)[];
  cap: string[]; noNewPrivs: boolean; preserveFds: number; cgroup: string[]; ignorePaused: boolean;
}

/** The process to run, and the --process file's bytes (the front keeps the plan under them). */
function processFrom(a: ExecArgs, s: Store): { proc: Process; file?: Buffer } {
  if (a.process) {
    const file = readBytes(a.process, 'exec --process');
    return { proc: validateProcess(parseJson(file, a.process, 'exec --process')), file };
  }
  // Arguments after the id arrive behind "--" (see splitTrailing in main.ts).
  const command = a.command?.length ? a.command : a._.slice(1).map(String);
  if (!command.length) throw new RuntimeError('exec: a command or --process is required');
  if (!s.exists(a.id)) throw notExist(a.id);
  return {
    proc: execProcess(s.readSpec(a.id), {
      command, tty: a.tty, cwd: a.cwd, env: a.env, user: a.user, additionalGids: a.additionalGids.map(Number),
      cap: a.cap, noNewPrivs: a.noNewPrivs,
    }),
  };
}

async function main(a: ExecArgs, s: Store): Promise<number> {
  const ad = addon();
  const { proc, file } = processFrom(a, s);
  if (!a.detach) ad.setSubreaper();
  const pair = !a.detach && proc.terminal && !a.consoleSocket ? ad.socketPair() : undefined;
  let proxy: TtyProxy | undefined;
  let pid: number;
  try {
    pid = exec(s, a.id, {
      process: proc, pidFile: a.pidFile, consoleSocket: a.consoleSocket, consoleFd: pair?.[1],
      preserveFds: a.preserveFds, ignorePaused: a.ignorePaused, cgroups: a.cgroup, processFile: file,
    }).pid;
    if (pair) {
      const { proxyTty } = require('../runtime/tty') as typeof import('../runtime/tty');
      proxy = proxyTty(ad.recvFd(pair[0]));
    }
  } finally {
    pair?.forEach((fd) => fs.closeSync(fd));
  }
  if (a.detach) return 0;
  return waitForeground(pid, proxy);
}

export default async function (a: ExecArgs, s: Store): Promise<number> {
  try {
    return await main(a, s);
  } catch (e) {
    (e as { exitCode?: number }).exitCode = 255;
    throw e;
  }
}
