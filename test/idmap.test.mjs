// Idmapped mounts (mounts[].uidMappings/gidMappings): what the container
// sees of file owners through the mount, read from inside.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeBundle, makeRoot, uniqueId, cleanupContainer, rt } from './lib/harness.mjs';

const root = makeRoot(t);

function hostDir(t) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirun-test-idmap-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  fs.chmodSync(d, 0o755);
  fs.writeFileSync(path.join(d, 'f'), 'hello\n');
  fs.chownSync(path.join(d, 'f'), 1000, 1000);
  return d;
}

const map = (c, h, s) => [{ containerID: c, hostID: h, size: s }];

t.test('owners are shifted by the mount\'s mapping; a plain bind of the same dir is not', async (t) => {
  const src = hostDir(t);
  const bundle = makeBundle(t, (c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'stat -c "%u %g" /idm/f /plain/f; cat /idm/f'];
    c.mounts.push(
      { destination: '/idm', type: 'bind', source: src, options: ['rbind', 'idmap'], uidMappings: map(0, 5000, 2000), gidMappings: map(0, 7000, 2000) },
      { destination: '/plain', type: 'bind', source: src, options: ['rbind'] },
    );
  }, { copyRootfs: true });
  const id = uniqueId('idm');
  cleanupContainer(t, root, id);
  const r = rt(root, ['run', '--bundle', bundle, id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '6000 8000\n1000 1000\nhello\n');
});

t.test('an idmapped mount stays read-only with "ro" and the host file is untouched', async (t) => {
  const src = hostDir(t);
  const bundle = makeBundle(t, (c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'echo x > /idm/f; echo rc=$?'];
    c.mounts.push({ destination: '/idm', type: 'bind', source: src, options: ['rbind', 'ro', 'idmap'], uidMappings: map(0, 5000, 2000), gidMappings: map(0, 5000, 2000) });
  }, { copyRootfs: true });
  const id = uniqueId('idm');
  cleanupContainer(t, root, id);
  const r = rt(root, ['run', '--bundle', bundle, id]);
  t.match(r.stdout, /rc=1/);
  t.equal(fs.readFileSync(path.join(src, 'f'), 'utf8'), 'hello\n');
  t.equal(fs.statSync(path.join(src, 'f')).uid, 1000);
});

t.test('mappings on a non-bind mount, or only one of the two, are config errors', async (t) => {
  for (const [m, where] of [
    [{ destination: '/x', type: 'tmpfs', source: 'tmpfs', uidMappings: map(0, 5000, 10), gidMappings: map(0, 5000, 10) }, /mounts\[\d+\]\.uidMappings: idmapped mounts must be bind mounts/],
    [{ destination: '/x', type: 'bind', source: '/tmp', options: ['rbind'], uidMappings: map(0, 5000, 10) }, /mounts\[\d+\]\./],
  ]) {
    const bundle = makeBundle(t, (c) => { c.mounts.push(m); });
    const id = uniqueId('idm');
    cleanupContainer(t, root, id);
    const r = rt(root, ['create', '--bundle', bundle, id]);
    t.equal(r.status, 1);
    t.match(r.stderr, where);
    t.notOk(fs.existsSync(path.join(root, id)), 'nothing created');
  }
});
