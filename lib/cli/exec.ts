// exec: the flags of `ocirun exec` (runc's; the operation: lib/runtime/exec.ts,
// and lib/runtime/exec-foreground.ts without --detach: wait, forward signals,
// exit with its status). Errors exit 255, as runc (engines map the message to
// 126/127).
import type { Store } from '../state/store';
import { exec, processToExec } from '../runtime/exec';

interface ExecArgs {
  _: (string | number)[];
  id: string; process?: string; tty: boolean; consoleSocket?: string; pidfdSocket?: string; detach: boolean;
  pidFile?: string; cwd?: string; env: string[]; user?: string; additionalGids: (string | number)[];
  cap: string[]; noNewPrivs: boolean; preserveFds: number; cgroup: string[]; ignorePaused: boolean;
}

async function main(a: ExecArgs, s: Store): Promise<number> {
  const { process: proc, file } = processToExec(s, a.id, a.process, {
    command: a._.slice(1).map(String),  // the arguments after the id (parse.ts)
    tty: a.tty, cwd: a.cwd, env: a.env, user: a.user, additionalGids: a.additionalGids.map(Number),
    cap: a.cap, noNewPrivs: a.noNewPrivs,
  });
  const o = {
    process: proc, pidFile: a.pidFile, consoleSocket: a.consoleSocket, pidfdSocket: a.pidfdSocket, preserveFds: a.preserveFds,
    ignorePaused: a.ignorePaused, cgroups: a.cgroup, processFile: file,
  };
  if (a.detach) {
    exec(s, a.id, o);
    return 0;
  }
  const { execForeground } = require('../runtime/exec-foreground') as typeof import('../runtime/exec-foreground');
  return execForeground(s, a.id, o);
}

export default async function (a: ExecArgs, s: Store): Promise<number> {
  try {
    return await main(a, s);
  } catch (e) {
    (e as { exitCode?: number }).exitCode = 255;
    throw e;
  }
}
