// linux.netDevices (config-linux.md "Network Devices"): host devices moved
// into the container's network namespace, renamed, up, with their permanent
// global addresses; errors name the device; nothing is moved back at delete.
// veth pairs stand in for real devices (no network needed; this host's kernel
// has no dummy driver): one end is moved, the peer stays on the host. Each
// test deletes the pairs it made, also on failure.
//
//   npx tap --disable-coverage test/netdevices.test.mjs
import t from 'tap';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  makeRoot, makeBundle, uniqueId, cleanupContainer, rt, rtf, state, waitFor, assertNothingLeft, nothingLeftOfThisFile,
} from './lib/harness.mjs';

t.setTimeout(120_000);

const ip = (...args) => spawnSync('ip', args, { encoding: 'utf8' });
const hostHas = (name) => ip('link', 'show', 'dev', name).status === 0;

let n = 0;
/**
 * A veth pair on the host (names <= 15 bytes): the end to move (returned) and
 * its peer (name + "p"), deleted at the end of the test whatever happens.
 */
function dummy(t, addrs = []) {
  const name = `ocnd${process.pid % 100000}${String.fromCharCode(97 + n++)}`;
  t.teardown(() => {
    for (const x of [name, `${name}p`]) if (hostHas(x)) ip('link', 'del', 'dev', x);
  });
  const r = ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
  if (r.status !== 0) throw new Error(`ip link add ${name}: ${r.stderr}`);
  for (const a of addrs) {
    const r2 = ip(...a.split(' ').map((x) => x.replace('DEV', name)));
    if (r2.status !== 0) throw new Error(`ip ${a}: ${r2.stderr}`);
  }
  return name;
}

/** Deletes a device of that name on the host at the end of the test (a device that should not be there). */
function alsoDelete(t, name) {
  t.teardown(() => { if (hostHas(name)) ip('link', 'del', 'dev', name); });
}

const SHOW = 'ls /sys/class/net; for d in /sys/class/net/*; do echo "$(basename $d) flags=$(cat $d/flags)"; done; ip -o addr';

function bundleWith(t, netDevices, script = SHOW, more = () => {}) {
  return makeBundle(t, (c) => {
    c.process.args = ['sh', '-c', script];
    c.linux.netDevices = netDevices;
    more(c);
  });
}

/** run: the container's output, after checking it succeeded. */
function runOk(t, bundle) {
  const root = makeRoot(t);
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const r = rtf(t, root, ['run', '--bundle', bundle, id]);
  t.equal(r.status, 0, `run: ${r.stderr}`);
  return r.stdout;
}

const isUp = (out, dev) => {
  const f = new RegExp(`^${dev} flags=(0x[0-9a-f]+)$`, 'm').exec(out)?.[1];
  return f !== undefined && (Number(f) & 1) === 1; // IFF_UP
};
const addrLines = (out, dev) => out.split('\n').filter((l) => new RegExp(`^\\d+:\\s+${dev}\\s`).test(l));

t.test('moved and renamed: up, permanent global addresses kept, others not', async (t) => {
  const d = dummy(t, [
    'addr add 10.123.45.6/24 dev DEV',
    '-6 addr add fd00:123::6/64 dev DEV nodad',
    'addr add 10.123.46.7/24 dev DEV valid_lft 300 preferred_lft 300',
    '-6 addr add fd00:124::7/64 dev DEV nodad valid_lft 300 preferred_lft 300',
    'addr add 169.254.7.7/16 dev DEV scope link',
    '-6 addr add fe80::1234/64 dev DEV nodad',
  ]);
  alsoDelete(t, 'ctr0');
  const root = makeRoot(t);
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const bundle = bundleWith(t, { [d]: { name: 'ctr0' } });
  const c = rtf(t, root, ['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, `create: ${c.stderr}`);
  t.notOk(hostHas(d), 'the host no longer has the device');
  t.notOk(hostHas('ctr0'), 'nor one named ctr0');
  t.equal(rt(root, ['start', id]).status, 0);
  t.ok(await waitFor(() => state(root, id)?.status === 'stopped', 10_000), 'container ran');
  const out = fs.readFileSync(c.outFile, 'utf8');
  t.match(out, /^ctr0$/m, 'ctr0 in /sys/class/net');
  t.notMatch(out, new RegExp(`^${d}`, 'm'), 'no device under the host name');
  t.ok(isUp(out, 'ctr0'), 'ctr0 is up');
  const a = addrLines(out, 'ctr0').join('\n');
  t.match(a, /inet 10\.123\.45\.6\/24 .*scope global/, 'permanent global IPv4 kept');
  t.match(a, /inet6 fd00:123::6\/64 scope global/, 'permanent global IPv6 kept');
  t.notMatch(a, /10\.123\.46\.7/, 'IPv4 with a lifetime not carried over');
  t.notMatch(a, /fd00:124::7/, 'IPv6 with a lifetime not carried over');
  t.notMatch(a, /169\.254\.7\.7/, 'link-scope IPv4 not carried over');
  t.notMatch(a, /fe80::1234\//, 'link-scope IPv6 not carried over');
});

t.test('without name: keeps its host name', async (t) => {
  const d = dummy(t, ['addr add 10.123.47.8/24 dev DEV']);
  const out = runOk(t, bundleWith(t, { [d]: {} }));
  t.match(out, new RegExp(`^${d}$`, 'm'), 'in /sys/class/net under its host name');
  t.ok(isUp(out, d), 'up');
  t.match(addrLines(out, d).join('\n'), /inet 10\.123\.47\.8\/24/, 'address kept');
});

t.test('a template name (eth%d): the kernel picks ethN', async (t) => {
  const d = dummy(t);
  const out = runOk(t, bundleWith(t, { [d]: { name: 'eth%d' } }));
  const eth = /^(eth\d+)$/m.exec(out)?.[1];
  t.ok(eth, `an ethN device: ${out}`);
  t.ok(eth && isUp(out, eth), 'up');
  t.notMatch(out, new RegExp(`^${d}`, 'm'), 'no device under the host name');
});

t.test('a name the container has already (lo): an error, nothing left, the device stays the host\'s', async (t) => {
  const d = dummy(t, ['addr add 10.123.48.9/24 dev DEV']);
  const root = makeRoot(t);
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const bundle = bundleWith(t, { [d]: { name: 'lo' } });
  const r = rt(root, ['create', '--bundle', bundle, id]);
  t.equal(r.status, 1, 'exit 1');
  t.match(r.stderr, new RegExp(`linux\\.netDevices\\["${d}"\\].*"lo" already exists in the container's network namespace`));
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  await assertNothingLeft(t, root, id, bundle);
  t.ok(hostHas(d), 'the device was not moved');
  t.match(ip('-o', 'addr', 'show', 'dev', d).stdout, /10\.123\.48\.9\/24/, 'with its address');
});

t.test('two devices given the same name: a config error, nothing moved', async (t) => {
  const d1 = dummy(t);
  const d2 = dummy(t);
  alsoDelete(t, 'ctr1');
  const root = makeRoot(t);
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const bundle = bundleWith(t, { [d1]: { name: 'ctr1' }, [d2]: { name: 'ctr1' } });
  const r = rt(root, ['create', '--bundle', bundle, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, new RegExp(`linux\\.netDevices\\["${d2}"\\]\\.name: .*"ctr1".*${d1}`));
  t.ok(hostHas(d1) && hostHas(d2), 'both still on the host');
  await assertNothingLeft(t, root, id, bundle);
});

t.test('a host device that does not exist: an error naming it', async (t) => {
  const root = makeRoot(t);
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const bundle = bundleWith(t, { ocnd_nosuch: { name: 'ctr2' } });
  const r = rt(root, ['create', '--bundle', bundle, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^.*linux\.netDevices\["ocnd_nosuch"\]: no such network device on the host\s*$/);
  await assertNothingLeft(t, root, id, bundle);
});

t.test('invalid names and no network namespace: config errors naming the field', async (t) => {
  const root = makeRoot(t);
  const cases = [
    [{ 'a/b': {} }, /linux\.netDevices\["a\/b"\]: .*'\/'/],
    [{ lo: { name: 'abcdefghijklmnop' } }, /linux\.netDevices\["lo"\]\.name: .*15 bytes/],
    [{ lo: { name: '..' } }, /linux\.netDevices\["lo"\]\.name: /],
    [{ lo: { name: 'a b' } }, /linux\.netDevices\["lo"\]\.name: .*whitespace/],
    [{ lo: { name: 'e%dx%d' } }, /linux\.netDevices\["lo"\]\.name: .*%d/],
  ];
  for (const [nd, re] of cases) {
    const id = uniqueId('nd');
    cleanupContainer(t, root, id);
    const r = rt(root, ['create', '--bundle', bundleWith(t, nd), id]);
    t.equal(r.status, 1, JSON.stringify(nd));
    t.match(r.stderr, re, JSON.stringify(nd));
  }
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const hostNet = bundleWith(t, { lo: {} }, SHOW, (c) => { c.linux.namespaces = c.linux.namespaces.filter((x) => x.type !== 'network'); });
  const r = rt(root, ['create', '--bundle', hostNet, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /linux\.netDevices: .*network namespace/, 'host network: nothing to move into');
});

t.test('a network namespace joined by path: moved into it', async (t) => {
  const d = dummy(t, ['addr add 10.123.49.1/24 dev DEV']);
  const holder = spawnSync('sh', ['-c', 'unshare --net sleep 600 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
  const pid = Number(holder.stdout.trim());
  t.teardown(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  await waitFor(() => fs.readlinkSync(`/proc/${pid}/ns/net`) !== fs.readlinkSync('/proc/self/ns/net'));
  const out = runOk(t, bundleWith(t, { [d]: { name: 'ctr3' } }, SHOW, (c) => {
    c.linux.namespaces = c.linux.namespaces.map((x) => (x.type === 'network' ? { type: 'network', path: `/proc/${pid}/ns/net` } : x));
  }));
  t.match(out, /^ctr3$/m);
  t.ok(isUp(out, 'ctr3'), 'up');
  t.match(addrLines(out, 'ctr3').join('\n'), /10\.123\.49\.1\/24/);
  const inNs = spawnSync('nsenter', ['-t', String(pid), '-n', 'ip', '-o', 'link', 'show', 'dev', 'ctr3'], { encoding: 'utf8' });
  t.equal(inNs.status, 0, 'still in that namespace after the container is gone');
});

t.test('a new user namespace (network namespace made after clone): moved too', async (t) => {
  const d = dummy(t, ['addr add 10.123.50.1/24 dev DEV']);
  const out = runOk(t, bundleWith(t, { [d]: { name: 'ctr4' } }, SHOW, (c) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
  }));
  t.match(out, /^ctr4$/m);
  t.ok(isUp(out, 'ctr4'), 'up');
  t.match(addrLines(out, 'ctr4').join('\n'), /10\.123\.50\.1\/24/);
});

t.test('sysctls naming a moved device are written once it is there, with or without a new user namespace', async (t) => {
  for (const userns of [false, true]) {
    const d = dummy(t);
    const name = userns ? 'ctr6' : 'ctr5';
    const out = runOk(t, bundleWith(t, { [d]: { name } }, `cat /proc/sys/net/ipv4/conf/${name}/forwarding /proc/sys/net/ipv6/conf/${name}/disable_ipv6`, (c) => {
      c.linux.sysctl = { [`net.ipv4.conf.${name}.forwarding`]: '1', [`net/ipv6/conf/${name}/disable_ipv6`]: '1' };
      if (userns) {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
      }
    }));
    t.equal(out, '1\n1\n', `${userns ? 'new user namespace' : 'no user namespace'}: the container sees both values`);
  }
});

t.test('with a new user namespace, a sysctl the kernel refuses after the move: one error line, nothing left', async (t) => {
  const d = dummy(t);
  const root = makeRoot(t);
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const bundle = bundleWith(t, { [d]: { name: 'ctr7' } }, SHOW, (c) => {
    c.linux.sysctl = { 'net.ipv4.conf.ctr7.forwarding': '1', 'net.ipv4.conf.nosuchdev.forwarding': '1' };
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
  });
  const r = rt(root, ['create', '--bundle', bundle, id]);
  t.equal(r.status, 1, 'exit 1');
  t.match(r.stderr, /\/proc\/sys\/net\/ipv4\/conf\/nosuchdev\/forwarding: no such file or directory/);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  await assertNothingLeft(t, root, id, bundle);
});

t.test('delete: a moved virtual device dies with the namespace, nothing comes back', async (t) => {
  const d = dummy(t);
  alsoDelete(t, 'ctr5');
  const root = makeRoot(t);
  const id = uniqueId('nd');
  cleanupContainer(t, root, id);
  const bundle = bundleWith(t, { [d]: { name: 'ctr5' } }, 'sleep 600');
  const c = rtf(t, root, ['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, c.stderr);
  t.equal(rt(root, ['start', id]).status, 0);
  t.notOk(hostHas(d));
  t.equal(rt(root, ['delete', '--force', id]).status, 0);
  // (a network namespace is torn down by a kernel worker, a little later)
  await waitFor(() => !hostHas(`${d}p`), 5000, 50);
  t.notOk(hostHas(d), 'no device of the host name');
  t.notOk(hostHas('ctr5'), 'no device of the container name');
  t.notOk(hostHas(`${d}p`), 'the veth peer went with it');
  await assertNothingLeft(t, root, id, bundle);
});

t.test('features: netDevices enabled', async (t) => {
  const r = rt(makeRoot(t), ['features']);
  t.equal(r.status, 0);
  t.same(JSON.parse(r.stdout).linux.netDevices, { enabled: true });
});

nothingLeftOfThisFile(t, ['nd'], {
  also: (t) => {
    const mine = ip('-o', 'link', 'show').stdout.split('\n').filter((l) => l.includes(`ocnd${process.pid % 100000}`) || /^\d+: ctr\d:/.test(l));
    t.same(mine, [], 'no test device left on the host');
  },
});
