// ocirun's command line: runc's commands and flags. Each command's module is
// loaded only when that command runs, to keep start-up short.
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { configureLog, logError } from '../util/log';
import { DEFAULT_ROOT, Store } from '../state/store';
import { RuntimeError } from '../util/errors';

export const VERSION = '0.1.0';
export const SPEC_VERSION = '1.2.0';

export interface Globals {
  root: string;
  log?: string;
  logFormat: string;
  debug: boolean;
  systemdCgroup: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any;

function store(a: Globals): Store {
  return new Store(a.root);
}

/** Wraps a command: configure logging, map errors to one line + exit 1. */
function action(load: () => (a: Args, s: Store) => unknown | Promise<unknown>) {
  return async (a: Args): Promise<void> => {
    configureLog(a);
    try {
      if (a.systemdCgroup) throw new RuntimeError('--systemd-cgroup: the systemd cgroup driver is not supported yet');
      const code = await load()(a, store(a));
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (e) {
      const err = e as Error & { exitCode?: number };
      logError(err instanceof RuntimeError || err.name.endsWith('Error') && !(err instanceof TypeError) ? err.message : `internal error: ${err.stack ?? err.message}`);
      process.exitCode = err.exitCode ?? 1;
    }
  };
}

const id = (y: Argv<Args>): Argv<Args> => y.positional('id', { type: 'string', describe: 'container id', demandOption: true });

// Options that take a value, per command whose trailing arguments belong to
// the container ("exec ID sh -c x", "ps ID -ef"): flag parsing stops at the id,
// as with runc.
const VALUE_OPTS: Record<string, Set<string>> = {
  exec: new Set(['--process', '-p', '--console-socket', '--pid-file', '--cwd', '--env', '-e', '--user', '-u',
    '--additional-gids', '-g', '--cap', '-c', '--process-label', '--apparmor', '--preserve-fds']),
  ps: new Set(['--format', '-f']),
};
const GLOBAL_VALUE_OPTS = new Set(['--root', '--log', '--log-format']);

/** Inserts "--" after the container id of exec/ps so the rest is not parsed as our flags. */
export function splitTrailing(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += GLOBAL_VALUE_OPTS.has(argv[i]) ? 2 : 1;
  const cmd = argv[i];
  const opts = VALUE_OPTS[cmd];
  if (!opts) return argv;
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j];
    if (a === '--') return argv;
    if (a.startsWith('-')) {
      if (opts.has(a) || GLOBAL_VALUE_OPTS.has(a)) j++;
      continue;
    }
    return [...argv.slice(0, j + 1), '--', ...argv.slice(j + 1)];
  }
  return argv;
}

export function cli(argv: string[]): void {
  // "--resources -" (stdin): yargs would take "-" for a flag of its own.
  argv = argv.map((a, i) => (a === '-' && argv[i - 1]?.startsWith('--') && !argv[i - 1].includes('=') ? '\u0000-' : a))
    .reduce<string[]>((out, a) => (a === '\u0000-' ? (out[out.length - 1] += '=-', out) : (out.push(a), out)), []);
  argv = splitTrailing(argv);
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`ocirun version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
    return;
  }
  (yargs(argv) as Argv<Args>)
    .scriptName('ocirun')
    .usage('ocirun [global options] <command> [options] <container-id>\n\nA low-level OCI container runtime (drop-in for runc).')
    .option('root', { type: 'string', default: DEFAULT_ROOT, describe: 'directory for container state', global: true })
    .option('log', { type: 'string', describe: 'log file (errors and warnings)', global: true })
    .option('log-format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'log file format', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'log debug messages', global: true })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'use the systemd cgroup driver (not supported yet)', global: true })
    .command('create <id>', 'create a container: set it up, its process waits for start', (y: Argv<Args>) =>
      id(y)
        .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'bundle directory (config.json, rootfs)' })
        .option('pid-file', { type: 'string', describe: 'write the container process\' pid here' })
        .option('console-socket', { type: 'string', describe: 'unix socket that receives the pty master (terminal: true)' })
        .option('no-pivot', { type: 'boolean', default: false, describe: 'use MS_MOVE + chroot instead of pivot_root' })
        .option('no-new-keyring', { type: 'boolean', default: false, hidden: true })
        .option('preserve-fds', { type: 'number', default: 0, describe: 'pass fds 3 .. 3+N-1 to the container' }),
    action(() => require('./create').default))
    .command('start <id>', 'start a created container', id, action(() => require('./start').default))
    .command('state <id>', 'print the state of a container (JSON)', id, action(() => require('./state').default))
    .command('kill <id> [signal]', 'send a signal to the container\'s process (default SIGTERM)', (y: Argv<Args>) =>
      id(y)
        .positional('signal', { type: 'string', default: 'SIGTERM' })
        .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'signal every process in the container' }),
    action(() => require('./kill').default))
    .command('delete <id>', 'delete a stopped container', (y: Argv<Args>) =>
      id(y).option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill it first if it is running' }),
    action(() => require('./delete').default))
    .command('run <id>', 'create and start a container, wait for it, delete it', (y: Argv<Args>) =>
      id(y)
        .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'bundle directory' })
        .option('pid-file', { type: 'string' })
        .option('console-socket', { type: 'string' })
        .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'do not wait: leave it running' })
        .option('no-pivot', { type: 'boolean', default: false })
        .option('no-new-keyring', { type: 'boolean', default: false, hidden: true })
        .option('keep', { type: 'boolean', default: false, describe: 'do not delete the container when it exits' })
        .option('preserve-fds', { type: 'number', default: 0 }),
    action(() => require('./run').default))
    .command('exec <id> [command..]', 'run a process in a running container', (y: Argv<Args>) =>
      id(y)
        .positional('command', { type: 'string', array: true, describe: 'program and arguments (or --process)' })
        .option('process', { alias: 'p', type: 'string', describe: 'JSON file with an OCI process object' })
        .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-terminal' })
        .option('console-socket', { type: 'string', describe: 'unix socket that receives the pty master' })
        .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'do not wait for the process' })
        .option('pid-file', { type: 'string', describe: 'write the process\' pid here' })
        .option('cwd', { type: 'string', describe: 'working directory' })
        .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'KEY=VALUE, repeatable' })
        .option('user', { alias: 'u', type: 'string', describe: 'UID[:GID]' })
        .option('additional-gids', { alias: 'g', type: 'string', array: true, default: [], describe: 'extra group ids' })
        .option('cap', { alias: 'c', type: 'string', array: true, default: [], describe: 'add a capability' })
        .option('no-new-privs', { type: 'boolean', default: false, describe: 'set no_new_privs' })
        .option('process-label', { type: 'string', describe: 'SELinux label (ignored: SELinux is off)' })
        .option('apparmor', { type: 'string', describe: 'AppArmor profile (ignored when AppArmor is off)' })
        .option('preserve-fds', { type: 'number', default: 0, describe: 'pass fds 3 .. 3+N-1' }),
    action(() => require('./exec').default))
    .command('pause <id>', 'freeze every process of a container', id, action(() => require('./pause').default))
    .command('resume <id>', 'thaw a paused container', id, action(() => require('./resume').default))
    .command('ps <id>', 'list the processes of a container (extra arguments go to ps(1))', (y: Argv<Args>) =>
      id(y).option('format', { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table' }),
    action(() => require('./ps').default))
    .command('update <id>', 'change the resource limits of a running container', (y: Argv<Args>) =>
      id(y)
        .option('resources', { alias: 'r', type: 'string', describe: 'LinuxResources JSON file, - for stdin' })
        .option('memory', { type: 'string', describe: 'memory limit (bytes, or 100m, 1g)' })
        .option('memory-swap', { type: 'string', describe: 'memory + swap limit' })
        .option('memory-reservation', { type: 'string', describe: 'memory soft limit' })
        .option('kernel-memory', { type: 'string', describe: 'kernel memory limit (v1)' })
        .option('cpu-shares', { type: 'number', describe: 'relative CPU weight' })
        .option('cpu-quota', { type: 'number', describe: 'CFS quota (µs per period)' })
        .option('cpu-period', { type: 'number', describe: 'CFS period (µs)' })
        .option('cpu-rt-period', { type: 'number' })
        .option('cpu-rt-runtime', { type: 'number' })
        .option('cpuset-cpus', { type: 'string', describe: 'CPUs to run on (0-1)' })
        .option('cpuset-mems', { type: 'string', describe: 'memory nodes' })
        .option('pids-limit', { type: 'number', describe: 'maximum number of processes' })
        .option('blkio-weight', { type: 'number', describe: 'block IO weight (10-1000)' }),
    action(() => require('./update').default))
    .command('features', 'print what this runtime supports (JSON)', {}, action(() => require('./features').default))
    .command(['list', 'ps-list'], 'list containers', (y: Argv<Args>) =>
      y.option('format', { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'ids only' }),
    action(() => require('./list').default))
    .command('spec', 'write a default config.json', (y: Argv<Args>) =>
      y.option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'where to write config.json' })
        .option('rootless', { type: 'boolean', default: false, hidden: true }),
    action(() => require('./spec').default))
    .demandCommand(1, 'a command is required')
    .strictCommands()
    .strictOptions()
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'print the version' })
    .help('help')
    .alias('help', 'h')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`ocirun: ${msg}\nRun 'ocirun --help' for usage.\n`);
      process.exit(1);
    })
    .parse();
}

if (require.main === module) cli(process.argv.slice(2));
