// The conformance cases: one (or more) per process/linux security field of
// the runtime-spec. Each case edits the busybox default config.json, runs a
// busybox `sh` checker inside the container that prints what it saw, and
// checks that output (see runCase in ./lib.mjs for the fields of a case).
// Expectations are the runtime-spec's (and, where the spec leaves it open,
// runc's documented behaviour), never one runtime's wording: error cases
// only require a failure that names the offending value.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { REPO, lines, mountLine, statusFields, sharedHostMount, hostMountsOf, tempDir, invoke, stateOf } from './lib.mjs';
import { caps, capMask } from '../test/lib/caps.mjs';

const SECCOMP_DEFAULT = JSON.parse(fs.readFileSync(path.join(REPO, 'test/data/seccomp-default.json'), 'utf8'));

// ------------------------------------------------------------------ helpers

const sh = (c, script) => { c.process.args = ['sh', '-c', Array.isArray(script) ? script.join('; ') : script]; };
const withoutNs = (c, type) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== type); };
const addTmpfs = (c, dest) => c.mounts.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
const userns = (c) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};
/** A process in a namespace of its own (`unshare` args; ns: its /proc/PID/ns name): ctx.other, ctx.otherNs. */
async function nsHolder(ctx, args, ns) {
  const p = spawn('unshare', [...args, 'sleep', '60'], { stdio: 'ignore' });
  ctx.cleanups.push(() => p.kill('SIGKILL'));
  const host = fs.readlinkSync(`/proc/self/ns/${ns}`);
  for (let i = 0; i < 200 && (() => { try { return fs.readlinkSync(`/proc/${p.pid}/ns/${ns}`) === host; } catch { return true; } })(); i++) {
    await new Promise((res) => setTimeout(res, 10));
  }
  ctx.other = p.pid;
  ctx.otherNs = fs.readlinkSync(`/proc/${p.pid}/ns/${ns}`);
}
/** A holder in a mount namespace of its own, for cases that join it by path. */
const mountNsHolder = (ctx) => nsHolder(ctx, ['--mount', '--propagation', 'private'], 'mnt');
const joinMountNs = (c, ctx) => {
  c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'mount' ? { type: 'mount', path: `/proc/${ctx.other}/ns/mnt` } : n));
};
/** Joins the holder's mount namespace with a tmpfs mount at /joined. */
const joinWithTmpfs = (c, ctx) => {
  joinMountNs(c, ctx);
  addTmpfs(c, '/joined');
};
/** The holder's mountinfo lines under the case's bundle. */
const holderMountsOf = (ctx) => fs.readFileSync(`/proc/${ctx.other}/mountinfo`, 'utf8').split('\n').filter((l) => l.includes(fs.realpathSync(ctx.bundle)));
/** config.md's MUST mount options, with what mountinfo then shows ("!x": x must not show). */
const MUST_MOUNT_OPTIONS = [
  ['async', ['!sync']], ['atime', ['relatime']], ['defaults', ['rw']], ['dev', ['!nodev']], ['diratime', ['!nodiratime']],
  ['dirsync', ['dirsync']], ['exec', ['!noexec']], ['iversion', []], ['lazytime', ['lazytime']], ['loud', []],
  ['noatime', ['noatime']], ['nodev', ['nodev']], ['nodiratime', ['nodiratime']], ['noexec', ['noexec']],
  ['noiversion', []], ['nolazytime', ['!lazytime']], ['norelatime', []], ['nostrictatime', ['relatime']],
  ['nosuid', ['nosuid']], ['relatime', ['relatime']], ['ro', ['ro']], ['rw', ['rw']], ['silent', []],
  ['strictatime', ['!relatime', '!noatime']], ['suid', ['!nosuid']], ['sync', ['sync']],
];
/** `exec` (plain, and with --cwd) into the case's container sees the rootfs (its /etc/hostname) and its /proc. */
const execSeesRootfs = (e, ctx) => {
  for (const flags of [[], ['--cwd', '/etc']]) {
    const x = invoke(ctx.runtime, ctx.root, ['exec', ...flags, ctx.id, 'sh', '-c', 'cat /etc/hostname; pwd; ls /proc/self/fd >/dev/null && echo proc']);
    e.eq(x.status, 0, `exec ${flags.join(' ')} status (${x.stderr.trim()})`)
      .eq(lines(x.stdout), ['ocirun', flags.length ? '/etc' : '/', 'proc'], `exec ${flags.join(' ')} saw`);
  }
  return e;
};
const allowBut = (rules) => ({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: rules });
/** Native syscall numbers by name (kernel headers, x86_64). */
const SYSNR = (() => {
  const h = ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h'].find((f) => fs.existsSync(f));
  return h ? Object.fromEntries([...fs.readFileSync(h, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)$/gm)].map((m) => [m[1], Number(m[2])])) : {};
})();
/** Docker's default profile without the syscalls newer than `newest`. */
const oldAllowList = (newest) => {
  const p = structuredClone(SECCOMP_DEFAULT);
  p.syscalls = p.syscalls.map((r) => ({ ...r, names: r.names.filter((n) => SYSNR[n] !== undefined && SYSNR[n] <= SYSNR[newest]) }))
    .filter((r) => r.names.length > 0);
  return p;
};
const short = (s, n = 300) => {
  const x = (s ?? '').trim().replace(/\s+/g, ' ');
  return x.length > n ? `${x.slice(0, n)}...` : x;
};

/** Collects problems: the case passes when there are none. */
function expect(r) {
  const p = [];
  const api = {
    problems: p,
    ok(cond, what) {
      if (!cond) p.push(what);
      return api;
    },
    eq(got, want, what) {
      if (JSON.stringify(got) !== JSON.stringify(want)) p.push(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      return api;
    },
    match(got, re, what) {
      if (!re.test(got ?? '')) p.push(`${what}: expected ${re}, got ${JSON.stringify(short(got, 400))}`);
      return api;
    },
    /** The container ran and exited 0. */
    ran() {
      if (r.status !== 0) p.push(`expected exit 0, got ${r.status ?? r.signal}: ${short(r.stderr)}`);
      return api;
    },
    /** The runtime refused: non-zero, the message names `re`, nothing left. */
    refused(re) {
      if (r.status === 0) p.push('expected an error, got exit 0');
      else if (!re.test(r.stderr)) p.push(`error should name ${re}: ${short(r.stderr)}`);
      if (r.stateAfter) p.push(`a container was left: status ${r.stateAfter.status}`);
      return api;
    },
    out(re, what = 'output') { return api.match(r.stdout, re, what); },
  };
  return api;
}

// -------------------------------------------------------------------- cases

export const cases = [
  // ---------------------------------------------------------- capabilities
  {
    field: 'process.capabilities', name: 'five sets, non-root user, ambient in permitted and inheritable', tag: 'caps',
    edit: (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.capabilities = {
        bounding: caps('CHOWN', 'NET_BIND_SERVICE', 'KILL', 'NET_RAW', 'SETUID'),
        effective: caps('NET_BIND_SERVICE', 'KILL'),
        permitted: caps('NET_BIND_SERVICE', 'KILL', 'NET_RAW'),
        inheritable: caps('NET_BIND_SERVICE', 'NET_RAW', 'CHOWN'),
        ambient: caps('NET_BIND_SERVICE', 'NET_RAW'),
      };
      sh(c, 'grep ^Cap /proc/self/status');
    },
    check: (r) => {
      const s = statusFields(r.stdout);
      const amb = capMask(caps('NET_BIND_SERVICE', 'NET_RAW'));
      return expect(r).ran().eq(
        [s.CapBnd, s.CapInh, s.CapAmb, s.CapPrm, s.CapEff],
        [capMask(caps('CHOWN', 'NET_BIND_SERVICE', 'KILL', 'NET_RAW', 'SETUID')), capMask(caps('NET_BIND_SERVICE', 'NET_RAW', 'CHOWN')), amb, amb, amb],
        'CapBnd,CapInh,CapAmb,CapPrm,CapEff',
      ).problems;
    },
  },
  {
    field: 'process.capabilities', name: 'all sets empty', tag: 'caps',
    edit: (c) => {
      c.process.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
      sh(c, 'grep ^Cap /proc/self/status');
    },
    check: (r) => {
      const s = statusFields(r.stdout);
      return expect(r).ran().eq(['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb'].map((k) => s[k]), Array(5).fill('0000000000000000'), 'masks').problems;
    },
  },
  {
    field: 'process.capabilities', name: 'unknown name: warning naming it, container runs', tag: 'caps',
    edit: (c) => {
      for (const k of ['bounding', 'effective', 'permitted']) c.process.capabilities[k].push('CAP_FOO');
      sh(c, 'echo alive');
    },
    check: (r) => expect(r).ran().out(/^alive$/m).match(r.stderr, /CAP_FOO/, 'warning').problems,
  },
  // -------------------------------------------------------- process fields
  {
    field: 'process.noNewPrivileges', name: 'true -> NoNewPrivs: 1', tag: 'nnp',
    edit: (c) => { c.process.noNewPrivileges = true; sh(c, 'grep ^NoNewPrivs /proc/self/status'); },
    check: (r) => expect(r).ran().out(/^NoNewPrivs:\s+1$/m).problems,
  },
  {
    field: 'process.rlimits', name: 'several limits applied', tag: 'rlim',
    edit: (c) => {
      c.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }, { type: 'RLIMIT_CORE', soft: 0, hard: 1000 },
        { type: 'RLIMIT_NPROC', soft: 50, hard: 60 }, { type: 'RLIMIT_MEMLOCK', soft: 4096, hard: 8192 },
      ];
      sh(c, 'cat /proc/self/limits');
    },
    check: (r) => {
      const lim = (n) => lines(r.stdout).find((l) => l.startsWith(n))?.slice(26).trim().split(/\s+/).slice(0, 2).join('/');
      return expect(r).ran().eq(
        ['Max open files', 'Max core file size', 'Max processes', 'Max locked memory'].map(lim),
        ['100/200', '0/1000', '50/60', '4096/8192'], 'soft/hard',
      ).problems;
    },
  },
  {
    field: 'process.rlimits', name: 'unknown type is an error', tag: 'rlim', mode: 'create',
    edit: (c) => { c.process.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 2 }]; },
    check: (r) => expect(r).refused(/RLIMIT_FOO/).problems,
  },
  {
    field: 'process.rlimits', name: 'soft > hard is an error', tag: 'rlim', mode: 'create',
    edit: (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 300, hard: 200 }]; },
    check: (r) => expect(r).refused(/rlimit|RLIMIT_NOFILE|soft|hard/i).problems,
  },
  {
    // config.md: setrlimit on each entry MUST succeed, else an error; which
    // one failed is named (the kernel refuses RLIMIT_NOFILE above fs.nr_open
    // whatever the capabilities).
    field: 'process.rlimits', name: 'a limit the kernel refuses: an error naming it', tag: 'rlim', mode: 'create',
    edit: (c) => {
      const nrOpen = Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8'));
      c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }, { type: 'RLIMIT_NOFILE', soft: nrOpen + 1, hard: nrOpen + 1 }];
    },
    check: (r) => expect(r).refused(/RLIMIT_NOFILE/).problems,
  },
  // A cwd the container's user can't reach (a 0700 directory of root's):
  // the runtime changes into it while it is still root (as runc), so the
  // program runs there and only what the user does in it is refused.
  {
    // config.md: process is optional; runtime.md start: it MUST generate an
    // error if process was not set.
    field: 'process', name: 'not set: create works, start is an error, the container stops', tag: 'noproc', mode: 'lifecycle',
    edit: (c) => { delete c.process; },
    created: (r, ctx) => { r.createdStatus = stateOf(ctx.runtime, ctx.root, ctx.id)?.status; },
    stopTimeoutMs: 3000,
    check: (r) => expect(r).ran().eq(r.createdStatus, 'created', 'status after create')
      .ok(r.start && r.start.status !== 0, 'start fails')
      .match(r.start?.stderr, /process/, 'the error says why')
      .ok(!r.killedByHarness, 'stopped by itself').eq(r.del?.status, 0, 'delete').problems,
  },
  {
    field: 'process.cwd', name: 'a 0700 directory of root\'s, user 1000: the program runs there', tag: 'cwd', copyRootfs: true,
    prepare: (b) => { fs.mkdirSync(`${b}/rootfs/secret`, { mode: 0o700 }); fs.chmodSync(`${b}/rootfs/secret`, 0o700); },
    edit: (c) => {
      c.process.cwd = '/secret';
      c.process.user = { uid: 1000, gid: 1000 };
      sh(c, 'pwd; id -u; ls . >/dev/null 2>&1; echo "ls=$?"');
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['/secret', '1000', 'ls=1'], 'pwd, uid, listing').problems,
  },
  {
    field: 'process.cwd', name: 'exec --user 1000 --cwd into such a directory', tag: 'cwd', mode: 'detached', copyRootfs: true,
    prepare: (b) => { fs.mkdirSync(`${b}/rootfs/secret`, { mode: 0o700 }); fs.chmodSync(`${b}/rootfs/secret`, 0o700); },
    edit: (c) => { c.process.args = ['sleep', '30']; },
    check: (r, ctx) => {
      const x = invoke(ctx.runtime, ctx.root, ['exec', '--user', '1000:1000', '--cwd', '/secret', ctx.id, 'sh', '-c', 'pwd; id -u']);
      return expect(r).ran().eq(x.status, 0, `exec status (${x.stderr.trim()})`).eq(lines(x.stdout), ['/secret', '1000'], 'pwd, uid').problems;
    },
  },
  {
    field: 'process.cwd', name: 'a cwd that is a file: an error naming it', tag: 'cwd', mode: 'create', copyRootfs: true,
    prepare: (b) => fs.writeFileSync(`${b}/rootfs/afile`, ''),
    edit: (c) => { c.process.cwd = '/afile'; },
    check: (r) => expect(r).refused(/afile/).problems,
  },
  {
    field: 'process.user', name: 'uid, gid, umask, additionalGids', tag: 'user',
    edit: (c) => { c.process.user = { uid: 1000, gid: 1000, umask: 0o077, additionalGids: [5, 65534] }; sh(c, 'id; umask'); },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['uid=1000(user) gid=1000(user) groups=5(tty),65534(nogroup)', '0077'], 'id; umask').problems,
  },
  {
    // config.md leaves it to the caller's umask ("should", lowercase); runc and
    // crun set 0022, and a host whose root umask is 077 must not make every
    // file a container writes private.
    field: 'process.user.umask', name: 'unset: 0022 (as runc and crun), the runtime\'s own being 0077', tag: 'user',
    setup: (ctx) => {
      const old = process.umask(0o077);
      ctx.cleanups.push(() => process.umask(old));
    },
    edit: (c) => { delete c.process.user.umask; sh(c, 'umask'); },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), '0022', 'umask').problems,
  },
  {
    field: 'process.oomScoreAdj', name: '500', tag: 'oom',
    edit: (c) => { c.process.oomScoreAdj = 500; sh(c, 'cat /proc/self/oom_score_adj'); },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), '500', 'oom_score_adj').problems,
  },
  {
    field: 'process.ioPriority', name: 'IOPRIO_CLASS_BE 6', tag: 'ioprio',
    edit: (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }; sh(c, 'ionice -p $$'); },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), 'best-effort: prio 6', 'ionice').problems,
  },
  {
    field: 'process.scheduler', name: 'SCHED_BATCH, nice 5', tag: 'sched',
    edit: (c) => { c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 }; sh(c, 'grep -E "^(policy|prio) " /proc/self/sched'); },
    check: (r) => expect(r).ran().out(/^policy\s+:\s+3$/m, 'policy').out(/^prio\s+:\s+125$/m, 'prio').problems,
  },
  {
    field: 'linux.personality', name: 'LINUX32', tag: 'pers',
    edit: (c) => { c.linux.personality = { domain: 'LINUX32' }; sh(c, 'cat /proc/self/personality'); },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), '00000008', 'personality').problems,
  },
  // set_mempolicy(2): /proc/self/numa_maps shows the task's policy on every
  // mapping without one of its own ("bind:0", "interleave=static:0", "local").
  {
    field: 'linux.memoryPolicy', name: 'MPOL_BIND, nodes "0"', tag: 'mpol',
    edit: (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }; sh(c, 'head -1 /proc/self/numa_maps'); },
    check: (r) => expect(r).ran().out(/^\S+ bind:0 /, 'policy').problems,
  },
  {
    field: 'linux.memoryPolicy', name: 'MPOL_INTERLEAVE "0" with MPOL_F_STATIC_NODES', tag: 'mpol',
    edit: (c) => { c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }; sh(c, 'head -1 /proc/self/numa_maps'); },
    check: (r) => expect(r).ran().out(/^\S+ interleave=static:0 /, 'policy').problems,
  },
  {
    field: 'linux.memoryPolicy', name: 'MPOL_PREFERRED without nodes: local allocation', tag: 'mpol',
    edit: (c) => { c.linux.memoryPolicy = { mode: 'MPOL_PREFERRED' }; sh(c, 'head -1 /proc/self/numa_maps'); },
    check: (r) => expect(r).ran().out(/^\S+ local /, 'policy').problems,
  },
  {
    field: 'linux.memoryPolicy', name: 'MPOL_BIND without nodes is an error', tag: 'mpol', mode: 'create',
    edit: (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND' }; },
    check: (r) => expect(r).refused(/linux\.memoryPolicy\.nodes: MPOL_BIND needs at least one node/).problems,
  },
  {
    field: 'linux.memoryPolicy', name: 'a node the host does not have: the kernel\'s refusal, named', tag: 'mpol', mode: 'create',
    edit: (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '1' }; },
    check: (r) => expect(r).refused(/linux\.memoryPolicy: set_mempolicy: invalid argument/i).problems,
  },
  {
    // config.md: "not applicable to the container's init process" (exec: test/security).
    field: 'process.execCPUAffinity', name: 'final "0" leaves the init alone', tag: 'aff',
    edit: (c) => { c.process.execCPUAffinity = { final: '0' }; sh(c, 'grep Cpus_allowed_list /proc/self/status'); },
    check: (r) => expect(r).ran().eq(statusFields(r.stdout).Cpus_allowed_list, fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim(), 'Cpus_allowed_list').problems,
  },
  // ----------------------------------------------------------------- sysctl
  {
    field: 'linux.sysctl', name: 'net.* with netns, kernel.shmmni with ipc ns', tag: 'sysctl',
    edit: (c) => {
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1234' };
      sh(c, 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni');
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['1', '1234'], 'values').problems,
  },
  {
    field: 'linux.sysctl', name: 'net.* without own netns is an error', tag: 'sysctl', mode: 'create',
    edit: (c) => { withoutNs(c, 'network'); c.linux.sysctl = { 'net.ipv4.ip_forward': '1' }; },
    check: (r) => expect(r).refused(/net\.ipv4\.ip_forward/).problems,
  },
  {
    field: 'linux.sysctl', name: 'vm.swappiness (not namespaced) is an error', tag: 'sysctl', mode: 'create',
    edit: (c) => { c.linux.sysctl = { 'vm.swappiness': '13' }; },
    check: (r) => expect(r).refused(/vm\.swappiness/).problems,
  },
  {
    // sysctl(8)'s two spellings, as runc and crun take them: dots separate and
    // a "/" is a dot of a name (an interface "v.5"), or the first separator
    // is a "/" and dots are literal. In a network namespace joined by path
    // that has such interfaces.
    field: 'linux.sysctl', name: 'net/ipv4/ip_forward, net.ipv4.conf.v/5.forwarding and net/ipv4/conf/v.6/forwarding', tag: 'sysctl',
    setup: async (ctx) => {
      await nsHolder(ctx, ['--net'], 'net');
      const r = spawnSync('nsenter', ['-t', String(ctx.other), '-n', 'ip', 'link', 'add', 'v.5', 'type', 'veth', 'peer', 'name', 'v.6'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip link add: ${r.stderr}`);
    },
    edit: (c, ctx) => {
      c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: `/proc/${ctx.other}/ns/net` } : n));
      c.linux.sysctl = { 'net/ipv4/ip_forward': '1', 'net.ipv4.conf.v/5.forwarding': '1', 'net/ipv4/conf/v.6/forwarding': '1' };
      sh(c, 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/v.5/forwarding /proc/sys/net/ipv4/conf/v.6/forwarding');
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['1', '1', '1'], 'values').problems,
  },
  {
    field: 'linux.sysctl', name: 'a name that leaves /proc/sys ("net.ipv4.conf.//.x" is net/ipv4/conf/../x) is an error', tag: 'sysctl', mode: 'create',
    edit: (c) => { c.linux.sysctl = { 'net.ipv4.conf.//.x': '1' }; },
    check: (r) => expect(r).refused(/net\.ipv4\.conf\.\/\/\.x/).problems,
  },
  // -------------------------------------------------------------------- LSM
  {
    field: 'process.apparmorProfile', name: 'ignored when AppArmor is off', tag: 'lsm',
    edit: (c) => { c.process.apparmorProfile = 'docker-default'; c.process.args = ['echo', 'ran']; },
    check: (r) => expect(r).ran().out(/^ran$/m).problems,
  },
  {
    field: 'process.selinuxLabel', name: 'ignored when SELinux is off', tag: 'lsm',
    edit: (c) => { c.process.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2'; c.process.args = ['echo', 'ran']; },
    check: (r) => expect(r).ran().out(/^ran$/m).problems,
  },
  // ---------------------------------------------------------------- seccomp
  // A deny-by-default allow-list written for the program (nothing newer than
  // getrandom: no faccessat2, close_range, openat2, clone3, execveat), with
  // noNewPrivileges false (the filter then needs CAP_SYS_ADMIN to load): the
  // runtime's own calls must not be subject to it (config-linux.md seccomp:
  // the program runs under it, not the runtime).
  ...[false, true].map((nnp) => ({
    field: 'linux.seccomp', name: `an old allow-list (nothing newer than getrandom), noNewPrivileges ${nnp}`, tag: 'seccomp',
    edit: (c) => {
      c.process.noNewPrivileges = nnp;
      c.linux.seccomp = oldAllowList('getrandom');
      sh(c, 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; ls / >/dev/null && echo ls-ok');
    },
    check: (r) => {
      const s = statusFields(r.stdout);
      return expect(r).ran().eq([s.Seccomp, s.NoNewPrivs], ['2', nnp ? '1' : '0'], 'Seccomp, NoNewPrivs').out(/^ls-ok$/m).problems;
    },
  })),
  {
    field: 'linux.seccomp', name: 'ERRNO errnoRet 13 on mkdir; Seccomp: 2', tag: 'scmp',
    edit: (c) => {
      addTmpfs(c, '/tmp');
      c.linux.seccomp = allowBut([{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }]);
      sh(c, ['grep ^Seccomp: /proc/self/status', 'mkdir /tmp/x; echo "mkdir=$?"', 'touch /tmp/y && echo touched']);
    },
    check: (r) => expect(r).ran().out(/^Seccomp:\s+2$/m).out(/^mkdir=1$/m).out(/^touched$/m)
      .match(r.stderr, /'\/tmp\/x': Permission denied/, 'mkdir error').problems,
  },
  {
    field: 'linux.seccomp', name: 'ERRNO without errnoRet is EPERM; unknown names skipped', tag: 'scmp',
    edit: (c) => {
      addTmpfs(c, '/tmp');
      c.linux.seccomp = allowBut([{ names: ['not_a_syscall_xyz', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }]);
      sh(c, 'mkdir /tmp/x; echo "mkdir=$?"');
    },
    check: (r) => expect(r).ran().out(/^mkdir=1$/m).match(r.stderr, /'\/tmp\/x': Operation not permitted/, 'mkdir error').problems,
  },
  {
    field: 'linux.seccomp', name: 'defaultErrnoRet', tag: 'scmp',
    edit: (c) => {
      const p = structuredClone(SECCOMP_DEFAULT);
      p.defaultErrnoRet = 13;
      p.syscalls[0].names = p.syscalls[0].names.filter((n) => !n.startsWith('mkdir'));
      addTmpfs(c, '/tmp');
      c.linux.seccomp = p;
      sh(c, 'mkdir /tmp/x; echo "mkdir=$?"');
    },
    check: (r) => expect(r).ran().out(/^mkdir=1$/m).match(r.stderr, /'\/tmp\/x': Permission denied/, 'mkdir error').problems,
  },
  // config-linux.md: errnoRet / defaultErrnoRet with an action that has no
  // errno: "the runtime MUST print and error and fail" (crun does; runc 1.1
  // ignores it).
  ...[
    ['errnoRet with SCMP_ACT_ALLOW', (s) => { s.syscalls[0].action = 'SCMP_ACT_ALLOW'; s.syscalls[0].errnoRet = 5; }, /syscalls\[0\]\.errnoRet/],
    ['errnoRet with SCMP_ACT_KILL', (s) => { s.syscalls[0].action = 'SCMP_ACT_KILL'; s.syscalls[0].errnoRet = 5; }, /syscalls\[0\]\.errnoRet/],
    ['defaultErrnoRet with defaultAction SCMP_ACT_ALLOW', (s) => { s.defaultAction = 'SCMP_ACT_ALLOW'; s.defaultErrnoRet = 5; }, /defaultErrnoRet/],
  ].map(([name, change, re]) => ({
    field: 'linux.seccomp', name: `${name}: an error`, tag: 'scmp', mode: 'create',
    edit: (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }, { names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
      change(c.linux.seccomp);
    },
    check: (r) => expect(r).refused(re).problems,
  })),
  {
    field: 'linux.seccomp', name: 'args SCMP_CMP_EQ', tag: 'scmp',
    edit: (c) => {
      c.linux.seccomp = allowBut([{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }]);
      sh(c, 'linux32 true; echo "l32=$?"; linux64 true; echo "l64=$?"');
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['l32=1', 'l64=0'], 'personality(8) denied, (0) allowed').problems,
  },
  {
    field: 'linux.seccomp', name: 'args SCMP_CMP_MASKED_EQ', tag: 'scmp',
    edit: (c) => {
      c.linux.seccomp = allowBut([{ names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 0xffff, valueTwo: 8, op: 'SCMP_CMP_MASKED_EQ' }] }]);
      sh(c, 'linux32 -R true; echo "a=$?"; linux64 -R true; echo "b=$?"');
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['a=1', 'b=0'], '(0x40008 & 0xffff) == 8 denied').problems,
  },
  {
    field: 'linux.seccomp', name: 'SCMP_ACT_KILL_PROCESS: exit 159 (SIGSYS)', tag: 'scmp',
    edit: (c) => { c.linux.seccomp = allowBut([{ names: ['uname'], action: 'SCMP_ACT_KILL_PROCESS' }]); c.process.args = ['uname']; },
    check: (r) => expect(r).eq(r.status, 128 + os.constants.signals.SIGSYS, 'exit status').problems,
  },
  {
    field: 'linux.seccomp', name: 'SCMP_ACT_TRAP: SIGSYS for the caller', tag: 'scmp',
    edit: (c) => { c.linux.seccomp = allowBut([{ names: ['sync'], action: 'SCMP_ACT_TRAP' }]); sh(c, 'sync; echo "sync=$?"'); },
    check: (r) => expect(r).ran().out(/^sync=159$/m).problems,
  },
  {
    field: 'linux.seccomp', name: 'SCMP_ACT_LOG: allowed', tag: 'scmp',
    edit: (c) => { c.linux.seccomp = allowBut([{ names: ['uname'], action: 'SCMP_ACT_LOG' }]); sh(c, 'uname -s'); },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), 'Linux', 'uname').problems,
  },
  {
    field: 'linux.seccomp', name: 'docker default profile: busybox works, unshare/mount fail', tag: 'scmp',
    edit: (c) => {
      c.linux.seccomp = SECCOMP_DEFAULT;
      sh(c, ['ls / >/dev/null && echo ls-ok', 'sh -c "echo nested-ok"', 'cat /etc/hostname',
        'unshare -U true 2>/dev/null; echo "unshare=$?"', 'mount -t tmpfs none /tmp 2>/dev/null; echo "mount=$?"']);
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout).slice(0, 4), ['ls-ok', 'nested-ok', 'ocirun', 'unshare=1'], 'output')
      .out(/^mount=[1-9]\d*$/m, 'mount fails').problems,
  },
  // -------------------------------------------------------- user namespace
  {
    field: 'linux.uidMappings', name: 'user ns + pid/mount/uts/ipc/net: maps, root inside, ownership, devices', tag: 'userns',
    copyRootfs: true,
    edit: (c) => {
      userns(c);
      sh(c, ['cat /proc/self/uid_map /proc/self/gid_map', 'id -u; id -g', 'stat -c "%u:%g" /owned',
        'stat -c "%t:%T" /dev/null /dev/zero', 'echo x > /dev/null && echo devnull-ok']);
    },
    prepare: (b) => {
      fs.chmodSync(b, 0o755);
      fs.writeFileSync(`${b}/rootfs/owned`, 'x');
      fs.chownSync(`${b}/rootfs/owned`, 100000, 100000);
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout).map((l) => l.trim().replace(/\s+/g, ' ')),
      ['0 100000 65536', '0 100000 65536', '0', '0', '0:0', '1:3', '1:5', 'devnull-ok'], 'output').problems,
  },
  {
    field: 'linux.uidMappings', name: 'the container process is host uid 100000', tag: 'userns', mode: 'detached', copyRootfs: true,
    edit: (c) => { userns(c); c.process.args = ['sleep', '30']; },
    prepare: (b) => fs.chmodSync(b, 0o755),
    check: (r) => {
      const e = expect(r).ran().ok(r.pid > 0, 'no pid');
      if (r.pid > 0) e.eq(fs.statSync(`/proc/${r.pid}`).uid, 100000, 'owner of /proc/<pid>');
      return e.problems;
    },
  },
  {
    field: 'mounts (sysfs)', name: 'user ns without netns: /sys bound from the host', tag: 'userns', copyRootfs: true,
    edit: (c) => { userns(c); withoutNs(c, 'network'); sh(c, 'ls /sys/kernel >/dev/null && echo sys-ok'); },
    prepare: (b) => fs.chmodSync(b, 0o755),
    check: (r) => expect(r).ran().out(/^sys-ok$/m).problems,
  },
  // config.md mount option "idmap": without uidMappings/gidMappings of the
  // mount the runtime MAY use the container's user namespace mappings, and
  // MUST fail when there are none. The mapping is made by the runtime, not
  // from inside the container's user namespace (no CAP_SYS_ADMIN over the
  // source's filesystem there).
  ...[
    ['"idmap" with a user namespace: its mappings (a host root file is root inside, a new file host root)', {}],
    ['uidMappings/gidMappings of the mount, with a user namespace', {
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    }],
  ].map(([name, maps]) => ({
    field: 'mounts[].options (idmap)', name, tag: 'idmap', copyRootfs: true,
    setup: (ctx) => {
      fs.mkdirSync(`${ctx.tmp}/src`);
      fs.writeFileSync(`${ctx.tmp}/src/f`, 'x');
    },
    edit: (c, ctx) => {
      userns(c);
      c.mounts.push({ destination: '/idm', type: 'bind', source: `${ctx.tmp}/src`, options: ['rbind', 'idmap'], ...maps });
      sh(c, 'stat -c "%u:%g" /idm/f; touch /idm/new && echo touched');
    },
    prepare: (b) => { fs.chmodSync(b, 0o755); fs.mkdirSync(`${b}/rootfs/idm`, { recursive: true }); },
    check: (r, ctx) => {
      const e = expect(r).ran().eq(lines(r.stdout), ['0:0', 'touched'], 'output');
      const st = fs.existsSync(`${ctx.tmp}/src/new`) && fs.statSync(`${ctx.tmp}/src/new`);
      return e.eq(st ? `${st.uid}:${st.gid}` : 'missing', '0:0', 'owner of the new file on the host').problems;
    },
  })),
  {
    field: 'mounts[].options (idmap)', name: '"idmap" without mappings and without a user namespace: an error', tag: 'idmap', mode: 'create',
    // (over /tmp, which is there: a runtime that ignores the option writes nothing into the shared rootfs)
    edit: (c, ctx) => { c.mounts.push({ destination: '/tmp', type: 'bind', source: ctx.tmp, options: ['bind', 'idmap'] }); },
    check: (r) => expect(r).refused(/idmap/).problems,
  },
  // ---------------------------------------------------------------- devices
  // config-linux.md devices: "If a file already exists at path that does not
  // match the requested device, the runtime MUST generate an error." (The
  // rootfs's own /dev here: no /dev tmpfs in mounts.)
  {
    field: 'linux.devices', name: 'a file already there that is not the device: an error naming it', tag: 'dev', mode: 'create', copyRootfs: true,
    prepare: (b) => { fs.mkdirSync(`${b}/rootfs/dev`, { recursive: true }); fs.writeFileSync(`${b}/rootfs/dev/xdev`, 'not a device\n'); },
    edit: (c) => {
      c.mounts = c.mounts.filter((m) => !m.destination.startsWith('/dev'));
      c.linux.devices = [{ path: '/dev/xdev', type: 'c', major: 1, minor: 3 }];
    },
    check: (r, ctx) => expect(r).refused(/\/dev\/xdev/)
      .eq(fs.readFileSync(`${ctx.bundle}/rootfs/dev/xdev`, 'utf8'), 'not a device\n', 'the file is untouched').problems,
  },
  {
    field: 'linux.devices', name: 'the same device already there: fine', tag: 'dev', copyRootfs: true,
    prepare: (b) => {
      fs.mkdirSync(`${b}/rootfs/dev`, { recursive: true });
      spawnSync('mknod', ['-m', '666', `${b}/rootfs/dev/xdev`, 'c', '1', '3']);
    },
    edit: (c) => {
      c.mounts = c.mounts.filter((m) => !m.destination.startsWith('/dev'));
      c.linux.devices = [{ path: '/dev/xdev', type: 'c', major: 1, minor: 3, fileMode: 0o640 }];
      sh(c, 'stat -c "%t:%T %a" /dev/xdev');
    },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), '1:3 640', 'node and mode').problems,
  },
  {
    field: 'linux.devices', name: 'c, b, p with fileMode/uid/gid', tag: 'dev',
    edit: (c) => {
      c.linux.devices = [
        { path: '/dev/mychar', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 5 },
        { path: '/dev/sub/myblk', type: 'b', major: 7, minor: 0, fileMode: 0o600, uid: 0, gid: 6 },
        { path: '/dev/myfifo', type: 'p', fileMode: 0o644, uid: 1000, gid: 1000 },
      ];
      sh(c, 'stat -c "%n|%F|%a|%u|%g|%t|%T" /dev/mychar /dev/sub/myblk /dev/myfifo');
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), [
      '/dev/mychar|character special file|640|1000|5|1|3', '/dev/sub/myblk|block special file|600|0|6|7|0',
      '/dev/myfifo|fifo|644|1000|1000|0|0'], 'stat').problems,
  },
  {
    field: 'mounts (devpts)', name: 'new instance with ptmxmode=0600', tag: 'dev',
    edit: (c) => {
      c.mounts.find((m) => m.destination === '/dev/pts').options = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0600', 'mode=0620', 'gid=5'];
      sh(c, 'stat -c "%a %t:%T" /dev/pts/ptmx; grep " /dev/pts " /proc/self/mountinfo');
    },
    check: (r) => expect(r).ran().out(/^600 5:2$/m, 'ptmx').out(/ptmxmode=600/, 'mount options').problems,
  },
  // ---------------------------------------------------- masked / readonly
  {
    field: 'linux.maskedPaths', name: 'a file reads empty, a dir lists empty and is read-only', tag: 'mask', copyRootfs: true,
    edit: (c) => {
      c.root.readonly = false;
      c.linux.maskedPaths.push('/etc/group', '/home');
      sh(c, ['echo "group=[$(cat /etc/group)]"', 'echo "home=[$(ls -A /home)]"', 'touch /home/x 2>/dev/null; echo "w=$?"']);
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['group=[]', 'home=[]', 'w=1'], 'output').problems,
  },
  {
    field: 'linux.readonlyPaths', name: 'writes fail, the rest stays writable', tag: 'ro', copyRootfs: true,
    edit: (c) => {
      c.root.readonly = false;
      addTmpfs(c, '/data');
      c.linux.readonlyPaths.push('/data');
      sh(c, ['touch /data/x 2>/dev/null; echo "data=$?"', 'touch /etc/x 2>/dev/null; echo "etc=$?"']);
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['data=1', 'etc=0'], 'output').problems,
  },
  {
    field: 'linux.maskedPaths', name: 'a symlink pointing out of the rootfs masks nothing on the host', tag: 'mask', copyRootfs: true,
    setup: (ctx) => {
      ctx.decoy = tempDir(ctx.cleanups, 'decoy');
      fs.writeFileSync(`${ctx.decoy}/secret`, 'HOST-SECRET\n');
    },
    edit: (c) => { c.linux.maskedPaths.push('/etc/evil'); sh(c, 'echo "evil=[$(cat /etc/evil 2>/dev/null)]"'); },
    prepare: (b, ctx) => {
      fs.mkdirSync(`${b}/rootfs${ctx.decoy}`, { recursive: true });
      fs.writeFileSync(`${b}/rootfs${ctx.decoy}/secret`, 'ROOTFS-COPY\n');
      fs.symlinkSync(`${ctx.decoy}/secret`, `${b}/rootfs/etc/evil`);
    },
    check: (r, ctx) => expect(r).ran().out(/^evil=\[\]$/m, 'the in-root target is masked')
      .eq(fs.readFileSync(`${ctx.decoy}/secret`, 'utf8'), 'HOST-SECRET\n', 'host file')
      .eq(hostMountsOf(ctx.decoy), [], 'host mounts on the decoy').problems,
  },
  {
    field: 'mounts[].destination', name: 'a dangling relative symlink is followed inside the rootfs', tag: 'dest', copyRootfs: true,
    setup: (ctx) => { fs.writeFileSync(`${ctx.tmp}/resolv`, 'nameserver 10.9.8.7\n'); },
    edit: (c, ctx) => {
      c.mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: `${ctx.tmp}/resolv`, options: ['rbind', 'ro'] });
      sh(c, 'cat /etc/resolv.conf');
    },
    prepare: (b) => {
      fs.unlinkSync(`${b}/rootfs/etc/resolv.conf`);
      fs.symlinkSync('../run/systemd/resolve/stub-resolv.conf', `${b}/rootfs/etc/resolv.conf`);
    },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), 'nameserver 10.9.8.7', 'content').problems,
  },
  // ------------------------------------------------------------ propagation
  {
    field: 'mounts[].options (propagation)', name: 'rshared / rslave / rprivate / runbindable', tag: 'prop', copyRootfs: true,
    setup: (ctx) => { ctx.host = sharedHostMount(ctx.cleanups); },
    edit: (c, ctx) => {
      for (const p of ['rshared', 'rslave', 'rprivate', 'runbindable']) {
        c.mounts.push({ destination: `/mnt/${p}`, type: 'bind', source: ctx.host.dir, options: ['rbind', p] });
      }
      sh(c, 'cat /proc/self/mountinfo');
    },
    check: (r, ctx) => {
      const o = (p) => mountLine(r.stdout, `/mnt/${p}`)?.optional ?? '(missing)';
      return expect(r).ran().match(o('rshared'), /shared:\d+/, 'rshared')
        .match(o('rslave'), new RegExp(`^master:${ctx.host.group}$`), 'rslave')
        .eq(o('rprivate'), '', 'rprivate').match(o('runbindable'), /unbindable/, 'runbindable').problems;
    },
  },
  {
    field: 'linux.rootfsPropagation', name: 'shared: / is shared', tag: 'prop',
    edit: (c) => { c.linux.rootfsPropagation = 'shared'; sh(c, 'cat /proc/self/mountinfo'); },
    check: (r) => expect(r).ran().match(mountLine(r.stdout, '/')?.optional, /shared:\d+/, '/').problems,
  },
  {
    field: 'linux.rootfsPropagation', name: 'unbindable: / is unbindable (and still bound as the root)', tag: 'prop',
    edit: (c) => { c.linux.rootfsPropagation = 'unbindable'; sh(c, 'cat /proc/self/mountinfo'); },
    check: (r) => expect(r).ran().match(mountLine(r.stdout, '/')?.optional, /^unbindable$/, '/ optional fields').problems,
  },
  {
    field: 'linux.rootfsPropagation', name: 'private: / has no propagation', tag: 'prop',
    edit: (c) => { c.linux.rootfsPropagation = 'private'; sh(c, 'cat /proc/self/mountinfo'); },
    check: (r) => expect(r).ran().eq(mountLine(r.stdout, '/')?.optional, '', '/ optional fields').problems,
  },
  {
    field: 'linux.rootfsPropagation', name: 'rshared does not override a mount\'s own rprivate', tag: 'prop', copyRootfs: true,
    edit: (c, ctx) => {
      c.linux.rootfsPropagation = 'rshared';
      c.mounts.push({ destination: '/mnt/own', type: 'bind', source: ctx.tmp, options: ['rbind', 'rprivate'] });
      sh(c, 'cat /proc/self/mountinfo');
    },
    check: (r) => expect(r).ran().eq(mountLine(r.stdout, '/mnt/own')?.optional, '', '/mnt/own optional fields').problems,
  },
  // config.md "Mounts": the option strings runtimes MUST (and SHOULD, the
  // recursive ones) implement. One tmpfs per option; what mount(8) gives it
  // must show in the container's mountinfo (per-mount and superblock fields).
  {
    field: 'mounts[].options', name: 'every MUST option of config.md is accepted and applied', tag: 'mopt', copyRootfs: true,
    edit: (c) => {
      MUST_MOUNT_OPTIONS.forEach(([o], i) => c.mounts.push({ destination: `/mo/${i}`, type: 'tmpfs', source: 'tmpfs', options: [o] }));
      sh(c, 'cat /proc/self/mountinfo');
    },
    check: (r) => {
      const e = expect(r).ran();
      MUST_MOUNT_OPTIONS.forEach(([o, want], i) => {
        const l = mountLine(r.stdout, `/mo/${i}`);
        const words = l ? [...l.opts.split(','), ...l.line.split(' - ')[1].split(' ')[2].split(',')] : [];
        e.ok(!!l, `${o}: mounted`);
        for (const w of want) e.ok(!l || (w.startsWith('!') ? !words.includes(w.slice(1)) : words.includes(w)), `${o}: ${w} in ${words.join(',')}`);
      });
      return e.problems;
    },
  },
  {
    field: 'mounts[].options', name: 'recursive rnoexec/rnosuid/rnodev/rnoatime/rnodiratime/rnosymfollow reach submounts; rrw after rro wins', tag: 'mopt', copyRootfs: true,
    setup: (ctx) => { ctx.host = sharedHostMount(ctx.cleanups); },
    edit: (c, ctx) => {
      c.mounts.push({ destination: '/mnt/rec', type: 'bind', source: ctx.host.dir, options: ['rbind', 'rnoexec', 'rnosuid', 'rnodev', 'rnoatime', 'rnodiratime', 'rnosymfollow'] });
      c.mounts.push({ destination: '/mnt/rw', type: 'bind', source: ctx.host.dir, options: ['rbind', 'rro', 'rrw'] });
      sh(c, 'cat /proc/self/mountinfo; touch /mnt/rw/sub/a && echo sub-writable');
    },
    check: (r) => {
      const e = expect(r).ran().out(/^sub-writable$/m);
      for (const m of ['/mnt/rec', '/mnt/rec/sub']) {
        const opts = mountLine(r.stdout, m)?.opts.split(',') ?? [];
        for (const w of ['noexec', 'nosuid', 'nodev', 'noatime', 'nodiratime', 'nosymfollow']) e.ok(opts.includes(w), `${m}: ${w} in ${opts.join(',')}`);
      }
      return e.problems;
    },
  },
  // tmpcopyup (runc's and crun's extension; podman asks for it on every
  // --tmpfs): the tmpfs starts with a copy of what the image has there.
  {
    field: 'mounts[].options (tmpcopyup)', name: 'a tmpfs over /etc starts with its content: files, owners, modes, symlinks, subdirs; writes stay in the tmpfs', tag: 'copyup', copyRootfs: true,
    prepare: (b) => {
      fs.mkdirSync(`${b}/rootfs/etc/sub`, { mode: 0o750 });
      fs.writeFileSync(`${b}/rootfs/etc/sub/f`, 'secret\n');
      fs.chmodSync(`${b}/rootfs/etc/sub/f`, 0o604);
      fs.chownSync(`${b}/rootfs/etc/sub/f`, 1000, 1000);
      fs.chownSync(`${b}/rootfs/etc/sub`, 1000, 0);
      fs.chmodSync(`${b}/rootfs/etc/sub`, 0o750);
      fs.symlinkSync('hostname', `${b}/rootfs/etc/lnk`);
    },
    edit: (c) => {
      c.mounts.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'tmpcopyup'] });
      sh(c, ['grep " /etc " /proc/self/mountinfo | cut -d" " -f9', 'cat /etc/hostname', 'stat -c "%u:%g %a" /etc/sub /etc/sub/f', 'cat /etc/sub/f',
        'readlink /etc/lnk', 'touch /etc/new && echo writable']);
    },
    check: (r, ctx) => expect(r).ran().eq(lines(r.stdout), ['tmpfs', 'ocirun', '1000:0 750', '1000:1000 604', 'secret', 'hostname', 'writable'], 'what the container saw')
      .ok(!fs.existsSync(`${ctx.bundle}/rootfs/etc/new`), 'the write stayed in the tmpfs').problems,
  },
  {
    field: 'mounts[].options (tmpcopyup)', name: 'with ro: the content is there, the tmpfs read-only', tag: 'copyup', copyRootfs: true,
    edit: (c) => {
      c.mounts.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'tmpcopyup'] });
      sh(c, ['cat /etc/hostname', 'touch /etc/new 2>/dev/null || echo read-only']);
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['ocirun', 'read-only'], 'what the container saw').problems,
  },
  {
    field: 'root.readonly', name: 'true: / is ro', tag: 'rootro',
    edit: (c) => { c.root.readonly = true; sh(c, 'touch /etc/x 2>/dev/null; echo "w=$?"; cat /proc/self/mountinfo'); },
    check: (r) => expect(r).ran().out(/^w=1$/m).match(mountLine(r.stdout, '/')?.opts, /(^|,)ro(,|$)/, '/ options').problems,
  },
  {
    field: 'mounts[].options (rro)', name: 'submounts of a bind are read-only too', tag: 'rro', copyRootfs: true,
    setup: (ctx) => { ctx.host = sharedHostMount(ctx.cleanups); },
    edit: (c, ctx) => {
      c.mounts.push({ destination: '/mnt/rro', type: 'bind', source: ctx.host.dir, options: ['rbind', 'rro'] });
      sh(c, 'touch /mnt/rro/a 2>/dev/null; echo "top=$?"; touch /mnt/rro/sub/a 2>/dev/null; echo "sub=$?"');
    },
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['top=1', 'sub=1'], 'writes').problems,
  },
  // ------------------------------------------------------------------ hooks
  {
    field: 'hooks', name: 'all six phases in order, host vs container namespaces, state on stdin', tag: 'hooks',
    mode: 'lifecycle', copyRootfs: true,
    setup: (ctx) => {
      fs.chmodSync(ctx.tmp, 0o777);
      fs.writeFileSync(`${ctx.tmp}/hook.sh`, [
        '#!/bin/sh', 'log=$1; phase=$2', 'st=$(cat)',
        'echo "$phase|$(readlink /proc/self/ns/mnt)|$(readlink /proc/self/ns/pid)|$st" >> "$log"', '',
      ].join('\n'), { mode: 0o755 });
    },
    edit: (c, ctx) => {
      c.mounts.push({ destination: '/hk', type: 'bind', source: ctx.tmp, options: ['rbind'] });
      c.hooks = {};
      for (const p of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
        const inside = p === 'startContainer'; // runs after pivot_root: a path in the container
        c.hooks[p] = [{ path: inside ? '/hook.sh' : `${ctx.tmp}/hook.sh`, args: ['hook.sh', inside ? '/hk/log' : `${ctx.tmp}/log`, p] }];
      }
      c.process.args = ['true'];
    },
    prepare: (b, ctx) => fs.copyFileSync(`${ctx.tmp}/hook.sh`, `${b}/rootfs/hook.sh`),
    created: (r) => {
      r.ns = { mnt: fs.readlinkSync(`/proc/${r.pid}/ns/mnt`), pid: fs.readlinkSync(`/proc/${r.pid}/ns/pid`) };
    },
    check: (r, ctx) => {
      const e = expect(r).ran().eq(r.del?.status, 0, 'delete');
      const rec = lines(fs.existsSync(`${ctx.tmp}/log`) ? fs.readFileSync(`${ctx.tmp}/log`, 'utf8') : '').map((l) => l.split('|'));
      e.eq(rec.map((x) => x[0]), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'], 'order');
      const host = { mnt: fs.readlinkSync('/proc/self/ns/mnt'), pid: fs.readlinkSync('/proc/self/ns/pid') };
      for (const [phase, mnt, pid, st] of rec) {
        const want = phase === 'createContainer' || phase === 'startContainer' ? r.ns : host;
        e.eq({ mnt, pid }, want, `${phase} namespaces`);
        let s;
        try {
          s = JSON.parse(st);
        } catch {
          e.ok(false, `${phase}: state is not JSON: ${short(st, 100)}`);
        }
        if (s) e.eq([s.id, s.bundle], [ctx.id, fs.realpathSync(ctx.bundle)], `${phase} state id/bundle`);
        // runtime.md lifecycle: "creating" is step 2 only; the create hooks
        // (steps 3-5) and startContainer see a created container, poststart a
        // running one, poststop a stopped one.
        const status = { poststart: 'running', poststop: 'stopped' }[phase] ?? 'created';
        if (s) e.eq(s.status, status, `${phase} state status`);
        if (s && phase !== 'poststop') e.ok(s.pid > 0, `${phase} state pid`);
      }
      return e.problems;
    },
  },
  {
    field: 'hooks', name: 'failing poststop hook: a warning, the next hook still runs, delete succeeds', tag: 'hooks', mode: 'lifecycle',
    edit: (c, ctx) => {
      c.hooks = { poststop: [{ path: '/bin/false' }, { path: '/bin/sh', args: ['sh', '-c', `echo ran > ${ctx.tmp}/second`] }] };
      c.process.args = ['true'];
    },
    check: (r, ctx) => expect(r).ran().eq(r.del?.status, 0, 'delete')
      .eq(fs.existsSync(`${ctx.tmp}/second`), true, 'second poststop hook ran')
      .eq(r.stateAfter, undefined, 'container gone').problems,
  },
  {
    field: 'hooks', name: 'failing poststart hook, ociVersion 1.2: a warning, the lifecycle goes on', tag: 'hooks', mode: 'lifecycle',
    edit: (c, ctx) => {
      c.ociVersion = '1.2.0';
      c.hooks = { poststart: [{ path: '/bin/false' }, { path: '/bin/sh', args: ['sh', '-c', `echo ran > ${ctx.tmp}/second`] }] };
      c.process.args = ['true'];
    },
    check: (r, ctx) => expect(r).ran().eq(r.start?.status, 0, 'start')
      .eq(fs.existsSync(`${ctx.tmp}/second`), true, 'second poststart hook ran')
      .eq(r.del?.status, 0, 'delete').problems,
  },
  {
    field: 'hooks', name: 'failing poststart hook, ociVersion 1.3: start fails, the container is stopped', tag: 'hooks', mode: 'lifecycle',
    edit: (c) => {
      c.ociVersion = '1.3.0';
      c.hooks = { poststart: [{ path: '/bin/false' }] };
      c.process.args = ['sleep', '30'];
    },
    // No waiting 30 s: the runtime must have killed it.
    stopTimeoutMs: 3000,
    check: (r) => expect(r).ok(r.start?.status !== 0, 'start fails')
      .match(r.start?.stderr, /poststart/, 'the error names the hook')
      .ok(!r.killedByHarness, 'the container stopped without a kill').problems,
  },
  {
    // runtime.md lifecycle 7: "If any startContainer hook fails, the runtime
    // MUST generate an error, stop the container" (runc and crun stop it too).
    field: 'hooks', name: 'failing startContainer hook: start fails, the program never runs, the container is stopped', tag: 'hooks', mode: 'lifecycle',
    setup: (ctx) => fs.chmodSync(ctx.tmp, 0o777),
    edit: (c, ctx) => {
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 4'] }] };
      c.mounts.push({ destination: '/out', type: 'bind', source: ctx.tmp, options: ['rbind'] });
      sh(c, 'touch /out/program-ran; sleep 30');
    },
    stopTimeoutMs: 3000,
    check: (r, ctx) => expect(r).ok(r.create?.status === 0, 'create').ok(r.start?.status !== 0, 'start fails')
      .match(r.start?.stderr, /startContainer/, 'the error names the hook')
      .ok(!r.killedByHarness, 'the container stopped without a kill')
      .ok(!fs.existsSync(`${ctx.tmp}/program-ran`), 'the program did not run')
      .eq(r.del?.status, 0, 'delete').problems,
  },
  {
    field: 'hooks', name: 'failing createRuntime: create fails, nothing left', tag: 'hooks', mode: 'create',
    edit: (c) => { c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] }; },
    check: (r, ctx) => {
      const cg = spawnSync('sh', ['-c', `find /sys/fs/cgroup -maxdepth 6 -type d -name '*${ctx.id}*'`], { encoding: 'utf8' }).stdout.trim();
      return expect(r).refused(/hook|exit|status/i).eq(cg, '', 'cgroups left').problems;
    },
  },
  // runtime.md lifecycle 3-5: a failing prestart, createRuntime or
  // createContainer hook: error, stop the container, "continue the lifecycle
  // at step 12": destroy it, then (13) the poststop hooks (as runc does).
  ...['prestart', 'createRuntime', 'createContainer'].map((phase) => ({
    field: 'hooks', name: `failing ${phase}: create fails, the poststop hooks still run (state "stopped")`, tag: 'hooks', mode: 'create',
    setup: (ctx) => fs.chmodSync(ctx.tmp, 0o777),
    edit: (c, ctx) => {
      c.hooks = {
        [phase]: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }],
        poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${ctx.tmp}/poststop`] }],
      };
    },
    check: (r, ctx) => {
      const f = `${ctx.tmp}/poststop`;
      const st = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8') || '{}') : undefined;
      return expect(r).refused(/hook|exit|status/i).ok(!!st, 'the poststop hook ran')
        .eq(st?.status, st ? 'stopped' : undefined, 'its state\'s status').eq(st?.id, st ? ctx.id : undefined, 'its state\'s id')
        .eq(r.state, undefined, 'container left').problems;
    },
  })),
  {
    field: 'hooks', name: 'hooks exiting 0 without reading stdin succeed (12 hooks)', tag: 'hooks', mode: 'lifecycle',
    edit: (c) => {
      const four = Array(4).fill({ path: '/bin/true' });
      c.hooks = { prestart: four, createRuntime: four, poststart: four };
      c.process.args = ['true'];
    },
    check: (r) => expect(r).ran().eq(r.start?.status, 0, 'start').problems,
  },
  {
    field: 'hooks', name: 'timeout: 1 on a hook sleeping 5 -> error', tag: 'hooks', mode: 'create',
    edit: (c) => { c.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '5'], timeout: 1 }] }; },
    check: (r) => expect(r).refused(/time/i).ok(r.ms < 4500, `took ${r.ms} ms`).problems,
  },
  {
    // config.md leaves a hook without `env` open; runc and crun give it the
    // runtime's environment (an engine's hooks.d hook often relies on PATH).
    field: 'hooks[].env', name: 'not set: the runtime\'s environment; set: exactly that', tag: 'hooks',
    edit: (c, ctx) => {
      c.hooks = {
        prestart: [
          { path: '/bin/sh', args: ['sh', '-c', `env > ${ctx.tmp}/inherited`] },
          { path: '/bin/sh', args: ['sh', '-c', `env > ${ctx.tmp}/own`], env: ['HOOKVAR=1'] },
        ],
      };
      c.process.args = ['true'];
    },
    check: (r, ctx) => {
      const read = (f) => (fs.existsSync(`${ctx.tmp}/${f}`) ? lines(fs.readFileSync(`${ctx.tmp}/${f}`, 'utf8')) : []);
      return expect(r).ran()
        .ok(read('inherited').includes(`PATH=${process.env.PATH}`), 'a hook without env has the runtime\'s PATH')
        .ok(read('own').includes('HOOKVAR=1') && !read('own').some((l) => l.startsWith('PATH=')), 'a hook with env has that only').problems;
    },
  },
  // --------------------------------------------------------------- terminal
  {
    field: 'process.terminal', name: 'pty over --console-socket drives a shell', tag: 'tty', mode: 'console',
    input: 'echo $((6*7)); tty; exit 3\n',
    edit: (c) => { c.process.terminal = true; c.process.args = ['sh']; },
    check: (r) => {
      const out = lines(r.console?.output);
      return expect(r).ran().eq(r.console?.error ?? null, null, 'receiver').ok(out.includes('42'), `no "42" in ${JSON.stringify(out)}`)
        .ok(out.includes('/dev/pts/0'), `no "/dev/pts/0" in ${JSON.stringify(out)}`).problems;
    },
  },
  {
    field: 'process.consoleSize', name: 'stty size 30 100', tag: 'tty', mode: 'console',
    edit: (c) => { c.process.terminal = true; c.process.consoleSize = { height: 30, width: 100 }; sh(c, 'stty size'); },
    check: (r) => expect(r).ran().ok(lines(r.console?.output).includes('30 100'), `got ${JSON.stringify(lines(r.console?.output))}`).problems,
  },
  {
    field: 'process.terminal', name: '/dev/console is the pty (136:0)', tag: 'tty', mode: 'console',
    edit: (c) => { c.process.terminal = true; sh(c, 'stat -c "%F %t:%T" /dev/console'); },
    check: (r) => expect(r).ran().ok(lines(r.console?.output).includes('character special file 88:0'), `got ${JSON.stringify(lines(r.console?.output))}`).problems,
  },
  {
    field: 'process.terminal', name: 'create without --console-socket is an error', tag: 'tty', mode: 'create',
    edit: (c) => { c.process.terminal = true; },
    check: (r) => expect(r).refused(/console/i).problems,
  },
  // ------------------------------------------------------------------- fds
  {
    field: '--preserve-fds', name: 'only 0-2 plus the preserved fds', tag: 'fds',
    runArgs: ['--preserve-fds', '1'],
    setup: (ctx) => {
      const fd = fs.openSync('/etc/hostname', 'r');
      ctx.cleanups.push(() => fs.closeSync(fd));
      ctx.fd = fd;
    },
    extraFds: (ctx) => [ctx.fd, ctx.fd, ctx.fd], // fds 3, 4, 5: only 3 may reach the container
    edit: (c) => sh(c, 'ls -1 /proc/$$/fd; exit 0'),
    check: (r) => expect(r).ran().eq(lines(r.stdout), ['0', '1', '2', '3'], 'fds of the shell').problems,
  },
  // ------------------------------------------------------- namespaces misc
  {
    field: 'linux.timeOffsets', name: 'time ns: monotonic +1000 s', tag: 'time',
    edit: (c) => {
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { monotonic: { secs: 1000, nanosecs: 0 } };
      sh(c, 'cat /proc/self/timens_offsets');
    },
    check: (r) => expect(r).ran().out(/^monotonic\s+1000\s+0$/m).problems,
  },
  {
    field: 'hostname', name: 'empty: left as the new uts namespace got it (the runtime\'s), as runc and crun', tag: 'uts',
    edit: (c) => { c.hostname = ''; c.domainname = ''; sh(c, 'hostname; cat /proc/sys/kernel/domainname'); },
    check: (r) => expect(r).ran().eq(lines(r.stdout), [os.hostname(), fs.readFileSync('/proc/sys/kernel/domainname', 'utf8').trim()], 'hostname, domainname').problems,
  },
  {
    field: 'domainname', name: 'example.org', tag: 'uts',
    edit: (c) => { c.domainname = 'example.org'; sh(c, 'cat /proc/sys/kernel/domainname'); },
    check: (r) => expect(r).ran().eq(r.stdout.trim(), 'example.org', 'domainname').problems,
  },
  // config-linux.md "namespaces": a type not listed is inherited from the
  // runtime; a path joins that namespace. The rootfs and mounts are set up
  // either way (config.md root, mounts).
  {
    field: 'linux.namespaces (mount)', name: 'not listed: the runtime\'s mount namespace, the rootfs is still /, mounts undone at delete', tag: 'nsmnt',
    mode: 'lifecycle', copyRootfs: true,
    setup: (ctx) => fs.chmodSync(ctx.tmp, 0o777),
    edit: (c, ctx) => {
      withoutNs(c, 'mount');
      c.mounts.push({ destination: '/out', type: 'bind', source: ctx.tmp, options: ['rbind'] });
      sh(c, 'readlink /proc/self/ns/mnt > /out/ns; cat /etc/hostname > /out/seen; ls /proc/self/fd >/dev/null && echo proc >> /out/seen');
    },
    check: (r, ctx) => {
      const read = (f) => (fs.existsSync(`${ctx.tmp}/${f}`) ? fs.readFileSync(`${ctx.tmp}/${f}`, 'utf8') : '');
      const rootfs = `${fs.realpathSync(ctx.bundle)}/rootfs`;
      return expect(r).ran().eq(r.start?.status, 0, 'start').eq(r.del?.status, 0, 'delete')
        .eq(read('ns').trim(), fs.readlinkSync('/proc/self/ns/mnt'), 'mount namespace')
        .eq(lines(read('seen')), ['ocirun', 'proc'], 'the rootfs\'s /etc/hostname, its /proc')
        .eq(hostMountsOf(rootfs), [], 'host mounts left under the rootfs').problems;
    },
  },
  {
    field: 'linux.namespaces (mount)', name: 'not listed, create fails (createRuntime hook): no mount left on the host', tag: 'nsmnt',
    mode: 'create', copyRootfs: true,
    edit: (c) => {
      withoutNs(c, 'mount');
      c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] };
    },
    check: (r, ctx) => expect(r).refused(/hook|exit|status/i)
      .eq(hostMountsOf(`${fs.realpathSync(ctx.bundle)}/rootfs`), [], 'host mounts left under the rootfs').problems,
  },
  {
    field: 'linux.namespaces (mount)', name: 'joined by path: that namespace, the rootfs is /, its other processes keep their root, exec runs in the rootfs', tag: 'nsmnt',
    mode: 'detached', copyRootfs: true,
    setup: mountNsHolder,
    edit: (c, ctx) => {
      joinMountNs(c, ctx);
      c.process.args = ['sleep', '30'];
    },
    check: (r, ctx) => {
      const e = expect(r).ran();
      if (!r.pid) return e.ok(false, 'no container pid').problems;
      return execSeesRootfs(e.eq(fs.readlinkSync(`/proc/${r.pid}/ns/mnt`), ctx.otherNs, 'mount namespace')
        .eq(fs.readFileSync(`/proc/${r.pid}/root/etc/hostname`, 'utf8').trim(), 'ocirun', 'the container\'s root')
        .eq(fs.readlinkSync(`/proc/${ctx.other}/root`), '/', 'the other process\'s root'), ctx).problems;
    },
  },
  // exec joins the container: its root too, when that is a chroot in a mount
  // namespace that is not the container's own.
  {
    field: 'linux.namespaces (mount)', name: 'not listed: exec runs in the container\'s root and cwd', tag: 'nsmnt',
    mode: 'detached', copyRootfs: true,
    edit: (c) => { withoutNs(c, 'mount'); c.process.args = ['sleep', '30']; },
    check: (r, ctx) => execSeesRootfs(expect(r).ran(), ctx).problems,
  },
  {
    field: 'linux.namespaces (mount)', name: 'joined by path with mounts: made in that namespace, undone at delete', tag: 'nsmnt',
    mode: 'lifecycle', copyRootfs: true,
    setup: mountNsHolder,
    edit: (c, ctx) => { joinWithTmpfs(c, ctx); c.process.args = ['true']; },
    created: (r, ctx) => { r.holderMountsCreated = holderMountsOf(ctx); },
    check: (r, ctx) => {
      const rootfs = `${fs.realpathSync(ctx.bundle)}/rootfs`;
      return expect(r).ran().eq(r.start?.status, 0, 'start').eq(r.del?.status, 0, 'delete')
        .ok((r.holderMountsCreated ?? []).some((l) => l.split(' ')[4] === `${rootfs}/joined`), `the tmpfs in the joined namespace while created: ${short((r.holderMountsCreated ?? []).join('\n'))}`)
        .eq(holderMountsOf(ctx), [], 'mounts left in the joined namespace after delete')
        .eq(hostMountsOf(rootfs), [], 'host mounts under the rootfs').problems;
    },
  },
  {
    field: 'linux.namespaces (mount)', name: 'joined by path, create fails (createRuntime hook): no mount left in that namespace', tag: 'nsmnt',
    mode: 'create', copyRootfs: true,
    setup: mountNsHolder,
    edit: (c, ctx) => { joinWithTmpfs(c, ctx); c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] }; },
    check: (r, ctx) => expect(r).refused(/hook|exit|status/i).eq(holderMountsOf(ctx), [], 'mounts left in the joined namespace').problems,
  },
  // config-linux.md: "The runtime MUST generate an error if path is not
  // associated with a namespace of type type."
  {
    field: 'linux.namespaces[].path', name: 'a network namespace given as ipc: an error naming it', tag: 'nspath', mode: 'create',
    setup: (ctx) => nsHolder(ctx, ['--net'], 'net'),
    edit: (c, ctx) => {
      c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'ipc' ? { type: 'ipc', path: `/proc/${ctx.other}/ns/net` } : n));
    },
    check: (r, ctx) => expect(r).refused(new RegExp(`/proc/${ctx.other}/ns/net.*ipc|ipc.*/proc/${ctx.other}/ns/net`)).problems,
  },
  {
    field: 'linux.namespaces[].path', name: 'a file that is no namespace: an error naming it', tag: 'nspath', mode: 'create',
    edit: (c, ctx) => {
      fs.writeFileSync(`${ctx.tmp}/not-a-ns`, '');
      c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'uts' ? { type: 'uts', path: `${ctx.tmp}/not-a-ns` } : n));
    },
    check: (r, ctx) => expect(r).refused(new RegExp(`${ctx.tmp}/not-a-ns`)).problems,
  },
  // -------------------------------------------------------------- v1.3
  ...[
    ['linux.intelRdt', (c) => { c.linux.intelRdt = { closID: 'grp1', l3CacheSchema: 'L3:0=f' }; }, /intelRdt|resctrl|rdt/i],
  ].map(([field, edit, re]) => ({
    field, name: 'unsupported here: a clear error', tag: 'v13', mode: 'create', edit,
    check: (r) => expect(r).refused(re).problems,
  })),
  // config-linux.md "Network Devices": the runtime MUST check that the move
  // is possible (test/netdevices.test.mjs moves real ones).
  {
    field: 'linux.netDevices', name: 'a host device that does not exist: an error naming it', tag: 'v13', mode: 'create',
    edit: (c) => { c.linux.netDevices = { ocirun_nosuch: { name: 'eth1' } }; },
    check: (r) => expect(r).refused(/linux\.netDevices\["ocirun_nosuch"\]: no such network device on the host/).problems,
  },
];

/** Only cases whose field or name matches `re` (for --filter). */
export const selectCases = (re) => (re ? cases.filter((c) => re.test(`${c.field} ${c.name}`)) : cases);

