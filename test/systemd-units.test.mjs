// The systemd cgroup driver's pure logic: cgroupsPath "slice:prefix:name" ->
// unit, slice and cgroup (runc's rules), and linux.resources -> unit
// properties (runc's names and translations). The driver against a real
// systemd is test/cgroups-systemd.test.mjs (in the VM).
import t from 'tap';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { systemdUnit, expandSlice } = require('../dist/cgroups/systemd-path.js');
const { resourceProps, deviceProps, rangeToBits, annotationProps, INFINITY } = require('../dist/cgroups/systemd-props.js');

t.test('expandSlice: a dash nests', async (t) => {
  t.equal(expandSlice('system.slice'), '/system.slice');
  t.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  t.equal(expandSlice('-.slice'), '/');
  for (const bad of ['a--b.slice', '-a.slice', '.slice', 'a.scope', 'a/b.slice', '']) {
    t.throws(() => expandSlice(bad), /invalid slice name/, `"${bad}" is refused`);
  }
});

t.test('systemdUnit: runc\'s forms', async (t) => {
  t.same(systemdUnit('system.slice:docker:1234', 'x'), { unit: 'docker-1234.scope', slice: 'system.slice', cgroup: '/system.slice/docker-1234.scope', name: '1234' });
  t.same(systemdUnit('machine.slice:libpod:abc', 'x').cgroup, '/machine.slice/libpod-abc.scope');
  t.same(systemdUnit('a-b.slice:p:n', 'x').cgroup, '/a.slice/a-b.slice/p-n.scope', 'nested slice');
  t.same(systemdUnit(':p:n', 'x').slice, 'system.slice', 'empty slice: system.slice');
  t.same(systemdUnit(undefined, 'myid'), { unit: 'runc-myid.scope', slice: 'system.slice', cgroup: '/system.slice/runc-myid.scope', name: 'myid' }, 'empty cgroupsPath: runc\'s default');
  t.same(systemdUnit(undefined, 'myid', 'user.slice').cgroup, '/user.slice/runc-myid.scope', 'rootless: default slice user.slice (in the user manager)');
  t.same(systemdUnit('machine.slice:p:n', 'x', 'user.slice').slice, 'machine.slice', 'rootless: a given slice is kept');
  t.same(systemdUnit('', 'myid').unit, 'runc-myid.scope');
  t.same(systemdUnit('system.slice:p:my-own.slice', 'x'), { unit: 'my-own.slice', slice: 'system.slice', cgroup: '/my.slice/my-own.slice', name: 'my-own.slice' }, 'a name ending in .slice is a slice');
  t.same(systemdUnit('-.slice:p:n', 'x').cgroup, '/p-n.scope', 'the root slice');
  for (const bad of ['/abs/path', 'a:b', 'a:b:c:d', 'system.slice:p:']) {
    t.throws(() => systemdUnit(bad, 'x'), /expected linux\.cgroupsPath of the form "slice:prefix:name"/, `"${bad}": one line with the form`);
  }
  t.throws(() => systemdUnit('nope:p:n', 'x'), /invalid slice name "nope"/);
  t.throws(() => systemdUnit('system.slice:p:a/b', 'x'), /slice:prefix:name/);
});

const byName = (props) => Object.fromEntries(props.map(([n, sig, v]) => [n, [sig, Buffer.isBuffer(v) ? [...v] : v]]));

t.test('resourceProps: runc\'s names and translations', async (t) => {
  const MiB = 1048576;
  const p = byName(resourceProps({
    memory: { limit: 64 * MiB, reservation: 32 * MiB, swap: 96 * MiB },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1,3', mems: '0' },
    pids: { limit: 42 },
    blockIO: { weight: 500 },
    unified: { 'memory.high': '50331648', 'memory.oom.group': '1' },
  }));
  t.same(p.MemoryMax, ['t', 64 * MiB]);
  t.same(p.MemoryLow, ['t', 32 * MiB]);
  t.same(p.MemorySwapMax, ['t', 32 * MiB], 'swap is memory+swap in the spec, swap alone for systemd');
  t.same(p.CPUWeight, ['t', 1 + Math.floor(((512 - 2) * 9999) / 262142)], 'shares -> weight');
  t.same(p.CPUQuotaPerSecUSec, ['t', 500000]);
  t.same(p.CPUQuotaPeriodUSec, ['t', 100000]);
  t.same(p.AllowedCPUs, ['ay', [0b1011]]);
  t.same(p.AllowedMemoryNodes, ['ay', [1]]);
  t.same(p.TasksMax, ['t', 42]);
  t.same(p.IOWeight, ['t', 1 + Math.floor(((500 - 10) * 9999) / 990)]);
  t.same(p.MemoryHigh, ['t', '50331648'], 'unified memory.high');
  t.notOk('MemoryOOMGroup' in p, 'memory.oom.group: cgroupfs only');

  const q = byName(resourceProps({ cpu: { quota: 33333, period: 100000 } }));
  t.same(q.CPUQuotaPerSecUSec, ['t', 340000], 'rounded up to 10 ms steps');
  t.same(byName(resourceProps({ cpu: { quota: -1, period: 100000 } })).CPUQuotaPerSecUSec, ['t', INFINITY], 'no quota: infinity');
  t.same(byName(resourceProps({ memory: { limit: -1, swap: -1 }, pids: { limit: -1 } })), { MemoryMax: ['t', INFINITY], MemorySwapMax: ['t', INFINITY], TasksMax: ['t', INFINITY] }, '-1: infinity');
  t.same(resourceProps({ memory: { limit: 0 }, pids: { limit: 0 } }), [], 'zero: unset');
  t.same([...rangeToBits('8')], [0, 1]);
  t.throws(() => rangeToBits('a-b'));
});

t.test('deviceProps: allow lists only', async (t) => {
  const p = byName(deviceProps([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rwm' }, { allow: true, type: 'b', access: 'm' }]));
  t.same(p.DevicePolicy, ['s', 'strict']);
  t.same(p.DeviceAllow, ['a(ss)', [['/dev/char/1:3', 'rwm'], ['char-pts', 'rwm'], ['block-*', 'm']]]);
  const raw = deviceProps([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
  t.same(raw.map(([n, , v]) => [n, v]), [['DevicePolicy', 'strict'], ['DeviceAllow', []], ['DeviceAllow', [['/dev/char/1:3', 'rwm']]]], 'an empty DeviceAllow first (resets the list on update), then the list');
  t.same(byName(deviceProps([{ allow: true, access: 'rwm' }])).DevicePolicy, ['s', 'auto'], 'allow all: auto');
  t.same(byName(deviceProps([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }])), { DevicePolicy: ['s', 'strict'], DeviceAllow: ['a(ss)', []] }, 'a deny list cannot be said: strict (the BPF program decides)');
  const d = byName(deviceProps([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]));
  t.same(d.DeviceAllow, ['a(ss)', [['/dev/char/1:3', 'rm']]], 'a later deny takes access away');
});

t.test('annotationProps: runc\'s org.systemd.property.*', async (t) => {
  t.same(annotationProps({
    'org.systemd.property.TimeoutStopSec': 'uint64 15',
    'org.systemd.property.CollectMode': "'inactive-or-failed'",
    'org.systemd.property.Delegate': 'true',
    'org.systemd.property.CPUQuotaPeriodUSec': '@t 50000',
    'org.systemd.property.Nice': '-5',
    'other.annotation': 'x',
  }), [
    ['TimeoutStopUSec', 't', '15000000'],
    ['CollectMode', 's', 'inactive-or-failed'],
    ['Delegate', 'b', true],
    ['CPUQuotaPeriodUSec', 't', '50000'],
    ['Nice', 'i', '-5'],
  ]);
  t.throws(() => annotationProps({ 'org.systemd.property.A1b': 'true' }), /3 or more ASCII letters/);
  t.throws(() => annotationProps({ 'org.systemd.property.Foo': '[1, 2]' }), /value not understood/);
  t.throws(() => annotationProps({ 'org.systemd.property.Foo': 'uint64 -1' }), /negative/);
});

t.test('the native front leaves a systemd container\'s delete to the CLI (it stops the unit)', async (t) => {
  const { frontRecipe } = require('../dist/state/front.js');
  const record = (systemd) => ({
    id: 'x', ociVersion: '1.2.0', bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.000Z', owner: 'root',
    pid: 4242, startTime: '1', phase: 'created', ownPidNs: true,
    cgroup: { version: 2, dirs: { '': '/sys/fs/cgroup/system.slice/runc-x.scope' }, ...(systemd ? { systemd: { unit: 'runc-x.scope', slice: 'system.slice', bus: 'unix:path=/run/dbus/system_bus_socket', name: 'x' } } : {}) },
  });
  const plain = frontRecipe(record(false), {});
  const sd = frontRecipe(record(true), {});
  t.match(plain, /^delete$/m, 'cgroupfs: the front deletes');
  t.notMatch(sd, /^delete$/m, 'systemd: no delete in the recipe');
  t.match(sd, /^paused-if eq 1 \/sys\/fs\/cgroup\/system.slice\/runc-x.scope\/cgroup.freeze$/m, 'systemd: paused from the scope\'s cgroup.freeze');
  t.match(sd, /^start$/m, 'systemd: start stays with the front');
});
