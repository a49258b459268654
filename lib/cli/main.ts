// ocirun's entry: parse argv (commands.ts + parse.ts), then load and run the
// one command module asked for. Nothing else is loaded on the hot path: no
// yargs (only for --help), no other command's code.
import * as fs from 'node:fs';
import { parse, UsageError, type Parsed } from './parse';
import { configureLog, logError } from '../util/log';
import { RuntimeError } from '../util/errors';
import { loadHelp } from '../paths';
import type { Store } from '../state/store';

export const VERSION = '0.1.0';
export const SPEC_VERSION = '1.2.0';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Args = any;
export type CommandFn = (a: Args, s: Store) => unknown | Promise<unknown>;

// One loader per command module: only the command that runs is loaded (and
// a bundler can see every module).
const MODULES: Record<string, () => { default: CommandFn }> = {
  create: () => require('./create'), start: () => require('./start'), 'start-failed': () => require('./start-failed'), state: () => require('./state'),
  kill: () => require('./kill'), delete: () => require('./delete'), run: () => require('./run'),
  exec: () => require('./exec'), pause: () => require('./pause'), resume: () => require('./resume'),
  ps: () => require('./ps'), update: () => require('./update'), events: () => require('./events'),
  checkpoint: () => require('./checkpoint'), restore: () => require('./restore'),
  features: () => require('./features'), list: () => require('./list'), spec: () => require('./spec'),
};

const EARLY_CGROUP_WAIT = new Set(['create', 'run']);

async function usage(err: UsageError): Promise<void> {
  const { helpText } = loadHelp();
  const text = await helpText(err.command);
  process.stderr.write(`${text}\n\nocirun: ${err.message}\n`);
  process.exitCode = 1;
}

async function runCommand(p: Parsed): Promise<void> {
  const a = p.args;
  configureLog({ log: a.log as string | undefined, logFormat: a.logFormat as string, debug: a.debug as boolean });
  try {
    // create and run: the kernel's wait before the init can join its cgroup,
    // started before their modules load (lib/cgroups/warm.ts). Not with the
    // systemd driver (systemd joins it), nor on pure v2 (warm.ts: the init is
    // born in its cgroup there), nor with --preserve-fds: fds 3..3+N-1
    // all go to the container, and the warm-up's own fd, open for a moment
    // on another thread, must never be one of them.
    if (EARLY_CGROUP_WAIT.has(p.command!.module) && !a.systemdCgroup && !a.preserveFds) (require('../cgroups/warm') as typeof import('../cgroups/warm')).warmCgroupAttach();
    const { Store } = require('../state/store') as typeof import('../state/store');
    const fn = MODULES[p.command!.module]().default;
    if (a.debug || process.env.DEBUG) (require('../util/debug') as typeof import('../util/debug')).tracer('cli')(`${p.command!.name}: modules loaded`);
    const code = await fn(a, new Store(a.root as string | undefined));
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    const expected = err instanceof RuntimeError || (err.name.endsWith('Error') && !(err instanceof TypeError) && !(err instanceof RangeError));
    logError(expected ? err.message : `internal error: ${err.stack ?? err.message}`);
    process.exitCode = err.exitCode ?? 1;
  }
}

export async function cli(argv: string[]): Promise<void> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) return usage(e);
    throw e;
  }
  if (p.kind === 'version') {
    // "+CRIU" as crun says it: podman checks for it before it checkpoints with a runtime.
    const criu = ['/usr/local/sbin', '/usr/sbin', '/sbin', ...(process.env.PATH ?? '').split(':')].some((d) => d && fs.existsSync(`${d}/criu`));
    fs.writeSync(1, `ocirun version ${VERSION}\nspec: ${SPEC_VERSION}\n${criu ? '+CRIU\n' : ''}`);
    return;
  }
  if (p.kind === 'help') {
    const { helpText } = loadHelp();
    process.stdout.write((await helpText(p.command?.name)) + '\n');
    return;
  }
  await runCommand(p);
}

if (require.main === module) void cli(process.argv.slice(2));
