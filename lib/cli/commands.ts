// The command line, declared once: runc's commands and flags. The fast
// parser (parse.ts) reads argv from this table on every call; yargs renders
// --help from it (help.ts) and is loaded only then.

export type OptType = 'string' | 'boolean' | 'number' | 'array';

export interface OptSpec {
  name: string;       // kebab-case, as typed: "pid-file"
  alias?: string;     // one letter: "b"
  type: OptType;
  default?: string | number | boolean | string[];
  describe: string;
  choices?: string[];
  hidden?: boolean;
}

export interface CommandSpec {
  name: string;
  aliases?: string[];
  describe: string;
  /** Positionals in order; "signal?" is optional. */
  positionals: string[];
  /** Arguments after the positionals belong to the container (exec's command, ps's ps args). */
  rest?: string;
  options: OptSpec[];
  /** The module under lib/cli that runs it. */
  module: string;
  /** Not in --help: for ocirun's own use. */
  hidden?: boolean;
}

export const GLOBAL_OPTIONS: OptSpec[] = [
  { name: 'root', type: 'string', describe: 'directory for container state (default /run/ocirun; rootless: $XDG_RUNTIME_DIR/ocirun)' },
  { name: 'log', type: 'string', describe: 'log file (errors and warnings)' },
  { name: 'log-format', type: 'string', default: 'text', choices: ['text', 'json'], describe: 'log file format' },
  { name: 'debug', type: 'boolean', default: false, describe: 'log debug messages' },
  { name: 'systemd-cgroup', type: 'boolean', default: false, describe: 'use the systemd cgroup driver: cgroupsPath is "slice:prefix:name", the cgroup a transient scope unit (cgroup v2)' },
  // runc's other global flags, so that engines' command lines parse.
  { name: 'criu', type: 'string', describe: 'path to the criu binary (checkpoint/restore)', hidden: true },
  { name: 'rootless', type: 'string', choices: ['true', 'false', 'auto'], describe: 'ignore cgroup permission errors (true, false, auto)', hidden: true },
];

const bundle: OptSpec = { name: 'bundle', alias: 'b', type: 'string', default: '.', describe: 'bundle directory (config.json, rootfs)' };
const pidFile: OptSpec = { name: 'pid-file', type: 'string', describe: 'write the process\' host pid here (digits, no newline)' };
const consoleSocket: OptSpec = { name: 'console-socket', type: 'string', describe: 'unix socket that receives the pty master (terminal: true)' };
const pidfdSocket: OptSpec = { name: 'pidfd-socket', type: 'string', describe: 'unix socket that receives a pidfd of the process (as runc 1.2)' };
const noPivot: OptSpec = { name: 'no-pivot', type: 'boolean', default: false, describe: 'use MS_MOVE + chroot instead of pivot_root' };
const preserveFds: OptSpec = { name: 'preserve-fds', type: 'number', default: 0, describe: 'pass fds 3 .. 3+N-1 to the container' };
const noNewKeyring: OptSpec = { name: 'no-new-keyring', type: 'boolean', default: false, describe: 'accepted for runc compatibility', hidden: true };

export const COMMANDS: CommandSpec[] = [
  {
    name: 'create', describe: 'create a container: set it up, its process waits for start', positionals: ['id'],
    options: [bundle, pidFile, consoleSocket, pidfdSocket, noPivot, preserveFds, noNewKeyring], module: 'create',
  },
  { name: 'start', describe: 'start a created container', positionals: ['id'], options: [], module: 'start' },
  { name: 'state', describe: 'print the state of a container (JSON)', positionals: ['id'], options: [], module: 'state' },
  {
    // The native front (addon/front) released the init, which could not exec:
    // report it as start does. errno 0: message is the whole text.
    name: 'start-failed', describe: 'report a failed start', positionals: ['id', 'errno', 'message'], options: [],
    module: 'start-failed', hidden: true,
  },
  {
    name: 'kill', describe: 'send a signal to the container\'s process (default SIGTERM)', positionals: ['id', 'signal?'],
    options: [{ name: 'all', alias: 'a', type: 'boolean', default: false, describe: 'signal every process in the container' }],
    module: 'kill',
  },
  {
    name: 'delete', describe: 'delete a stopped container', positionals: ['id'],
    options: [{ name: 'force', alias: 'f', type: 'boolean', default: false, describe: 'kill it first if it is running' }],
    module: 'delete',
  },
  {
    name: 'run', describe: 'create and start a container, wait for it, delete it', positionals: ['id'],
    options: [
      bundle, pidFile, consoleSocket, pidfdSocket, noPivot, preserveFds, noNewKeyring,
      { name: 'detach', alias: 'd', type: 'boolean', default: false, describe: 'do not wait: leave it running' },
      { name: 'keep', type: 'boolean', default: false, describe: 'do not delete the container when it exits' },
      { name: 'no-subreaper', type: 'boolean', default: false, describe: 'accepted for runc compatibility: run stays the subreaper of its init (it needs its exit status)', hidden: true },
    ],
    module: 'run',
  },
  {
    name: 'exec', describe: 'run a process in a running container', positionals: ['id'], rest: 'command',
    options: [
      { name: 'process', alias: 'p', type: 'string', describe: 'JSON file with an OCI process object' },
      { name: 'tty', alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-terminal' },
      consoleSocket, pidfdSocket,
      { name: 'detach', alias: 'd', type: 'boolean', default: false, describe: 'do not wait for the process' },
      pidFile,
      { name: 'cwd', type: 'string', describe: 'working directory' },
      { name: 'env', alias: 'e', type: 'array', default: [], describe: 'KEY=VALUE, repeatable' },
      { name: 'user', alias: 'u', type: 'string', describe: 'UID[:GID]' },
      { name: 'additional-gids', alias: 'g', type: 'array', default: [], describe: 'extra group ids, repeatable' },
      { name: 'cap', alias: 'c', type: 'array', default: [], describe: 'add a capability, repeatable' },
      { name: 'no-new-privs', type: 'boolean', default: false, describe: 'set no_new_privs' },
      { name: 'process-label', type: 'string', describe: 'SELinux label (ignored: SELinux is off)' },
      { name: 'apparmor', type: 'string', describe: 'AppArmor profile (ignored when AppArmor is off)' },
      preserveFds,
      { name: 'cgroup', type: 'array', default: [], describe: 'run in an existing sub-cgroup: [CONTROLLER[,CONTROLLER]:]PATH, repeatable' },
      { name: 'ignore-paused', type: 'boolean', default: false, describe: 'exec even if the container is paused (the process waits for resume)' },
    ],
    module: 'exec',
  },
  { name: 'pause', describe: 'freeze every process of a container', positionals: ['id'], options: [], module: 'pause' },
  { name: 'resume', describe: 'thaw a paused container', positionals: ['id'], options: [], module: 'resume' },
  {
    name: 'ps', describe: 'list the processes of a container (extra arguments go to ps(1))', positionals: ['id'], rest: 'ps-args',
    options: [{ name: 'format', alias: 'f', type: 'string', default: 'table', choices: ['table', 'json'], describe: 'output format' }],
    module: 'ps',
  },
  {
    name: 'update', describe: 'change the resource limits of a running container', positionals: ['id'],
    options: [
      { name: 'resources', alias: 'r', type: 'string', describe: 'LinuxResources JSON file, - for stdin' },
      { name: 'memory', type: 'string', describe: 'memory limit (bytes, or 100m, 1g)' },
      { name: 'memory-swap', type: 'string', describe: 'memory + swap limit' },
      { name: 'memory-reservation', type: 'string', describe: 'memory soft limit' },
      { name: 'kernel-memory', type: 'string', describe: 'kernel memory limit (v1; obsolete)', hidden: true },
      { name: 'kernel-memory-tcp', type: 'string', describe: 'kernel TCP buffer memory limit (v1; obsolete)', hidden: true },
      { name: 'cpu-share', type: 'number', describe: 'relative CPU weight (shares)' },
      { name: 'cpu-shares', type: 'number', describe: 'the same as --cpu-share', hidden: true },
      { name: 'cpu-quota', type: 'number', describe: 'CFS quota (µs per period)' },
      { name: 'cpu-period', type: 'number', describe: 'CFS period (µs)' },
      { name: 'cpu-rt-period', type: 'number', describe: 'realtime period (µs)' },
      { name: 'cpu-rt-runtime', type: 'number', describe: 'realtime runtime (µs)' },
      { name: 'cpuset-cpus', type: 'string', describe: 'CPUs to run on (0-1)' },
      { name: 'cpuset-mems', type: 'string', describe: 'memory nodes' },
      { name: 'pids-limit', type: 'number', describe: 'maximum number of processes' },
      { name: 'blkio-weight', type: 'number', describe: 'block IO weight (10-1000)' },
      { name: 'l3-cache-schema', type: 'string', describe: 'Intel RDT/CAT L3 cache schema (not supported)' },
      { name: 'mem-bw-schema', type: 'string', describe: 'Intel RDT/MBA memory bandwidth schema (not supported)' },
    ],
    module: 'update',
  },
  {
    name: 'events', describe: 'print container statistics and OOM notices as JSON lines', positionals: ['id'],
    options: [
      { name: 'stats', type: 'boolean', default: false, describe: 'print one stats event and exit' },
      { name: 'interval', type: 'string', default: '5s', describe: 'time between stats events' },
    ],
    module: 'events',
  },
  {
    name: 'checkpoint', describe: 'checkpoint a running container with CRIU', positionals: ['id'],
    options: [
      { name: 'image-path', type: 'string', describe: 'directory for the CRIU images (default: ./checkpoint)' },
      { name: 'work-path', type: 'string', describe: 'directory for CRIU\'s work files and log' },
      { name: 'parent-path', type: 'string', describe: 'the previous pre-dump, relative to --image-path' },
      { name: 'leave-running', type: 'boolean', default: false, describe: 'leave the container running after the dump' },
      { name: 'tcp-established', type: 'boolean', default: false, describe: 'allow open TCP connections' },
      { name: 'tcp-skip-in-flight', type: 'boolean', default: false, describe: 'skip in-flight TCP connections' },
      { name: 'link-remap', type: 'boolean', default: false, describe: 'link unlinked files back when possible' },
      { name: 'ext-unix-sk', type: 'boolean', default: false, describe: 'allow external unix sockets' },
      { name: 'shell-job', type: 'boolean', default: false, describe: 'allow shell jobs' },
      { name: 'file-locks', type: 'boolean', default: false, describe: 'handle file locks' },
      { name: 'pre-dump', type: 'boolean', default: false, describe: 'dump memory only, leave the container running' },
      { name: 'manage-cgroups-mode', type: 'string', default: '', describe: 'cgroups mode: soft|full|strict|ignore' },
      { name: 'empty-ns', type: 'array', default: [], describe: 'create this namespace empty on restore (network)' },
      { name: 'auto-dedup', type: 'boolean', default: false, describe: 'deduplicate memory images' },
      { name: 'page-server', type: 'string', describe: 'send the memory pages to the `criu page-server` at ADDRESS:PORT (with --lazy-pages: serve them there)' },
      { name: 'lazy-pages', type: 'boolean', default: false, describe: 'leave the memory pages for a `restore --lazy-pages` to fetch on demand (userfaultfd); the processes stay stopped until it has them all' },
      { name: 'status-fd', type: 'number', default: -1, describe: 'with --lazy-pages: write one \\0 byte to this fd when the lazy restore may start' },
    ],
    module: 'checkpoint',
  },
  {
    name: 'restore', describe: 'restore a container from a checkpoint', positionals: ['id'],
    options: [
      { ...bundle, default: '' },
      { name: 'image-path', type: 'string', describe: 'directory of the CRIU images (default: ./checkpoint)' },
      { name: 'work-path', type: 'string', describe: 'directory for CRIU\'s work files and log' },
      consoleSocket, pidFile, noPivot,
      { name: 'detach', alias: 'd', type: 'boolean', default: false, describe: 'do not wait: leave it running' },
      { name: 'tcp-established', type: 'boolean', default: false, describe: 'allow open TCP connections' },
      { name: 'ext-unix-sk', type: 'boolean', default: false, describe: 'allow external unix sockets' },
      { name: 'shell-job', type: 'boolean', default: false, describe: 'allow shell jobs' },
      { name: 'file-locks', type: 'boolean', default: false, describe: 'handle file locks' },
      { name: 'manage-cgroups-mode', type: 'string', default: '', describe: 'cgroups mode: soft|full|strict|ignore' },
      { name: 'empty-ns', type: 'array', default: [], describe: 'create this namespace empty (network)' },
      { name: 'auto-dedup', type: 'boolean', default: false, describe: 'deduplicate memory images' },
      { name: 'lazy-pages', type: 'boolean', default: false, describe: 'fetch the memory pages on demand from a `criu lazy-pages` daemon (userfaultfd)' },
      { name: 'no-subreaper', type: 'boolean', default: false, describe: 'do not be a subreaper: restore never is one (CRIU restores the init as our child), so nothing changes' },
      { name: 'lsm-profile', type: 'string', describe: 'LSM profile for the restored process (TYPE:NAME)' },
      { name: 'lsm-mount-context', type: 'string', describe: 'LSM (SELinux) context for the restored mounts that have a context= option' },
    ],
    module: 'restore',
  },
  { name: 'features', describe: 'print what this runtime supports (JSON)', positionals: [], options: [], module: 'features' },
  {
    name: 'list', describe: 'list containers', positionals: [],
    options: [
      { name: 'format', alias: 'f', type: 'string', default: 'table', choices: ['table', 'json'], describe: 'output format' },
      { name: 'quiet', alias: 'q', type: 'boolean', default: false, describe: 'ids only' },
    ],
    module: 'list',
  },
  {
    name: 'spec', describe: 'write a default config.json (as `runc spec`)', positionals: [],
    options: [
      { name: 'bundle', alias: 'b', type: 'string', default: '.', describe: 'where to write config.json' },
      { name: 'rootless', type: 'boolean', default: false, describe: 'a config for a non-root user (user namespace mapping you to root, no network namespace, no resources)' },
    ],
    module: 'spec',
  },
];
