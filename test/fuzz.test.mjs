// Fuzzed configs and garbage state: ocirun must fail cleanly on anything.
//
// A deterministic generator (seeded PRNG; FUZZ_SEED=<n> to change the seed,
// FUZZ_ONLY=<i,j,...> to run only some variants, FUZZ_KEEP=<dir> to keep the
// config.json of each failing variant there, FUZZ_LIST=1 to only list the
// variants, FUZZ_STATS=1 for the slowest and the valid ones, FUZZ_TIMEOUT=<ms>
// for a slow machine) makes >= 1000 malformed or
// hostile variants of the default config: wrong types at random paths, huge
// arrays, deep nesting, odd strings (NUL, unicode, 10 MB), negative and huge
// ids and limits, `..` paths, symlinked mount targets, bad seccomp, cgroup,
// rlimit and namespace values. Each goes through `ocirun create` with an id
// of its own. A variant either fails -- non-zero exit, not killed by a
// signal, exactly one line on stderr starting with "ocirun: ", no "internal
// error", no stack trace -- or, being valid after all, is created and then
// deleted. Either way nothing is left: no state dir, no cgroup, no process.
//
// Then garbage in --root (truncated state.json, a wrong id, state.json that
// is a directory, a dir without state.json, mode 000 owned by another user,
// the container dir a file or a symlink): state, list, kill, start report it
// clearly and `delete --force` cleans it.
//
// Safety: the generator never points root.path, namespace paths, hook paths
// or cgroupsPath at real host objects (a valid variant could change the
// host: join the host's mount namespace, write limits into or kill a host
// cgroup). Containers are only created (their program never runs), in a
// private copy of the busybox rootfs.
//
//   npx tap --disable-coverage test/fuzz.test.mjs
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  PREFIX, BUSYBOX_BUNDLE, makeRoot, makeBundle, tempDir, rtFiles, spawnFiles,
  cgroupDirsNamed, mountsMentioning, waitFor, procState,
} from './lib/harness.mjs';

t.setTimeout(Number(process.env.FUZZ_TIMEOUT ?? 170_000));

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed0c1);
const ONLY = process.env.FUZZ_ONLY ? new Set(process.env.FUZZ_ONLY.split(',').map(Number)) : undefined;
const KEEP = process.env.FUZZ_KEEP;
const CONCURRENCY = 4;

// ------------------------------------------------------------------ PRNG

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------ the base config

// A private rootfs copy (mount targets that do not exist are created in it),
// with symlinks a hostile image could carry.
const BASE_BUNDLE = makeBundle(t, () => {}, { copyRootfs: true });
const ROOTFS = path.join(BASE_BUNDLE, 'rootfs');
fs.symlinkSync('/etc', path.join(ROOTFS, 'fuzz-abs'));
fs.symlinkSync('../../../../../../etc', path.join(ROOTFS, 'fuzz-rel'));
fs.symlinkSync('fuzz-loop', path.join(ROOTFS, 'fuzz-loop'));
fs.symlinkSync('/proc/self/root', path.join(ROOTFS, 'fuzz-magic'));
fs.symlinkSync('/nonexistent/dangling', path.join(ROOTFS, 'fuzz-dangling'));

function baseConfig() {
  const c = JSON.parse(fs.readFileSync(path.join(BUSYBOX_BUNDLE, 'config.json'), 'utf8'));
  c.root.path = ROOTFS;
  c.process.args = ['sleep', '1000'];
  return c;
}

// ------------------------------------------------------------ the generator

const MB10 = 10 * 1024 * 1024;
const big = (n, ch = 'a') => ch.repeat(n);

const WRONG_VALUES = [
  null, true, false, 0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, '', 'x', 'abc', '-1',
  '\u0000', '💥', [], [1], ['a', 2], {}, { a: 1 }, [[[]]], { '': '' },
];
const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '/a\u0000/../../etc', '../../../../etc/passwd', '/../../..x', '💣\u202e\ud800x',
  'é/ü/日本', big(5000), '\n\r\t', '%s%n%x', '${PATH}', '$(touch /tmp/pwned)', '`id`', '\\', '//', '/.', '/..x',
  'C:\\x', '-', '--help', '/proc/self/fd/7', '/dev/null/x', '/fuzz-abs/hosts', '/fuzz-rel/x', '/fuzz-loop/x',
  '/fuzz-magic/x', '/fuzz-dangling', 'a'.repeat(256), '/' + 'a/'.repeat(3000), '\ufeff', '\u2028',
];
const HOSTILE_NUMBERS = [
  -1, -2, 0, 1, 1.5, -0.5, 2 ** 16, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 63, 2 ** 64, 1e20, -1e20,
  -(2 ** 63), 65536, 4294967294,
];

/** Every path (array of keys) of a JSON value, with its value. */
function paths(v, at = [], out = []) {
  out.push([at, v]);
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) paths(v[k], [...at, Array.isArray(v) ? Number(k) : k], out);
  }
  return out;
}
const show = (p) => p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '') || '(root)';
function setAt(obj, p, value) {
  if (!p.length) return value;
  let cur = obj;
  for (const k of p.slice(0, -1)) cur = cur[k];
  cur[p[p.length - 1]] = value;
  return obj;
}
function delAt(obj, p) {
  let cur = obj;
  for (const k of p.slice(0, -1)) cur = cur[k];
  if (Array.isArray(cur)) cur.splice(p[p.length - 1], 1);
  else delete cur[p[p.length - 1]];
  return obj;
}
/** A path that must never get a random value (see "Safety" above). */
const PROTECTED = (p) => {
  const s = show(p);
  return s.startsWith('root') || /^linux\.namespaces\[\d+\]\.path/.test(s) || s.startsWith('hooks') ||
    s.startsWith('linux.cgroupsPath') || s.startsWith('linux.rootfsPropagation');
};
const nest = (depth, leaf = 1) => `${'['.repeat(depth)}${JSON.stringify(leaf)}${']'.repeat(depth)}`;
const nestObj = (depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/**
 * The variants: { name, make(id) -> config.json text }. `id` is the
 * variant's container id (cgroupsPath variants put it in their path).
 */
function variants(seed) {
  const rnd = mulberry32(seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const int = (n) => Math.floor(rnd() * n);
  const out = [];
  const add = (name, edit, { mustFail } = {}) => out.push({
    name,
    mustFail,
    make: (id) => {
      const c = baseConfig();
      const r = edit(c, id);
      return typeof r === 'string' ? r : JSON.stringify(r ?? c);
    },
  });
  const set = (p, values, mustFail = () => undefined) => values.forEach((v) => add(`${p} = ${JSON.stringify(v)?.slice(0, 50)}`, (c) => {
    const keys = p.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    let cur = c;
    for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
    cur[keys[keys.length - 1]] = v;
  }, { mustFail: mustFail(v) }));
  // A NUL byte can't reach a system call: C would see a different (cut)
  // string than the one validated. Such a config must be rejected.
  const NUL = (v) => (JSON.stringify(v).includes('\\u0000') ? 'a NUL byte would cut the string the kernel sees' : undefined);
  // (uid_t)-1 means "unchanged" to setresuid/setresgid: the process would stay root.
  const MINUS1 = (v) => (v === 4294967295 ? '(uid_t)-1 leaves the id unchanged (root); runc: "uids and gids must be in range 0-2147483647"' : undefined);

  // -- the document itself
  const raw = (name, text) => add(`raw: ${name}`, () => text);
  raw('empty file', '');
  raw('whitespace', ' \n\t ');
  raw('null', 'null');
  raw('array', '[]');
  raw('string', '"config"');
  raw('number', '42');
  raw('true', 'true');
  raw('truncated', JSON.stringify(baseConfig()).slice(0, 200));
  raw('truncated at 1 byte', '{');
  raw('BOM', `\ufeff${JSON.stringify(baseConfig())}`);
  raw('trailing garbage', `${JSON.stringify(baseConfig())} }{ garbage`);
  raw('NaN', '{"ociVersion": NaN}');
  raw('comments', `// hi\n${JSON.stringify(baseConfig())}`);
  raw('single quotes', "{'ociVersion': '1.2.0'}");
  raw('NUL bytes', '\u0000\u0000\u0000');
  raw('binary', Buffer.from(Array.from({ length: 4096 }, () => int(256))).toString('latin1'));
  raw('10 MB of spaces then the config', `${' '.repeat(MB10)}${JSON.stringify(baseConfig())}`);
  raw('10 MB of [', '['.repeat(MB10));
  raw('top-level nesting 100000', nest(100_000));
  raw('top-level object nesting 100000', nestObj(100_000));
  raw('number 1e999', JSON.stringify(baseConfig()).replace('"uid":0', '"uid":1e999'));
  raw('number 123456789012345678901234567890', JSON.stringify(baseConfig()).replace('"uid":0', '"uid":123456789012345678901234567890'));
  raw('number -0', JSON.stringify(baseConfig()).replace('"uid":0', '"uid":-0'));
  raw('rlimit hard 2^64', JSON.stringify(baseConfig()).replace('"hard":1024', '"hard":18446744073709551616'));
  raw('rlimit hard 2^64-1', JSON.stringify(baseConfig()).replace('"hard":1024', '"hard":18446744073709551615'));
  raw('duplicate keys (last is bad)', JSON.stringify(baseConfig()).replace('{', '{"process":{"args":["true"],"cwd":"/","user":{"uid":0,"gid":0}},') .replace(/,"process":\{/, ',"process":{"args":5,'));
  raw('__proto__ key', JSON.stringify(baseConfig()).replace('{', '{"__proto__":{"process":5,"polluted":true},'));
  raw('constructor key', JSON.stringify(baseConfig()).replace('{', '{"constructor":{"prototype":{"x":1}},'));
  raw('invalid UTF-8', Buffer.concat([Buffer.from('{"ociVersion":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]).toString('latin1'));
  raw('lone surrogate escape', JSON.stringify(baseConfig()).replace('"hostname":"ocirun"', '"hostname":"\\ud800"'));
  add('raw: NUL escape in hostname', () => JSON.stringify(baseConfig()).replace('"hostname":"ocirun"', '"hostname":"a\\u0000b"'), { mustFail: 'a NUL byte would cut the string the kernel sees' });

  // -- deep nesting inside the document
  for (const depth of [100, 1000, 10_000, 100_000]) {
    add(`deep nesting ${depth} at an unknown key`, (c) => JSON.stringify(c).replace('{', `{"x-deep":${nest(depth)},`));
    add(`deep object nesting ${depth} at an unknown key`, (c) => JSON.stringify(c).replace('{', `{"x-deep":${nestObj(depth)},`));
    add(`deep nesting ${depth} in annotations`, (c) => JSON.stringify(c).replace('{', `{"annotations":{"a":${nest(depth, 'x')}},`));
    add(`deep nesting ${depth} in process.args`, (c) => JSON.stringify(c).replace('"args":["sleep","1000"]', `"args":["sleep",${nest(depth, '1')}]`));
    add(`deep nesting ${depth} in linux.resources`, (c) => JSON.stringify(c).replace('"resources":{', `"resources":{"x-unknown":${nest(depth)},`));
    add(`deep nesting ${depth} in a mount`, (c) => JSON.stringify(c).replace('"mounts":[', `"mounts":[{"destination":"/x","type":"tmpfs","source":"tmpfs","options":${nest(depth, 'ro')}},`));
  }

  // -- huge arrays and strings
  add('10k tmpfs mounts on /tmp (valid)', (c) => { for (let i = 0; i < 10_000; i++) c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=4k'] }); });
  for (const bad of [0, 4_999, 9_999]) {
    add(`10k mounts, #${bad} has no destination`, (c) => {
      for (let i = 0; i < 10_000; i++) c.mounts.push({ destination: `/m${i}`, type: 'tmpfs', source: 'tmpfs' });
      delete c.mounts[c.mounts.length - 10_000 + bad].destination;
    });
  }
  add('10k mounts with 10k distinct missing sources', (c) => { for (let i = 0; i < 10_000; i++) c.mounts.push({ destination: `/m${i}`, type: 'bind', source: `/nonexistent/${i}` }); });
  add('10k env entries (valid)', (c) => { for (let i = 0; i < 10_000; i++) c.process.env.push(`V${i}=${i}`); });
  add('10k rlimits (duplicates)', (c) => { for (let i = 0; i < 10_000; i++) c.process.rlimits.push({ type: 'RLIMIT_NOFILE', hard: 1, soft: 1 }); });
  add('10k namespaces (duplicates)', (c) => { for (let i = 0; i < 10_000; i++) c.linux.namespaces.push({ type: 'pid' }); });
  add('10k maskedPaths of missing files (valid)', (c) => { for (let i = 0; i < 10_000; i++) c.linux.maskedPaths.push(`/nonexistent-${i}`); });
  add('10k additionalGids', (c) => { c.process.user.additionalGids = Array.from({ length: 10_000 }, (_, i) => i); });
  add('70k additionalGids (over NGROUPS_MAX)', (c) => { c.process.user.additionalGids = Array.from({ length: 70_000 }, (_, i) => i); });
  add('10k devices with one bad type', (c) => { c.linux.devices = Array.from({ length: 10_000 }, (_, i) => ({ path: `/dev/d${i}`, type: i === 7777 ? 'x' : 'c', major: 1, minor: 3 })); });
  add('10k seccomp rules with one bad action', (c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: Array.from({ length: 10_000 }, (_, i) => ({ names: ['getpid'], action: i === 9_000 ? 'SCMP_ACT_NOPE' : 'SCMP_ACT_ERRNO' })) };
  });
  add('10k uid mappings', (c) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = Array.from({ length: 10_000 }, (_, i) => ({ containerID: i, hostID: 100000 + i, size: 1 }));
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  });
  add('10k annotations (valid)', (c) => { c.annotations = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, `v${i}`])); });
  const tenMB = (p, wrap = (s) => s) => add(`10 MB string at ${p}`, (c) => setAt(c, p.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), wrap(big(MB10, 'b'))));
  tenMB('hostname');
  tenMB('process.cwd', (s) => `/${s}`);
  tenMB('process.args.0');
  tenMB('process.env.0', (s) => `X=${s}`);
  tenMB('mounts.1.destination', (s) => `/${s}`);
  tenMB('linux.maskedPaths.0', (s) => `/${s}`);
  tenMB('annotations', (s) => ({ big: s }));
  tenMB('ociVersion');
  tenMB('linux.namespaces.0.type');
  tenMB('process.capabilities.bounding.0', (s) => `CAP_${s.toUpperCase()}`);
  tenMB('linux.cgroupsPath', (s) => `${PREFIX}-${s}`);

  // -- targeted values
  set('ociVersion', ['2.0.0', '', '1.0.0-rc1', 1.0, '1.2.0\u0000', '0.0.1', '1.99.0']);
  set('process.user.uid', [-1, 4294967295, 4294967296, 2 ** 53, 1.5, '0', null, -(2 ** 31)], MINUS1);
  set('process.user.gid', [-1, 4294967295, 4294967296, 1e20, '0'], MINUS1);
  set('process.user.umask', [-1, 0o10000, 2 ** 32, '022', 1.5]);
  set('process.user.additionalGids', [[-1], [2 ** 32], ['a'], 5, [1.5]]);
  set('process.user.username', [5, '', 'root\u0000']);
  set('process.args', [[], [''], ['\u0000'], ['nonexistent-binary'], ['/'], ['/etc/passwd'], ['../../../bin/sh'], [1], 'sh', null, ['/proc/self/exe'], ['/dev/null'], ['sleep\u0000x', '1']], NUL);
  set('process.env', [['=x'], ['A'], ['\u0000=1'], [1], 'PATH=/bin', [''], ['PATH'], ['A=b\u0000c']], NUL);
  set('process.cwd', ['', 'relative', '/../../..', '/proc/self/fd/7', '/nonexistent/deep/dir', '/etc/passwd', '\u0000', '/fuzz-loop', '/fuzz-magic', '/fuzz-dangling', '/bin/busybox/x', 5]);
  set('process.capabilities.bounding', [['CAP_FOO'], ['cap_kill'], [1], 'CAP_KILL', [''], ['CAP_']]);
  set('process.capabilities.ambient', [['CAP_SYS_ADMIN'], ['CAP_NOPE']]);
  set('process.terminal', [true, 'yes', 1]);
  set('process.consoleSize', [{ height: -1, width: -1 }, { height: 2 ** 32, width: 1 }, 'big']);
  set('process.oomScoreAdj', [1001, -1001, 2 ** 31, 1.5, '0']);
  set('process.noNewPrivileges', ['true', 1]);
  set('process.ioPriority', [{ class: 'IOPRIO_CLASS_FOO', priority: 1 }, { class: 'IOPRIO_CLASS_RT', priority: -1 }, { class: 'IOPRIO_CLASS_BE', priority: 100 }, { priority: 1 }]);
  set('process.scheduler', [{ policy: 'SCHED_FOO' }, { policy: 'SCHED_FIFO', priority: 1000 }, { policy: 'SCHED_OTHER', nice: -100 }, { policy: 'SCHED_DEADLINE', runtime: -1 }, {}]);
  set('process.execCPUAffinity', [{ initial: 'abc' }, { final: '0-99999' }, { initial: '3-1' }, { final: '' }]);
  set('process.personality', [{ domain: 'LINUX_FOO' }, { domain: 'LINUX', flags: ['x'] }, 'LINUX']);
  set('process.rlimits', [
    [{ type: 'RLIMIT_FOO', hard: 1, soft: 1 }], [{ type: 'RLIMIT_NOFILE', hard: 1, soft: 2 }],
    [{ type: 'RLIMIT_NOFILE', hard: -1, soft: -1 }], [{ type: 'rlimit_nofile', hard: 1, soft: 1 }],
    [{ type: 'RLIMIT_NOFILE', hard: 1e7, soft: 1e7 }], [{ type: 'RLIMIT_NPROC', hard: 0, soft: 0 }],
    [{ type: 'RLIMIT_NOFILE', hard: 0, soft: 0 }], [{ type: 'RLIMIT_NOFILE', hard: 2 ** 63, soft: 2 ** 63 }],
    [{ type: 'RLIMIT_NOFILE' }], [{ type: 'RLIMIT_NOFILE', hard: '1', soft: '1' }], [{ hard: 1, soft: 1 }],
    [{ type: 'RLIMIT_NOFILE', hard: 1.5, soft: 1 }],
  ]);
  set('hostname', ['', 'a'.repeat(65), '\u0000', 123, 'a/b', '💥'], NUL);
  set('domainname', ['a'.repeat(65), 5]);
  set('root', [null, {}, { path: '' }, { path: '/nonexistent/rootfs' }, { path: 5 }, { path: ROOTFS, readonly: 'yes' },
    { path: path.join(BUSYBOX_BUNDLE, 'config.json') }, { path: 'no/such/rel' }, { path: '\u0000' }, { path: `${ROOTFS}/fuzz-loop` }]);
  set('mounts', [null, {}, 'x', [1], [null], [{}]]);
  const mount = (name, m) => add(`mount: ${name}`, (c) => { c.mounts.push(m); });
  for (const d of ['tmp', '', '/../../../etc/x', '/proc/self/root/x', '/fuzz-abs/x', '/fuzz-rel/x', '/fuzz-loop/x',
    '/fuzz-magic/x', '/fuzz-dangling', '/bin/busybox/x', '\u0000', '/a\u0000/../../../b', '/etc\u0000x', '/', '/proc', '/dev/null', '/.//./x/../y']) {
    // ("/a\0/../../../b" is cleaned to "/b" before it reaches the kernel)
    add(`mount: tmpfs at ${JSON.stringify(d)}`, (c) => { c.mounts.push({ destination: d, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] }); }, { mustFail: d.includes('/../') ? undefined : NUL(d) });
  }
  mount('type nosuchfs', { destination: '/x', type: 'nosuchfs', source: 'x' });
  mount('bind without source', { destination: '/x', type: 'bind', options: ['rbind'] });
  mount('bind of a missing source', { destination: '/x', type: 'bind', source: '/nonexistent/src', options: ['rbind'] });
  mount('bind of a relative ../ source (the host /etc)', { destination: '/x', type: 'bind', source: '../../../../../../../etc', options: ['rbind', 'ro'] });
  mount('bind with junk options', { destination: '/x', type: 'bind', source: '/etc', options: ['rbind', 'nosuchopt', 'ro'] });
  for (const o of [['size=-1'], ['mode=99999999'], ['uid=abc'], ['nosuchopt'], ['rro'], [1], 'ro', {}, [''], ['size=' + '9'.repeat(100)]]) {
    mount(`tmpfs options ${JSON.stringify(o)}`, { destination: '/x', type: 'tmpfs', source: 'tmpfs', options: o });
  }
  mount('uidMappings', { destination: '/x', type: 'bind', source: '/etc', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
  mount('destination a number', { destination: 5, type: 'tmpfs' });
  mount('proc at /etc', { destination: '/etc', type: 'proc', source: 'proc' });
  mount('sysfs rw over /sys again', { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['rw'] });
  mount('bind onto /proc/sys', { destination: '/proc/sys', type: 'bind', source: '/tmp', options: ['rbind'] });
  set('linux.namespaces', [[{ type: 'foo' }], [{ type: 'pid' }, { type: 'pid' }], [{ type: 'network', path: 'relative/ns' }],
    [{ type: 'network', path: '/nonexistent/ns' }], [{ type: 'network', path: '/etc/hostname' }], [{ type: 'mount', path: '/dev/null' }],
    [{ type: 'user' }], 'pid', [1], [{}], [{ type: '' }], [{ type: 'PID' }], [{ type: 'mount' }, { type: 'mount', path: '/nonexistent' }],
    [{ type: 'uts', path: '' }], null]);
  set('linux.uidMappings', [[{ containerID: 0, hostID: 100000, size: 1 }]]);
  const userns = (name, edit) => add(`userns: ${name}`, (c) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    edit(c);
  });
  userns('containerID -1', (c) => { c.linux.uidMappings[0].containerID = -1; });
  userns('size 0', (c) => { c.linux.uidMappings[0].size = 0; });
  userns('size 2^32', (c) => { c.linux.uidMappings[0].size = 2 ** 32; });
  userns('hostID 2^32', (c) => { c.linux.gidMappings[0].hostID = 2 ** 32; });
  userns('overlapping', (c) => { c.linux.uidMappings.push({ containerID: 10, hostID: 200000, size: 10 }); });
  userns('no gid mappings', (c) => { delete c.linux.gidMappings; });
  userns('empty mappings', (c) => { c.linux.uidMappings = []; c.linux.gidMappings = []; });
  userns('mappings of host root', (c) => { c.linux.uidMappings[0].hostID = 0; c.linux.uidMappings[0].size = 4294967295; });
  const res = (p, values) => set(`linux.resources.${p}`, values);
  res('memory', [{ limit: -2 }, { limit: 1 }, { limit: 2 ** 63 }, { limit: 'abc' }, { swap: -2 }, { limit: 10485760, swap: 1 },
    { reservation: -5 }, { swappiness: 101 }, { swappiness: -1 }, { kernel: -2 }, { kernelTCP: 'x' }, { disableOOMKiller: 'yes' }, 5]);
  res('cpu', [{ shares: -1 }, { shares: 0 }, { shares: 2 ** 64 }, { quota: -2 }, { period: 0 }, { period: 1 }, { quota: 1000, period: 2 ** 40 },
    { cpus: 'abc' }, { cpus: '0-99999' }, { cpus: '1-0' }, { cpus: '' }, { cpus: '0,,1' }, { mems: 'abc' }, { mems: '99' },
    { realtimeRuntime: 2 ** 62 }, { realtimePeriod: -1 }, { idle: 5 }, { burst: -1 }, 'abc']);
  res('pids', [{ limit: -2 }, { limit: 0 }, { limit: 'x' }, { limit: 2 ** 63 }, {}, { limit: 1.5 }]);
  res('blockIO', [{ weight: 5000 }, { weight: -1 }, { leafWeight: 1 }, { weightDevice: [{ major: -1, minor: 0, weight: 10 }] },
    { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: -1 }] }, { throttleWriteIOPSDevice: [{ major: 'x', minor: 0, rate: 1 }] }]);
  res('hugepageLimits', [[{ pageSize: 'abc', limit: 1 }], [{ pageSize: '3MB', limit: 1 }], [{ pageSize: '2MB', limit: -1 }], [{}]]);
  res('network', [{ classID: -1 }, { classID: 2 ** 32 }, { priorities: [{ name: '', priority: -1 }] }, { priorities: [{ name: '../../x', priority: 1 }] }]);
  res('devices', [[{ allow: true, type: 'x', access: 'rwm' }], [{ allow: true, access: 'xyz' }], [{ allow: 'yes' }], [{ allow: true, major: -5 }],
    [{ allow: true, type: 'c', major: 2 ** 40, minor: 1 }], 'all', [{}]]);
  // runc writes "c -5:1 rwm" and the kernel refuses it; "c *:1 rwm" would
  // allow every char device with minor 1 (/dev/mem is 1:1).
  add('linux.resources.devices: type c, major -5, minor 1', (c) => {
    c.linux.resources.devices.push({ allow: true, type: 'c', major: -5, minor: 1, access: 'rwm' });
  }, { mustFail: 'a negative major other than -1 must not become "*" (every major)' });
  add('linux.resources.devices: type b, minor -7', (c) => {
    c.linux.resources.devices.push({ allow: true, type: 'b', major: 8, minor: -7, access: 'rwm' });
  }, { mustFail: 'a negative minor other than -1 must not become "*" (every minor)' });
  res('unified', [{ '../../x': '1' }, { 'memory.max': 'abc' }, { '': '1' }, { 'cgroup.procs': '1' }, { 'a/b': 'c' }, { x: 1 }]);
  res('rdma', [{ mlx: { hcaHandles: -1 } }, { '': {} }]);
  set('linux.resources', ['x', 5, []]);
  const cgp = (name, mk) => add(`cgroupsPath ${name}`, (c, id) => { c.linux.cgroupsPath = mk(id); });
  cgp('with ..', (id) => `/${id}/../${id}`);
  cgp('relative with ..', (id) => `${id}/../../${id}`);
  cgp('systemd a:b:c', (id) => `${id}:b:c`);
  cgp('NUL', (id) => `/${id}\u0000/x`);
  cgp('a number', () => 5);
  cgp('absolute deep (valid)', (id) => `/${id}/a/b/c`);
  cgp('relative (valid)', (id) => `${id}/x`);
  cgp('trailing slash', (id) => `/${id}/`);
  cgp('dot segments', (id) => `/./${id}/./x`);
  cgp('unicode', (id) => `/${id}-💥`);
  cgp('newline', (id) => `/${id}\nx`);
  const seccomp = (name, s) => add(`seccomp: ${name}`, (c) => { c.linux.seccomp = s; });
  seccomp('bad defaultAction', { defaultAction: 'SCMP_ACT_FOO' });
  seccomp('no defaultAction', { syscalls: [] });
  seccomp('unknown syscall name (valid: skipped)', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['nosuchsyscall'], action: 'SCMP_ACT_ERRNO' }] });
  seccomp('bad action', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_FOO' }] });
  seccomp('arg index 7', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 7, value: 1, op: 'SCMP_CMP_EQ' }] }] });
  seccomp('arg index -1', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: -1, value: 1, op: 'SCMP_CMP_EQ' }] }] });
  seccomp('bad operator', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_FOO' }] }] });
  seccomp('value -1', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] });
  seccomp('value 2^64', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 2 ** 64, op: 'SCMP_CMP_EQ' }] }] });
  seccomp('7 args', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: Array.from({ length: 7 }, (_, i) => ({ index: i % 6, value: 1, op: 'SCMP_CMP_EQ' })) }] });
  seccomp('bad architecture', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_FOO'] });
  seccomp('bad flag', { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FOO'] });
  seccomp('errnoRet -1', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: -1 }] });
  seccomp('errnoRet 2^32', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 ** 32 }] });
  seccomp('defaultErrnoRet with ALLOW', { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 });
  seccomp('relative listenerPath', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: 'relative/sock', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_NOTIFY' }] });
  seccomp('NOTIFY without listenerPath', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_NOTIFY' }] });
  seccomp('missing listener socket', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/nonexistent/sock', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_NOTIFY' }] });
  seccomp('empty names', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] });
  seccomp('name ""', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [''], action: 'SCMP_ACT_ERRNO' }] });
  // (cut at the NUL as runc does: the filter only gets stricter)
  seccomp('name NUL', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid\u0000x'], action: 'SCMP_ACT_ERRNO' }] });
  seccomp('KILL everything (init dies before ready)', { defaultAction: 'SCMP_ACT_KILL' });
  seccomp('ERRNO everything', { defaultAction: 'SCMP_ACT_ERRNO' });
  seccomp('a string', 'SCMP_ACT_ALLOW');
  set('linux.sysctl', [{ 'kernel.foo': '1' }, { 'net.ipv4.ip_forward': 'abc' }, { '../x': '1' }, { 'net.': '1' }, { 'net.ipv4.ip_forward': 1 },
    { '': '' }, { 'net/ipv4/ip_forward': '1' }, { 'net..ipv4': '1' }, { 'vm.swappiness': '1' }, { 'net.ipv4.ip_forward': '1\n0' },
    { 'net.ipv4.nosuchkey': '1' }, { 'kernel.shmmax': '-1' }]);
  const dev = (name, d) => add(`device: ${name}`, (c) => { c.linux.devices = [d]; });
  dev('path with ..', { path: '/dev/../../fuzz-dev', type: 'c', major: 1, minor: 3 });
  dev('relative path', { path: 'dev/x', type: 'c', major: 1, minor: 3 });
  dev('empty path', { path: '', type: 'c', major: 1, minor: 3 });
  dev('type x', { path: '/dev/x', type: 'x', major: 1, minor: 3 });
  dev('major -1', { path: '/dev/x', type: 'c', major: -1, minor: 3 });
  dev('major 2^32', { path: '/dev/x', type: 'c', major: 2 ** 32, minor: 3 });
  dev('fileMode 99999', { path: '/dev/x', type: 'c', major: 1, minor: 3, fileMode: 99999 });
  dev('uid -1', { path: '/dev/x', type: 'c', major: 1, minor: 3, uid: -1 });
  dev('no major', { path: '/dev/x', type: 'b' });
  dev('through an absolute symlink', { path: '/fuzz-abs/fuzz-dev', type: 'c', major: 1, minor: 3 });
  dev('through a loop', { path: '/fuzz-loop/x', type: 'c', major: 1, minor: 3 });
  dev('over a directory', { path: '/etc', type: 'c', major: 1, minor: 3 });
  set('linux.maskedPaths', [['relative'], ['/../../etc/fuzz-masked'], ['\u0000'], ['/etc/hostname\u0000x'], ['/proc/self/root/etc'], [1], '/proc', ['/fuzz-loop'], ['/fuzz-magic/etc'], ['/fuzz-abs/hostname']], NUL);
  set('linux.readonlyPaths', [['relative'], ['/../../etc'], ['/proc/self/root/etc'], [null], ['/fuzz-loop'], ['/fuzz-magic'], ['/fuzz-rel'], ['/fuzz-dangling']]);
  set('linux.rootfsPropagation', ['foo', 1, '', 'RSLAVE']);
  set('linux.mountLabel', [5]);
  set('linux.intelRdt', [{ closID: '../../x' }, { l3CacheSchema: 5 }]);
  set('linux.personality', [{ domain: 'x' }]);
  set('linux.timeOffsets', [{ monotonic: { secs: 1, nanosecs: 0 } }]);
  add('time namespace with huge offsets', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { monotonic: { secs: 2 ** 62, nanosecs: -1 } }; });
  set('hooks', [{ prestart: [{ path: 'relative' }] }, { prestart: [{ path: '/nonexistent/hook' }] }, { createRuntime: [{ path: '/bin/false' }] },
    { createRuntime: [{ path: '/nonexistent/x', timeout: 0 }] }, { prestart: [{ path: '/nonexistent/x', timeout: -1 }] },
    { prestart: [{ path: '/nonexistent/x', args: 'x' }] }, { prestart: [{ path: '/nonexistent/x', env: [1] }] }, { poststop: 'x' },
    { createContainer: [{ path: '/nonexistent/x' }] }, { startContainer: [{}] }, 'hooks', { prestart: [{ path: '' }] },
    { createRuntime: [{ path: '/bin/false', timeout: 2 ** 40 }] }]);
  set('annotations', [{ '': 'x' }, { a: 1 }, { a: null }, 'x', [], { ['\u0000']: 'x' }]);

  // -- random mutations of the base config
  const basePaths = paths(baseConfig()).filter(([p]) => p.length && !PROTECTED(p));
  const stringPaths = basePaths.filter(([, v]) => typeof v === 'string');
  const numberPaths = basePaths.filter(([, v]) => typeof v === 'number');
  const containerPaths = basePaths.filter(([, v]) => v && typeof v === 'object');
  const arrayPaths = basePaths.filter(([, v]) => Array.isArray(v) && v.length);
  const mutators = [
    // wrong type (weighted: most variants should fail fast in validation)
    [14, () => {
      const [p, v] = pick(basePaths);
      let w = pick(WRONG_VALUES);
      for (let i = 0; i < 5 && typeof w === typeof v && Array.isArray(w) === Array.isArray(v); i++) w = pick(WRONG_VALUES);
      return [`${show(p)} = ${JSON.stringify(w)}`, (c) => setAt(c, p, structuredClone(w))];
    }],
    [1, () => {
      const [p] = pick(basePaths);
      return [`delete ${show(p)}`, (c) => delAt(c, p)];
    }],
    [1, () => {
      const [p] = pick(stringPaths);
      const s = pick(HOSTILE_STRINGS);
      return [`${show(p)} = ${JSON.stringify(s).slice(0, 40)}`, (c) => setAt(c, p, s)];
    }],
    [1, () => {
      const [p] = pick(numberPaths);
      const n = pick(HOSTILE_NUMBERS);
      return [`${show(p)} = ${n}`, (c) => setAt(c, p, n)];
    }],
    [1, () => {
      const [p, v] = pick(arrayPaths);
      const i = int(v.length);
      const n = 1 + int(3);
      return [`duplicate ${show(p)}[${i}] x${n}`, (c) => {
        let cur = c;
        for (const k of p) cur = cur[k];
        for (let j = 0; j < n; j++) cur.push(structuredClone(cur[i]));
      }];
    }],
    [1, () => {
      const [p] = pick(containerPaths);
      const k = pick(['x-unknown', '', '\u0000', '__proto__', 'constructor', 'type', 'path', 'destination']);
      const w = pick(WRONG_VALUES);
      return [`${show(p)}[${JSON.stringify(k)}] = ${JSON.stringify(w)}`, (c) => {
        let cur = c;
        for (const key of p) cur = cur[key];
        if (Array.isArray(cur)) cur.push(w);
        else Object.defineProperty(cur, k, { value: structuredClone(w), enumerable: true, writable: true, configurable: true });
      }];
    }],
  ];
  const weighted = mutators.flatMap(([w, f]) => Array(w).fill(f));
  for (let i = 0; i < 560; i++) {
    const n = i < 400 ? 1 : 2 + int(2);
    const ms = Array.from({ length: n }, () => pick(weighted)());
    add(`random: ${ms.map((m) => m[0]).join(' + ')}`, (c) => {
      for (const [, f] of ms) {
        try {
          const r = f(c);
          if (r !== undefined && r !== c && ms.length === 1) return r;
        } catch { /* an earlier mutation removed the path: skip */ }
      }
      return c;
    });
  }
  return out;
}

// ------------------------------------------------------------ the runner

const ROOT = makeRoot(t);
const WORK = tempDir(t, 'fuzz');

// After the assertions (which report them): remove what a variant leaked,
// so the host stays clean for the rest of the suite.
t.teardown(() => {
  const dirs = cgroupDirsNamed(`${PREFIX}-fz-${process.pid}-*`);
  for (const d of dirs) {
    const all = (spawnSync('find', [d, '-depth', '-type', 'd'], { encoding: 'utf8' }).stdout ?? '').trim().split('\n').filter(Boolean);
    for (const x of all) {
      try {
        for (const pid of fs.readFileSync(`${x}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      } catch { /* gone */ }
    }
    for (const x of all) {
      for (let i = 0; i < 50; i++) {
        try {
          fs.rmdirSync(x);
          break;
        } catch {
          spawnSync('sleep', ['0.02']);
        }
      }
    }
  }
});

/**
 * Where a variant's cgroup dirs would be: every hierarchy's root and our own
 * cgroup in it (a relative cgroupsPath is below the runtime's cgroup). Cheaper
 * than a find per variant; a find at the end looks everywhere.
 */
const CGROUP_PARENTS = (() => {
  const own = new Map();
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) for (const c of m[1].split(',')) own.set(c, m[2]);
  }
  const out = new Set();
  for (const name of fs.readdirSync('/sys/fs/cgroup')) {
    const mp = path.join('/sys/fs/cgroup', name);
    if (!fs.statSync(mp).isDirectory()) continue;
    out.add(mp);
    const key = name === 'systemd' ? 'name=systemd' : name === 'unified' ? '' : name;
    const o = own.get(key) ?? own.get(name.split(',')[0]);
    if (o && o !== '/') out.add(path.join(mp, o));
  }
  return [...out];
})();

/** Problems with one ocirun invocation's result, or [] if it failed cleanly. */
function failureProblems(r) {
  const p = [];
  if (r.signal) p.push(`killed by ${r.signal}`);
  if (r.status === 0) p.push('exit 0');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) p.push(`${lines.length} lines on stderr`);
  if (lines.length && !lines[0].startsWith('ocirun: ')) p.push('stderr does not start with "ocirun: "');
  if (/internal error/i.test(r.stderr)) p.push('internal error');
  if (/\n\s+at |\bat (\S+ )?\(?(node:|\/)\S+:\d+:\d+\)?/.test(r.stderr)) p.push('stack trace');
  // One line naming the cause, not a 10 MB echo of the input.
  if (r.stderr.length > 8192) p.push(`stderr is ${r.stderr.length} bytes`);
  return p;
}

/** Runs ocirun and kills it after `ms` (a hang is a failure too). */
async function ocirunTimed(args, dir, ms = 60_000) {
  const p = spawnFiles(ROOT, args, { dir });
  const timer = setTimeout(() => {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch { /* gone */ }
  }, ms);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}

t.test('fuzzed configs', async (t) => {
  const all = variants(SEED);
  t.comment(`seed ${SEED}: ${all.length} variants`);
  if (process.env.FUZZ_LIST) {
    // FUZZ_LIST=1: only print "<index> <name>" of every variant.
    all.forEach((v, i) => t.comment(`${i} ${v.name.slice(0, 200)}`));
    return;
  }
  t.ok(all.length >= 1000, `at least 1000 variants (${all.length})`);
  const todo = all.map((v, i) => ({ ...v, i })).filter((v) => !ONLY || ONLY.has(v.i));
  const bad = [];
  const leaks = [];
  let valid = 0;
  let ran = 0;
  const timings = [];
  const stoppedAfterCreate = [];
  const started = Date.now();

  async function one(v) {
    const id = `${PREFIX}-fz-${process.pid}-${v.i}`;
    const dir = path.join(WORK, `v${v.i}`);
    fs.mkdirSync(dir);
    let text;
    try {
      text = v.make(id);
    } catch (e) {
      bad.push({ i: v.i, name: v.name, problems: [`generator: ${e.message}`] });
      return;
    }
    fs.writeFileSync(path.join(dir, 'config.json'), text, 'latin1');
    text = undefined;
    const t0 = Date.now();
    const r = await ocirunTimed(['create', '-b', dir, id], dir);
    timings.push([Date.now() - t0, v.i, r.status, v.name.slice(0, 80)]);
    ran++;
    if (r.status === 0 && v.mustFail) {
      bad.push({ i: v.i, name: v.name, problems: [`accepted (exit 0), must be rejected: ${v.mustFail}`] });
    }
    if (r.status === 0) {
      // Valid after all: it must be a working container, and go away.
      valid++;
      // (state is checked for the targeted variants; random ones only get
      // deleted, to keep the time down)
      const random = v.name.startsWith('random:');
      const st = random ? { stdout: '{"status":"created"}', stderr: '' } : await ocirunTimed(['state', id], dir);
      let status;
      try {
        status = JSON.parse(st.stdout).status;
      } catch { /* reported below */ }
      const d = await ocirunTimed(['delete', '--force', id], dir);
      const p = [];
      // "stopped" is possible: e.g. RLIMIT_NOFILE 0 kills the waiting init
      // (runc's create succeeds there too, and the container is stopped).
      if (status !== 'created' && status !== 'stopped') p.push(`created, but state says ${status ?? `nothing (${st.stderr.trim().slice(0, 200)})`}`);
      if (status === 'stopped') stoppedAfterCreate.push(`#${v.i} ${v.name.slice(0, 80)}`);
      if (d.status !== 0) p.push(`delete --force failed: ${d.stderr.trim().slice(0, 200)}`);
      if (p.length) bad.push({ i: v.i, name: v.name, problems: p });
    } else {
      const p = failureProblems(r);
      if (p.length) bad.push({ i: v.i, name: v.name, status: r.status, problems: p, stderr: r.stderr.slice(0, 400) });
    }
    // Nothing left behind.
    const left = [];
    if (fs.existsSync(path.join(ROOT, id))) {
      left.push(`state dir: ${fs.readdirSync(path.join(ROOT, id)).join(' ')}`);
      await ocirunTimed(['delete', '--force', id], dir);
    }
    const cgs = CGROUP_PARENTS.map((d) => path.join(d, id)).filter((d) => fs.existsSync(d));
    if (cgs.length) left.push(`cgroups: ${cgs.slice(0, 3).join(' ')}`);
    if (left.length) leaks.push({ i: v.i, name: v.name, left });
    if (KEEP && (left.length || bad.some((b) => b.i === v.i))) {
      fs.mkdirSync(KEEP, { recursive: true });
      fs.copyFileSync(path.join(dir, 'config.json'), path.join(KEEP, `variant-${v.i}.json`));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const queue = [...todo];
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (queue.length) await one(queue.shift());
  }));

  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (process.env.FUZZ_STATS) {
    timings.sort((a, b) => b[0] - a[0]);
    for (const x of timings.slice(0, 60)) t.comment(`${x[0]}ms #${x[1]} exit ${x[2]} ${x[3]}`);
    t.comment(`total create ms: ${timings.reduce((a, x) => a + x[0], 0)}; valid: ${timings.filter((x) => x[2] === 0).length}`);
    for (const x of timings.filter((y) => y[2] === 0)) t.comment(`valid: #${x[1]} ${x[3]}`);
  }
  t.comment(`fuzz cases run: ${ran} (${valid} valid, created and deleted; ${ran - valid} rejected) in ${secs}s`);
  if (stoppedAfterCreate.length) t.comment(`created but stopped at once: ${stoppedAfterCreate.join('; ')}`);
  t.same(bad.map((b) => `#${b.i} ${b.name.slice(0, 120)}: ${b.problems.join(', ')}${b.stderr ? ` -- ${b.stderr.trim().slice(0, 300)}` : ''}`), [],
    'every variant fails cleanly (one "ocirun: " line, no internal error, no stack, no signal) or is created and deleted');
  t.same(leaks.map((l) => `#${l.i} ${l.name.slice(0, 120)}: ${l.left.join('; ')}`), [], 'no variant leaves a state dir or cgroup behind');
  t.same(fs.readdirSync(ROOT), [], 'the state root is empty');
  const mine = `${PREFIX}-fz-${process.pid}-`;
  await waitFor(() => !procsIn(mine).length, 5000, 50);
  t.same(procsIn(mine), [], 'no process in a cgroup of a variant');
  t.same(cgroupDirsNamed(`${mine}*`), [], 'no cgroup dir of a variant');
  t.same(mountsMentioning(mine), [], 'no mount of a variant');
  t.same(mountsMentioning(WORK), [], 'no mount of a variant bundle');
});

function procsIn(s) {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return procState(p) !== 'Z' && fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(s);
    } catch {
      return false;
    }
  });
}

// -------------------------------------------------------- garbage state

t.test('garbage state files in --root', async (t) => {
  const root = makeRoot(t);
  const IO = tempDir(t, 'fuzz-io');
  const victim = tempDir(t, 'fuzz-victim');
  fs.writeFileSync(path.join(victim, 'precious'), 'keep me\n');
  fs.writeFileSync(path.join(victim, 'state.json'), JSON.stringify({ id: 'x' }));
  let n = 0;
  const good = JSON.stringify({
    id: 'ID', ociVersion: '1.2.0', bundle: '/nonexistent', rootfs: '/nonexistent', created: new Date().toISOString(),
    owner: 'root', pid: 0, startTime: '', phase: 'created',
  });
  const cases = [
    ['truncated JSON', (d, id) => fs.writeFileSync(`${d}/state.json`, good.replace('ID', id).slice(0, 40))],
    ['empty state.json', (d) => fs.writeFileSync(`${d}/state.json`, '')],
    ['state.json is "null"', (d) => fs.writeFileSync(`${d}/state.json`, 'null')],
    ['state.json is an array', (d) => fs.writeFileSync(`${d}/state.json`, '[1,2]')],
    ['binary garbage', (d) => fs.writeFileSync(`${d}/state.json`, Buffer.from([0, 1, 2, 255, 254, 0x7b]))],
    ['wrong id', (d) => fs.writeFileSync(`${d}/state.json`, good.replace('ID', 'someone-else'))],
    ['pid is a string', (d, id) => fs.writeFileSync(`${d}/state.json`, good.replace('ID', id).replace('"pid":0', '"pid":"1"'))],
    ['pid negative', (d, id) => fs.writeFileSync(`${d}/state.json`, good.replace('ID', id).replace('"pid":0', '"pid":-1'))],
    ['cgroup field garbage', (d, id) => fs.writeFileSync(`${d}/state.json`, good.replace('ID', id).replace('"pid":0', '"pid":0,"cgroup":{"version":7,"dirs":5}'))],
    ['state.json is a directory', (d) => fs.mkdirSync(`${d}/state.json`)],
    ['a dir without state.json', () => {}],
    ['state.json mode 000 owned by another user', (d, id) => {
      fs.writeFileSync(`${d}/state.json`, good.replace('ID', id));
      fs.chownSync(`${d}/state.json`, 65534, 65534);
      fs.chmodSync(`${d}/state.json`, 0);
      fs.chownSync(d, 65534, 65534);
      fs.chmodSync(d, 0);
    }],
    ['truncated JSON, mode 000, another owner', (d, id) => {
      fs.writeFileSync(`${d}/state.json`, good.replace('ID', id).slice(0, 30));
      fs.chownSync(`${d}/state.json`, 65534, 65534);
      fs.chmodSync(`${d}/state.json`, 0);
    }],
    ['state.json a symlink to /etc/passwd', (d) => fs.symlinkSync('/etc/passwd', `${d}/state.json`)],
    ['state.json a dangling symlink', (d) => fs.symlinkSync('/nonexistent/state.json', `${d}/state.json`)],
    // A read would block forever: checked with a short timeout, and only
    // state, list and delete --force (each would hang the same way).
    ['state.json a fifo (nobody writes it)', (d) => spawnSync('mkfifo', [`${d}/state.json`]), { fewer: true }],
    ['init.sock is a regular file', (d, id) => { fs.writeFileSync(`${d}/state.json`, good.replace('ID', id)); fs.writeFileSync(`${d}/init.sock`, 'x'); }],
    ['config.json garbage', (d, id) => { fs.writeFileSync(`${d}/state.json`, good.replace('ID', id)); fs.writeFileSync(`${d}/config.json`, '{'); }],
    ['the container dir is a regular file', (d) => { fs.rmdirSync(d); fs.writeFileSync(d, 'garbage'); }],
    ['the container dir is a symlink to a victim dir', (d) => { fs.rmdirSync(d); fs.symlinkSync(victim, d); }],
    ['the container dir is a dangling symlink', (d) => { fs.rmdirSync(d); fs.symlinkSync('/nonexistent/dir', d); }],
    // The dir can't even be opened (ELOOP): delete --force must not claim success.
    ['the container dir is a symlink loop', (d) => { fs.rmdirSync(d); fs.symlinkSync(path.basename(d), d); }],
  ];
  // A healthy neighbour: list must still show it.
  const okId = `${PREFIX}-gsok-${process.pid}`;
  fs.mkdirSync(path.join(root, okId), { mode: 0o700 });
  fs.writeFileSync(path.join(root, okId, 'state.json'), good.replace('ID', okId));
  t.teardown(() => rtFiles(t, root, ['delete', '--force', okId], { dir: IO }));

  for (const [name, make, { fewer = false } = {}] of cases) {
    t.test(name, async (t) => {
      const timeout = fewer ? 2_500 : 10_000;
      const id = `${PREFIX}-gs-${process.pid}-${++n}`;
      const d = path.join(root, id);
      fs.mkdirSync(d, { mode: 0o700 });
      make(d, id);
      t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
      const clear = (r, cmd, { mayWork = false } = {}) => {
        t.equal(r.signal, null, `${cmd}: not killed by a signal`);
        t.notMatch(r.stderr, /internal error|\n\s+at |\bat \S+ \(\S+:\d+:\d+\)/, `${cmd}: no internal error or stack`, { stderr: r.stderr });
        if (mayWork && r.status === 0) return;
        t.equal(r.status, 1, `${cmd}: exits 1`, { stderr: r.stderr, stdout: r.stdout });
        t.equal(r.stderr.trim().split('\n').length, 1, `${cmd}: one line`, { stderr: r.stderr });
        t.match(r.stderr, /^ocirun: \S/, `${cmd}: "ocirun: <why>"`);
      };
      const st = rtFiles(t, root, ['state', id], { dir: IO, timeout });
      clear(st, 'state', { mayWork: true });
      if (st.status === 0) {
        let s;
        t.doesNotThrow(() => (s = JSON.parse(st.stdout)), 'state: if it answers, with JSON');
        t.equal(s?.id, id, 'state: of the right id');
      }
      const l = rtFiles(t, root, ['list', '--format', 'json'], { dir: IO, timeout });
      t.equal(l.signal, null, 'list: not killed by a signal');
      t.notMatch(l.stderr, /internal error|\n\s+at /, 'list: no internal error or stack');
      if (l.status === 0) {
        let arr;
        t.doesNotThrow(() => (arr = JSON.parse(l.stdout)), 'list: valid JSON');
        t.ok(arr?.some((x) => x.id === okId), 'list: the healthy container is still listed');
      } else {
        t.equal(l.status, 1, 'list: exits 0 or 1');
        t.equal(l.stderr.trim().split('\n').length, 1, 'list: one line', { stderr: l.stderr });
      }
      if (!fewer) {
        clear(rtFiles(t, root, ['kill', id, 'KILL'], { dir: IO, timeout }), 'kill');
        clear(rtFiles(t, root, ['start', id], { dir: IO, timeout }), 'start');
        clear(rtFiles(t, root, ['delete', id], { dir: IO, timeout }), 'delete (no --force)', { mayWork: true });
      }
      const del = rtFiles(t, root, ['delete', '--force', id], { dir: IO, timeout });
      t.equal(del.status, 0, 'delete --force exits 0', { stderr: del.stderr });
      t.notOk(fs.existsSync(d) || isLink(d), 'delete --force removed it');
      t.equal(fs.readFileSync(path.join(victim, 'precious'), 'utf8'), 'keep me\n', 'a symlinked victim dir is untouched');
      t.ok(fs.existsSync(path.join(victim, 'state.json')), 'the victim\'s files are all there');
    });
  }
  t.test('--root is a regular file / missing', async (t) => {
    const f = path.join(tempDir(t, 'fuzz-rootfile'), 'file');
    fs.writeFileSync(f, 'x');
    const l = rtFiles(t, f, ['list'], { dir: IO });
    t.equal(l.signal, null);
    t.notMatch(l.stderr, /internal error/);
    t.ok(l.status === 0 || (l.status === 1 && l.stderr.trim().split('\n').length === 1), 'list: works or one line', { stderr: l.stderr });
    const s = rtFiles(t, f, ['state', 'x'], { dir: IO });
    t.equal(s.status, 1, 'state in a file root exits 1');
    t.equal(s.stderr.trim().split('\n').length, 1, 'one line', { stderr: s.stderr });
    t.notMatch(s.stderr, /internal error/);
    const d = rtFiles(t, f, ['delete', '--force', 'x'], { dir: IO });
    t.equal(d.status, 0, 'delete --force of an unknown id in a file root exits 0', { stderr: d.stderr });
    t.equal(fs.readFileSync(f, 'utf8'), 'x', 'the file is untouched');
    // (runc 1.2: a --root given that does not exist is an error; runc 1.1.5 listed nothing)
    const m = rtFiles(t, path.join(f, 'no', 'such'), ['list'], { dir: IO });
    t.equal(m.status, 1, 'list of a missing --root exits 1', { stderr: m.stderr });
    t.match(m.stderr, /^ocirun: open .*\/no\/such: no such file or directory\n$/, 'one line naming it');
  });
  t.test('afterwards', async (t) => {
    rtFiles(t, root, ['delete', '--force', okId], { dir: IO });
    t.same(fs.readdirSync(root), [], 'the root is empty');
  });
});

function isLink(p) {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
