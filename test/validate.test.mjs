// Tests for lib/config/validate.ts (compiled: dist/config/validate.js) and the
// precompiled schema validators. Pure logic, no root needed.
//
//   npx tsc -p tsconfig.json && node scripts/build-validators.mjs && npx tap test/validate.test.mjs

import t from 'tap';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ConfigError, validateConfig, validateProcess, validateResources } = require('../dist/config/validate.js');

// What `runc spec` writes (runc 1.1.x), plus a cgroup namespace as runc 1.2 adds on cgroup v2.
const runcSpec = () => ({
  ociVersion: '1.0.2-dev',
  process: {
    terminal: true,
    user: { uid: 0, gid: 0 },
    args: ['sh'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
    cwd: '/',
    capabilities: {
      bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: true,
  },
  root: { path: 'rootfs', readonly: true },
  hostname: 'runc',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ],
  linux: {
    resources: { devices: [{ allow: false, access: 'rwm' }] },
    namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
    maskedPaths: [
      '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
      '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
    ],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  },
});

// Podman-style: seccomp profile with args, hooks, annotations, cgroup resources,
// plus the v1.1 - v1.3 fields.
const podmanSpec = () => ({
  ociVersion: '1.2.0',
  process: {
    user: { uid: 1000, gid: 1000, umask: 18, additionalGids: [1000, 10] },
    args: ['/bin/sh', '-c', 'sleep infinity'],
    env: ['PATH=/usr/bin:/bin', 'container=podman', 'HOSTNAME=web'],
    cwd: '/srv',
    capabilities: {
      bounding: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE'],
    },
    rlimits: [
      { type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 },
      { type: 'RLIMIT_NPROC', soft: 4194304, hard: 4194304 },
    ],
    oomScoreAdj: 0,
    selinuxLabel: 'system_u:system_r:container_t:s0:c123,c456',
    apparmorProfile: 'containers-default-0.50.0',
    consoleSize: { height: 40, width: 120 },
    ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 4 },
    scheduler: { policy: 'SCHED_BATCH', nice: 5, flags: ['SCHED_FLAG_RESET_ON_FORK'] },
    execCPUAffinity: { initial: '0', final: '0-3,7' },
  },
  root: { path: '/var/lib/containers/storage/overlay/0123abcd/merged' },
  hostname: 'web',
  domainname: 'example.org',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    { destination: '/etc/hosts', type: 'bind', source: '/run/containers/storage/overlay-containers/0123/userdata/hosts', options: ['bind', 'rprivate'] },
    {
      destination: '/data',
      type: 'bind',
      source: '/srv/data',
      options: ['rbind', 'idmap'],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    },
    { destination: 'relative/dest', type: 'tmpfs', source: 'tmpfs' },
  ],
  hooks: {
    prestart: [{ path: '/usr/bin/setup-network', args: ['setup-network', 'up'] }],
    createRuntime: [{ path: '/usr/libexec/oci/hooks.d/oci-nvidia-hook', args: ['oci-nvidia-hook', 'prestart'], env: ['X=1'] }],
    createContainer: [{ path: '/usr/bin/true' }],
    startContainer: [{ path: '/usr/bin/true', timeout: 5 }],
    poststart: [{ path: '/usr/bin/notify', timeout: 10 }],
    poststop: [{ path: '/usr/bin/podman', args: ['podman', 'container', 'cleanup', '0123'] }],
  },
  annotations: {
    'io.container.manager': 'libpod',
    'io.podman.annotations.autoremove': 'FALSE',
    'org.opencontainers.image.stopSignal': '15',
    'com.example.empty': '',
  },
  linux: {
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    sysctl: { 'net.ipv4.ping_group_range': '0 0' },
    resources: {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
      ],
      memory: { limit: 536870912, reservation: -1, swap: -1, swappiness: 60, disableOOMKiller: false, checkBeforeUpdate: true },
      cpu: { shares: 1024, quota: 50000, burst: 1000, period: 100000, cpus: '0-3', mems: '0', idle: 0 },
      pids: { limit: 2048 },
      blockIO: {
        weight: 500,
        weightDevice: [{ major: 8, minor: 0, weight: 300 }, { major: 8, minor: 16, leafWeight: 200 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
      },
      hugepageLimits: [{ pageSize: '2MB', limit: 209715200 }],
      network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }] },
      rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 1000 } },
      unified: { 'memory.high': '500000000', 'io.max': '259:0 rbps=2097152' },
    },
    cgroupsPath: 'machine.slice:libpod:0123abcd',
    namespaces: [
      { type: 'pid' },
      { type: 'network', path: '/run/netns/netns-0123' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'cgroup' },
      { type: 'user' },
      { type: 'time' },
    ],
    timeOffsets: { monotonic: { secs: 3600, nanosecs: 0 }, boottime: { secs: -60 } },
    devices: [
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
      { path: '/dev/myfifo', type: 'p' },
    ],
    rootfsPropagation: 'rslave',
    seccomp: {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
      listenerPath: '/run/seccomp-agent.sock',
      listenerMetadata: 'MKNOD=/dev/null',
      syscalls: [
        { names: ['accept', 'accept4', 'read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['mount'], action: 'SCMP_ACT_NOTIFY' },
        { names: ['bdflush'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['kexec_load'], action: 'SCMP_ACT_KILL_PROCESS' },
      ],
    },
    maskedPaths: ['/proc/acpi', '/proc/kcore', '/sys/firmware'],
    readonlyPaths: ['/proc/bus', '/proc/sys'],
    mountLabel: 'system_u:object_r:container_file_t:s0:c123,c456',
    intelRdt: { closID: 'guaranteed_group', l3CacheSchema: 'L3:0=7f0;1=1f', memBwSchema: 'MB:0=20;1=70', enableCMT: true },
    personality: { domain: 'LINUX32', flags: [] },
    memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '0-3', flags: ['MPOL_F_STATIC_NODES'] },
    netDevices: { eth1: { name: 'net1' }, eth2: {} },
  },
});

/** The error validate() throws, failing the test when it does not throw one. */
function errorOf(tt, validate, doc) {
  try {
    validate(doc);
  } catch (err) {
    tt.ok(err instanceof ConfigError, 'is a ConfigError');
    tt.notOk(err.message.includes('\n'), 'one line');
    tt.ok(err.message.length < 400, 'short');
    return err;
  }
  tt.fail('expected a ConfigError');
  return new ConfigError('?', 'did not throw');
}

t.test('a runc spec config passes', async (tt) => {
  const doc = runcSpec();
  tt.equal(validateConfig(doc), doc, 'returns the document');
});

t.test('a podman-style config with v1.2/v1.3 fields passes', async (tt) => {
  tt.ok(validateConfig(podmanSpec()));
});

t.test('the config of `ocirun spec` passes', async (tt) => {
  let defaultSpec;
  try {
    ({ defaultSpec } = require('../dist/config/default-spec.js'));
  } catch {
    tt.skip('dist/config/default-spec.js not built');
    return;
  }
  tt.ok(validateConfig(defaultSpec({ cgroupNamespace: true })));
  tt.ok(validateConfig(defaultSpec({ cgroupNamespace: false })));
});

t.test('ociVersion', async (tt) => {
  for (const v of ['1.0.0', '1.0.1', '1.0.2-dev', '1.1.0', '1.1.0-rc.1', '1.2.0', '1.2.0+dev', '1.3.0', '1.2.1']) {
    tt.doesNotThrow(() => validateConfig({ ...runcSpec(), ociVersion: v }), v);
  }
  for (const v of ['2.0.0', 'abc', '1.4.0', '0.5.0-dev', '1.0', '1.01.0', '', ' 1.0.0', '1.0.0\n']) {
    tt.match(errorOf(tt, validateConfig, { ...runcSpec(), ociVersion: v }).message, /^ociVersion: must be a supported version/, JSON.stringify(v));
  }
  tt.equal(errorOf(tt, validateConfig, { ...runcSpec(), ociVersion: 1 }).message, 'ociVersion: must be string');
});

// [what, mutation of runcSpec() (or a replacement document), expected message]
const violations = [
  ['document not an object', () => [], /^config: must be object$/],
  ['document null', () => null, /^config: must be object$/],
  ['ociVersion missing', (d) => void delete d.ociVersion, /^ociVersion: is required$/],
  ['root missing', (d) => void delete d.root, /^root: is required$/],
  ['root.path not a string', (d) => void (d.root.path = 7), /^root\.path: must be string$/],
  ['root.path empty', (d) => void (d.root.path = ''), /^root\.path: must not be empty$/],
  ['root.readonly not boolean', (d) => void (d.root.readonly = 'yes'), /^root\.readonly: must be boolean$/],
  ['process not an object', (d) => void (d.process = ['sh']), /^process: must be object$/],
  ['process.args empty', (d) => void (d.process.args = []), /^process\.args: must be a non-empty array$/],
  ['process.args not an array', (d) => void (d.process.args = 'sh'), /^process\.args: must be array$/],
  ['process.args[1] not a string', (d) => void (d.process.args = ['sh', 1]), /^process\.args\[1\]: must be string$/],
  ['process.cwd missing', (d) => void delete d.process.cwd, /^process\.cwd: is required$/],
  ['process.cwd relative', (d) => void (d.process.cwd = 'tmp'), /^process\.cwd: must be an absolute path \(got "tmp"\)$/],
  ['process.user missing', (d) => void delete d.process.user, /^process\.user: is required$/],
  ['process.user.uid missing', (d) => void delete d.process.user.uid, /^process\.user\.uid: is required$/],
  ['process.user.uid a string', (d) => void (d.process.user.uid = '0'), /^process\.user\.uid: must be integer$/],
  ['process.user.uid negative', (d) => void (d.process.user.uid = -1), /^process\.user\.uid: must be >= 0 \(got -1\)$/],
  ['process.user.gid > uint32', (d) => void (d.process.user.gid = 2 ** 32), /^process\.user\.gid: must be <= 4294967295/],
  ['process.user.gid fractional', (d) => void (d.process.user.gid = 1.5), /^process\.user\.gid: must be integer$/],
  ['process.user.additionalGids[0]', (d) => void (d.process.user.additionalGids = [-5]), /^process\.user\.additionalGids\[0\]: must be >= 0/],
  ['process.terminal not boolean', (d) => void (d.process.terminal = 'true'), /^process\.terminal: must be boolean$/],
  ['process.env not strings', (d) => void d.process.env.push(42), /^process\.env\[2\]: must be string$/],
  ['process.consoleSize.width missing', (d) => void (d.process.consoleSize = { height: 1 }), /^process\.consoleSize\.width: is required$/],
  ['process.capabilities.bounding[1]', (d) => void (d.process.capabilities.bounding[1] = 'kill'), /^process\.capabilities\.bounding\[1\]: must be a capability name/],
  ['process.capabilities.ambient not array', (d) => void (d.process.capabilities.ambient = 'CAP_KILL'), /^process\.capabilities\.ambient: must be array$/],
  ['process.rlimits[0].type', (d) => void (d.process.rlimits[0].type = 'NOFILE'), /^process\.rlimits\[0\]\.type: must match \^RLIMIT_\[A-Z\]\+\$ \(got "NOFILE"\)$/],
  ['process.rlimits[0].soft negative', (d) => void (d.process.rlimits[0].soft = -1), /^process\.rlimits\[0\]\.soft: must be >= 0/],
  ['process.rlimits[0].hard missing', (d) => void delete d.process.rlimits[0].hard, /^process\.rlimits\[0\]\.hard: is required$/],
  ['process.rlimits duplicate', (d) => void d.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }), /^process\.rlimits\[1\]\.type: duplicate rlimit "RLIMIT_NOFILE"$/],
  ['process.oomScoreAdj string', (d) => void (d.process.oomScoreAdj = '100'), /^process\.oomScoreAdj: must be integer$/],
  ['process.ioPriority.class', (d) => void (d.process.ioPriority = { class: 'IOPRIO_CLASS_FAST', priority: 0 }), /^process\.ioPriority\.class: must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE \(got "IOPRIO_CLASS_FAST"\)$/],
  ['process.ioPriority.priority missing', (d) => void (d.process.ioPriority = { class: 'IOPRIO_CLASS_BE' }), /^process\.ioPriority\.priority: is required$/],
  ['process.scheduler.policy missing', (d) => void (d.process.scheduler = { nice: 1 }), /^process\.scheduler\.policy: is required$/],
  ['process.scheduler.flags[0]', (d) => void (d.process.scheduler = { policy: 'SCHED_RR', flags: ['FAST'] }), /^process\.scheduler\.flags\[0\]: must be one of SCHED_FLAG_RESET_ON_FORK/],
  ['process.execCPUAffinity.final', (d) => void (d.process.execCPUAffinity = { final: 'all' }), /^process\.execCPUAffinity\.final: must match/],
  ['mounts not an array', (d) => void (d.mounts = {}), /^mounts: must be array$/],
  ['mounts[2].destination missing', (d) => void delete d.mounts[2].destination, /^mounts\[2\]\.destination: is required$/],
  ['mounts[0].destination not a string', (d) => void (d.mounts[0].destination = ['/proc']), /^mounts\[0\]\.destination: must be string$/],
  ['mounts[1].options a string', (d) => void (d.mounts[1].options = 'ro'), /^mounts\[1\]\.options: must be array$/],
  ['mounts[0].uidMappings[0].size missing', (d) => void Object.assign(d.mounts[0], { uidMappings: [{ containerID: 0, hostID: 1 }], gidMappings: [] }), /^mounts\[0\]\.uidMappings\[0\]\.size: is required$/],
  ['mounts[3].uidMappings without gidMappings', (d) => void (d.mounts[3].uidMappings = [{ containerID: 0, hostID: 1, size: 1 }]), /^mounts\[3\]\.uidMappings: requires gidMappings to be set$/],
  ['hooks.prestart[0].path missing', (d) => void (d.hooks = { prestart: [{ args: ['x'] }] }), /^hooks\.prestart\[0\]\.path: is required$/],
  ['hooks.createRuntime[0].path relative', (d) => void (d.hooks = { createRuntime: [{ path: 'hook' }] }), /^hooks\.createRuntime\[0\]\.path: must be an absolute path/],
  ['hooks.poststop[0].timeout zero', (d) => void (d.hooks = { poststop: [{ path: '/x', timeout: 0 }] }), /^hooks\.poststop\[0\]\.timeout: must be >= 1/],
  ['annotations value not a string', (d) => void (d.annotations = { 'com.example.key': 1 }), /^annotations\["com\.example\.key"\]: must be string$/],
  ['annotations empty key', (d) => void (d.annotations = { '': 'x' }), /^annotations: keys must not be empty$/],
  ['annotations numeric key', (d) => void (d.annotations = { 0: null }), /^annotations\["0"\]: must be string$/],
  ['hostname not a string', (d) => void (d.hostname = 1), /^hostname: must be string$/],
  ['hostname without uts namespace', (d) => void (d.linux.namespaces = d.linux.namespaces.filter((n) => n.type !== 'uts')), /^hostname: cannot set hostname without a uts namespace/],
  ['linux not an object', (d) => void (d.linux = 'x'), /^linux: must be object$/],
  ['linux.namespaces[0].type unknown', (d) => void (d.linux.namespaces[0].type = 'net'), /^linux\.namespaces\[0\]\.type: must be one of pid, network, mount, ipc, uts, user, cgroup, time \(got "net"\)$/],
  ['linux.namespaces[1].type missing', (d) => void (d.linux.namespaces[1] = { path: '/proc/1/ns/net' }), /^linux\.namespaces\[1\]\.type: is required$/],
  ['linux.namespaces[0].path relative', (d) => void (d.linux.namespaces[0].path = 'proc/1/ns/pid'), /^linux\.namespaces\[0\]\.path: must be an absolute path/],
  ['linux.namespaces duplicate', (d) => void d.linux.namespaces.push({ type: 'ipc' }), /^linux\.namespaces\[6\]\.type: duplicate namespace "ipc"$/],
  ['linux.uidMappings without user namespace', (d) => void (d.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), /^linux\.uidMappings: user namespace mappings specified, but no user namespace/],
  ['linux.gidMappings without user namespace', (d) => void (d.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), /^linux\.gidMappings: user namespace mappings specified/],
  ['linux.gidMappings[0].hostID string', (d) => void (d.linux.gidMappings = [{ containerID: 0, hostID: '1000', size: 1 }]), /^linux\.gidMappings\[0\]\.hostID: must be integer$/],
  ['linux.timeOffsets without time namespace', (d) => void (d.linux.timeOffsets = { monotonic: { secs: 1 } }), /^linux\.timeOffsets: time namespace offsets specified/],
  ['linux.timeOffsets.boottime.nanosecs', (d) => void (d.linux.timeOffsets = { boottime: { nanosecs: -1 } }), /^linux\.timeOffsets\.boottime\.nanosecs: must be >= 0/],
  ['linux.devices[0].type unknown', (d) => void (d.linux.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]), /^linux\.devices\[0\]\.type: must be one of c, b, u, p \(got "x"\)$/],
  ['linux.devices[0].path missing', (d) => void (d.linux.devices = [{ type: 'c', major: 1, minor: 1 }]), /^linux\.devices\[0\]\.path: is required$/],
  ['linux.devices[0].major missing for c', (d) => void (d.linux.devices = [{ type: 'c', path: '/dev/x', minor: 3 }]), /^linux\.devices\[0\]\.major: is required$/],
  ['linux.rootfsPropagation unknown', (d) => void (d.linux.rootfsPropagation = 'bogus'), /^linux\.rootfsPropagation: must be one of private, shared, slave, unbindable/],
  ['linux.maskedPaths[1] relative', (d) => void (d.linux.maskedPaths[1] = 'proc/asound'), /^linux\.maskedPaths\[1\]: must be an absolute path/],
  ['linux.sysctl value not a string', (d) => void (d.linux.sysctl = { 'net.ipv4.ip_forward': 1 }), /^linux\.sysctl\["net\.ipv4\.ip_forward"\]: must be string$/],
  ['linux.resources.memory.limit string', (d) => void (d.linux.resources.memory = { limit: '1g' }), /^linux\.resources\.memory\.limit: must be integer$/],
  ['linux.resources.memory.limit too big', (d) => void (d.linux.resources.memory = { limit: 2 ** 64 }), /^linux\.resources\.memory\.limit: must be <= /],
  ['linux.resources.cpu.shares negative', (d) => void (d.linux.resources.cpu = { shares: -2 }), /^linux\.resources\.cpu\.shares: must be >= 0/],
  ['linux.resources.cpu.cpus number', (d) => void (d.linux.resources.cpu = { cpus: 3 }), /^linux\.resources\.cpu\.cpus: must be string$/],
  ['linux.resources.pids.limit fractional', (d) => void (d.linux.resources.pids = { limit: 1.5 }), /^linux\.resources\.pids\.limit: must be integer$/],
  ['linux.resources.blockIO.weight too small', (d) => void (d.linux.resources.blockIO = { weight: 5 }), /^linux\.resources\.blockIO\.weight: must be >= 10 \(got 5\)$/],
  ['linux.resources.blockIO.weightDevice[0] without weights', (d) => void (d.linux.resources.blockIO = { weightDevice: [{ major: 8, minor: 0 }] }), /^linux\.resources\.blockIO\.weightDevice\[0\]: must have at least one of weight, leafWeight$/],
  ['linux.resources.blockIO.throttleReadBpsDevice[0].rate', (d) => void (d.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: 8, minor: 0 }] }), /^linux\.resources\.blockIO\.throttleReadBpsDevice\[0\]\.rate: is required$/],
  ['linux.resources.hugepageLimits[0].pageSize missing', (d) => void (d.linux.resources.hugepageLimits = [{ limit: 1 }]), /^linux\.resources\.hugepageLimits\[0\]\.pageSize: is required$/],
  ['linux.resources.devices[0].allow missing', (d) => void (d.linux.resources.devices = [{ access: 'rwm' }]), /^linux\.resources\.devices\[0\]\.allow: is required$/],
  ['linux.resources.devices[0].access', (d) => void (d.linux.resources.devices = [{ allow: true, access: 'rwx' }]), /^linux\.resources\.devices\[0\]\.access: must match/],
  ['linux.resources.rdma entry empty', (d) => void (d.linux.resources.rdma = { mlx5_1: {} }), /^linux\.resources\.rdma\.mlx5_1: must have at least one of hcaHandles, hcaObjects$/],
  ['linux.resources.unified value', (d) => void (d.linux.resources.unified = { 'memory.max': 1024 }), /^linux\.resources\.unified\["memory\.max"\]: must be string$/],
  ['linux.seccomp.defaultAction missing', (d) => void (d.linux.seccomp = {}), /^linux\.seccomp\.defaultAction: is required$/],
  ['linux.seccomp.defaultAction unknown', (d) => void (d.linux.seccomp = { defaultAction: 'ALLOW' }), /^linux\.seccomp\.defaultAction: must be one of SCMP_ACT_KILL, /],
  ['linux.seccomp.architectures[1]', (d) => void (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'amd64'] }), /^linux\.seccomp\.architectures\[1\]: must be one of SCMP_ARCH_X86, .*\(got "amd64"\)$/],
  ['linux.seccomp.flags[0]', (d) => void (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['TSYNC'] }), /^linux\.seccomp\.flags\[0\]: must be one of SECCOMP_FILTER_FLAG_TSYNC/],
  ['linux.seccomp.listenerMetadata without listenerPath', (d) => void (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }), /^linux\.seccomp\.listenerMetadata: requires listenerPath to be set$/],
  ['linux.seccomp.syscalls[0].names empty', (d) => void (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }), /^linux\.seccomp\.syscalls\[0\]\.names: must be a non-empty array$/],
  ['linux.seccomp.syscalls[0].action missing', (d) => void (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'] }] }), /^linux\.seccomp\.syscalls\[0\]\.action: is required$/],
  ['linux.seccomp.syscalls[0].args[0].op', (d) => void (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'EQ' }] }] }), /^linux\.seccomp\.syscalls\[0\]\.args\[0\]\.op: must be one of SCMP_CMP_NE, /],
  ['linux.intelRdt.memBwSchema', (d) => void (d.linux.intelRdt = { memBwSchema: 'L3:0=1' }), /^linux\.intelRdt\.memBwSchema: must match/],
  ['linux.personality.domain', (d) => void (d.linux.personality = { domain: 'LINUX64' }), /^linux\.personality\.domain: must be one of LINUX, LINUX32/],
  ['linux.memoryPolicy.mode missing', (d) => void (d.linux.memoryPolicy = { nodes: '0' }), /^linux\.memoryPolicy\.mode: is required$/],
  ['linux.memoryPolicy.flags[0]', (d) => void (d.linux.memoryPolicy = { mode: 'MPOL_BIND', flags: ['STATIC'] }), /^linux\.memoryPolicy\.flags\[0\]: must be one of/],
  ['linux.netDevices.eth0.name', (d) => void (d.linux.netDevices = { eth0: { name: 1 } }), /^linux\.netDevices\.eth0\.name: must be string$/],
];

t.test('schema and semantic violations name the JSON path', async (tt) => {
  tt.ok(violations.length >= 25);
  for (const [what, mutate, expected] of violations) {
    let doc = runcSpec();
    const replaced = mutate(doc);
    if (replaced !== undefined) doc = replaced;
    tt.match(errorOf(tt, validateConfig, doc).message, expected, what);
  }
});

t.test('extensions the spec allows are accepted', async (tt) => {
  const doc = runcSpec();
  // Extensibility: unknown properties MUST be ignored, at any level.
  doc.vendorExtension = { anything: [1, 2, { x: null }] };
  doc.process.futureField = 1;
  doc.linux.futureField = 'x';
  doc.linux.resources.futureController = { a: 1 };
  doc.windows = { layerFolders: [] };
  // A relative mount destination is accepted (runc: relative to /).
  doc.mounts.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' });
  // A FIFO device needs no major/minor; an empty uidMappings needs no user namespace.
  doc.linux.devices = [{ type: 'p', path: '/dev/fifo' }];
  doc.linux.uidMappings = [];
  // Memory limits take -1 (unlimited).
  doc.linux.resources.memory = { limit: -1, swap: -1 };
  tt.ok(validateConfig(doc));
});

t.test('ConfigError', async (tt) => {
  const err = errorOf(tt, validateConfig, { ...runcSpec(), process: { ...runcSpec().process, args: [] } });
  tt.ok(err instanceof Error);
  tt.equal(err.name, 'ConfigError');
  tt.equal(err.path, 'process.args');
  tt.equal(err.reason, 'must be a non-empty array');
  tt.equal(err.message, 'process.args: must be a non-empty array');
});

t.test('huge and deeply nested values give short one-line errors', async (tt) => {
  const big = 'x'.repeat(10 * 1024 * 1024);

  let d = runcSpec();
  d.linux.namespaces[0].type = big;
  let msg = errorOf(tt, validateConfig, d).message;
  tt.match(msg, /^linux\.namespaces\[0\]\.type: must be one of .* \(got "x{60}\.\.\."\)$/);

  d = runcSpec();
  d.process.cwd = big;
  tt.match(errorOf(tt, validateConfig, d).message, /^process\.cwd: must be an absolute path \(got "x{60}\.\.\."\)$/);

  // A pattern that could backtrack, on a long almost-matching string.
  const t0 = Date.now();
  msg = errorOf(tt, validateConfig, { ...runcSpec(), ociVersion: '1.0.0-' + '.'.repeat(10 * 1024 * 1024) + '!' }).message;
  tt.match(msg, /^ociVersion: must be a supported version/);
  tt.ok(Date.now() - t0 < 2000, 'ociVersion pattern is not catastrophic');

  d = runcSpec();
  d.process.rlimits = [{ type: 'RLIMIT_' + 'A'.repeat(1e6), soft: 1, hard: 1 }, { type: 'RLIMIT_' + 'A'.repeat(1e6), soft: 1, hard: 1 }];
  tt.match(errorOf(tt, validateConfig, d).message, /^process\.rlimits\[1\]\.type: duplicate rlimit "RLIMIT_A+\.\.\."$/);

  // Huge key: truncated in the path too; a newline in it stays escaped.
  d = runcSpec();
  d.annotations = { ['k\n' + big]: 1 };
  msg = errorOf(tt, validateConfig, d).message;
  tt.match(msg, /^annotations\["k\\nx{58}\.\.\."\]: must be string$/);

  // Big but valid strings pass.
  d = runcSpec();
  d.hostname = big;
  d.annotations = { big };
  tt.ok(validateConfig(d));

  // 10000-deep nesting: as an annotation value, as a value of an unknown
  // property, and as a JSON text parsed first.
  let deep = 'leaf';
  for (let i = 0; i < 10000; i++) deep = { a: deep };
  d = runcSpec();
  d.annotations = { deep };
  tt.equal(errorOf(tt, validateConfig, d).message, 'annotations.deep: must be string');
  // Unknown properties are allowed, but not nested without end (it would
  // break every later JSON.stringify of the config): a short one-line error.
  const deepErr = errorOf(tt, validateConfig, { ...runcSpec(), extension: deep }).message;
  tt.match(deepErr, /^extension\.a\.a.*: nested more than 64 levels deep$/);
  tt.ok(deepErr.length < 200 && !deepErr.includes('\n'), 'short, one line');
  const text = '{"ociVersion":"1.0.0","root":{"path":"r"},"annotations":{"deep":' + '['.repeat(10000) + ']'.repeat(10000) + '}}';
  tt.equal(errorOf(tt, validateConfig, JSON.parse(text)).message, 'annotations.deep: must be string');
  tt.equal(errorOf(tt, validateConfig, { ...runcSpec(), process: deep }).message, 'process.user: is required');
});

t.test('validateProcess (exec --process)', async (tt) => {
  const p = runcSpec().process;
  tt.equal(validateProcess(p), p);
  tt.equal(errorOf(tt, validateProcess, { ...p, args: undefined }).message, 'process.args: is required');
  tt.equal(errorOf(tt, validateProcess, { ...p, args: [] }).message, 'process.args: must be a non-empty array');
  tt.equal(errorOf(tt, validateProcess, { ...p, cwd: 'rel' }).message, 'process.cwd: must be an absolute path (got "rel")');
  tt.equal(errorOf(tt, validateProcess, { ...p, user: { uid: 0 } }).message, 'process.user.gid: is required');
  tt.equal(
    errorOf(tt, validateProcess, { ...p, rlimits: [...p.rlimits, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }] }).message,
    'process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE"',
  );
  tt.equal(errorOf(tt, validateProcess, 'sh').message, 'process: must be object');
  tt.ok(validateProcess(podmanSpec().process));
});

t.test('validateResources (update --resources)', async (tt) => {
  tt.ok(validateResources({}));
  tt.ok(validateResources(podmanSpec().linux.resources));
  tt.ok(validateResources({ memory: { limit: -1, swap: -1 }, cpu: { shares: 512, quota: -1, cpus: '0-1' }, pids: { limit: -1 } }));
  tt.equal(errorOf(tt, validateResources, { memory: { limit: '512m' } }).message, 'resources.memory.limit: must be integer');
  tt.equal(errorOf(tt, validateResources, { blockIO: { weight: 1001 } }).message, 'resources.blockIO.weight: must be <= 1000 (got 1001)');
  tt.equal(errorOf(tt, validateResources, { hugepageLimits: [{ pageSize: '2 MB', limit: 1 }] }).message, 'resources.hugepageLimits[0].pageSize: must match ^[0-9]+[KMGTPE]?B$ (got "2 MB")');
  tt.equal(errorOf(tt, validateResources, { cpu: { shares: 1.5 } }).message, 'resources.cpu.shares: must be integer');
  tt.equal(errorOf(tt, validateResources, null).message, 'resources: must be object');
});

// What Docker 20.10 sends (docs/engines.md): zeros that mean "not set" are
// dropped, as runc ignores them, not refused or written.
t.test('values that mean "unset" (Docker)', async (tt) => {
  const d = runcSpec();
  d.linux.resources = { ...d.linux.resources, blockIO: { weight: 0 }, cpu: { shares: 0 }, memory: { limit: 0, swap: 0, kernel: 0 } };
  const s = validateConfig(d);
  tt.same(s.linux.resources.blockIO, {}, 'config.json blockIO.weight 0 dropped');
  tt.same(s.linux.resources.cpu, {}, 'config.json cpu.shares 0 dropped');
  tt.same(s.linux.resources.memory, {}, 'memory zeros dropped');
  const u = validateResources({
    memory: { limit: 100663296, reservation: 0, swap: 201326592, kernel: 0, kernelTCP: 0 },
    cpu: { shares: 0, quota: 150000, period: 100000, realtimeRuntime: 0, realtimePeriod: 0, cpus: '', mems: '' },
    pids: { limit: 0 },
    blockIO: { weight: 0, leafWeight: 0, weightDevice: [{ major: 8, minor: 0, weight: 0 }, { major: 8, minor: 16, weight: 0, leafWeight: 300 }] },
  });
  tt.same(u, {
    memory: { limit: 100663296, swap: 201326592 },
    cpu: { quota: 150000, period: 100000 },
    blockIO: { weightDevice: [{ major: 8, minor: 16, leafWeight: 300 }] },
  }, 'docker update resources: only what was set is left');
  tt.equal(errorOf(tt, validateResources, { blockIO: { weight: 5 } }).message, 'resources.blockIO.weight: must be >= 10 (got 5)', 'a real out-of-range weight is still refused');
  tt.equal(errorOf(tt, validateResources, { blockIO: { weightDevice: [{ major: 8, minor: 0 }] } }).message, 'resources.blockIO.weightDevice[0]: must have at least one of weight, leafWeight');
});
