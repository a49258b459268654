// exec: run a process in a running container (runc's flags). Without
// --detach: wait, forward signals, exit with its status. Errors exit 255,
// as runc (engines map the message to 126/127).
import * as fs from 'node:fs';
import type { Process } from '../config/types';
import type { Store } from '../state/store';
import { exec } from '../runtime/exec';
import { notExist } from '../runtime/container';
import { readJson } from '../config/load';
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

function processFrom(a: ExecArgs, s: Store): Process {
  if (a.process) return validateProcess(readJson(a.process, 'exec --process'));
  // Arguments after the id arrive behind "--" (see splitTrailing in main.ts).
  const command = a.command?.length ? a.command : a._.slice(1).map(String);
  if (!command.length) throw new RuntimeError('exec: a command or --process is required');
  // As runc: the container's own process settings, overridden by the flags.
  if (!s.exists(a.id)) throw notExist(a.id);
  const base = structuredClone(s.readSpec(a.id).process) ?? { cwd: '/', user: { uid: 0, gid: 0 } };
  const p: Process = { ...base, args: command, terminal: a.tty };
  if (a.cwd) p.cwd = a.cwd;
  if (a.env.length) p.env = [...(p.env ?? []), ...a.env];
  if (a.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(a.user);
    if (!m) throw new RuntimeError(`--user: "${a.user}" must be UID[:GID] (numbers)`);
    p.user = { ...p.user, uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : p.user.gid };
  }
  if (a.additionalGids.length) p.user = { ...p.user, additionalGids: a.additionalGids.map(Number) };
  if (a.cap.length) {
    const caps = { ...(p.capabilities ?? {}) };
    for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), ...a.cap];
    p.capabilities = caps;
  }
  if (a.noNewPrivs) p.noNewPrivileges = true;
  return p;
}

async function main(a: ExecArgs, s: Store): Promise<number> {
  const ad = addon();
  const proc = processFrom(a, s);
  if (!a.detach) ad.setSubreaper();
  const pair = !a.detach && proc.terminal && !a.consoleSocket ? ad.socketPair() : undefined;
  let proxy: TtyProxy | undefined;
  let pid: number;
  try {
    pid = exec(s, a.id, {
      process: proc, pidFile: a.pidFile, consoleSocket: a.consoleSocket, consoleFd: pair?.[1],
      preserveFds: a.preserveFds, ignorePaused: a.ignorePaused, cgroups: a.cgroup,
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
