// The compiled-seccomp cache (lib/state/seccomp-cache.ts): a create with a
// profile compiled before uses the filter kept under /run/ocirun-cache, but
// only when the file holds exactly that profile's key and the directory is
// ours alone. Each case asserts on what the container's process met: a
// mkdir the profile denies with ENOMEDIUM ("No medium found").
//
// The profile carries this test's pid in a rule, so no other test (they run
// in parallel) can ever be handed the doctored filters written here.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle, makeRoot, uniqueId, rt } from './lib/harness.mjs';

const CACHE = '/run/ocirun-cache';
const ROOT = makeRoot(t);
const MARK = 4_000_000_000 + process.pid; // personality(MARK): never called
const PROFILE = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [
    { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 123 },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: MARK, op: 'SCMP_CMP_EQ' }] },
  ],
};
const bundle = makeBundle(t, (c) => {
  c.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
  c.process.args = ['sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /scratch/d && echo made; true'];
  c.linux.seccomp = PROFILE;
});

/** Runs the container: what it printed (stdout + stderr). */
function runIt() {
  const r = rt(ROOT, ['run', '-b', bundle, uniqueId('scc')]);
  return { status: r.status, out: r.stdout + r.stderr };
}
const denied = (r) => r.out.includes('Seccomp:\t2') && /No medium found/.test(r.out) && !r.out.includes('made');

/** This test's cache file: the one whose key holds our mark. */
function entry() {
  for (const f of fs.readdirSync(CACHE)) {
    if (!f.startsWith('seccomp-')) continue;
    const b = fs.readFileSync(path.join(CACHE, f));
    if (b.includes(Buffer.from(String(MARK)))) return { file: path.join(CACHE, f), bytes: b };
  }
  return undefined;
}
/** The end of the key: the filter follows the newline after the profile's JSON. */
const keyLength = (b) => b.indexOf(Buffer.from(`${JSON.stringify(PROFILE)}\n`)) + JSON.stringify(PROFILE).length + 1;
// struct sock_filter { u16 code; u8 jt, jf; u32 k }: BPF_RET|BPF_K, SECCOMP_RET_ALLOW
const ALLOW_ALL = Buffer.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]);

t.teardown(() => {
  try {
    fs.chmodSync(CACHE, 0o700);
  } catch { /* gone */ }
  const e = fs.existsSync(CACHE) ? entry() : undefined;
  if (e) fs.rmSync(e.file, { force: true });
});

t.test('first create compiles and keeps the filter', async (t) => {
  const before = fs.existsSync(CACHE) ? entry() : undefined;
  if (before) fs.rmSync(before.file);
  const r = runIt();
  t.equal(r.status, 0, r.out);
  t.ok(denied(r), `the profile applies: ${r.out}`);
  const e = entry();
  t.ok(e, 'a cache entry holds the profile');
  const st = fs.lstatSync(CACHE);
  t.equal(st.mode & 0o777, 0o700, 'cache dir is 0700');
  t.equal(st.uid, 0, 'owned by root');
  t.equal(fs.lstatSync(e.file).mode & 0o777, 0o600, 'entry is 0600');
  const filter = e.bytes.subarray(keyLength(e.bytes));
  t.ok(filter.length > 0 && filter.length % 8 === 0, `a whole filter follows the key (${filter.length} bytes)`);
  t.match(e.bytes.subarray(0, 17).toString(), /^ocirun-seccomp 1\n/, 'key starts with the format line');
});

t.test('a kept filter is what the next create loads', async (t) => {
  const e = entry();
  const ino = fs.statSync(e.file).ino;
  t.ok(denied(runIt()), 'still denied with the kept filter');
  t.equal(fs.statSync(e.file).ino, ino, 'the entry was read, not written again');
  // Put an allow-all filter under the same key: the container then runs
  // without restriction, which shows the filter came from the file.
  fs.writeFileSync(e.file, Buffer.concat([e.bytes.subarray(0, keyLength(e.bytes)), ALLOW_ALL]));
  const r = runIt();
  t.ok(r.out.includes('made'), `the kept filter was used: ${r.out}`);
  fs.writeFileSync(e.file, e.bytes);
});

t.test('an entry whose key differs is not used', async (t) => {
  const e = entry();
  const key = Buffer.from(e.bytes.subarray(0, keyLength(e.bytes)));
  // the same length, one byte of the profile's JSON changed (the errnoRet 123 -> 124)
  const at = key.indexOf(Buffer.from('"errnoRet":123'));
  t.ok(at > 0, 'found errnoRet in the key');
  key[at + 13] = '4'.charCodeAt(0);
  fs.writeFileSync(e.file, Buffer.concat([key, ALLOW_ALL]));
  t.ok(denied(runIt()), 'compiled again: denied');
  t.same(entry().bytes, e.bytes, 'and the entry written again with the right key and filter');
});

t.test('a broken filter (not whole sock_filters) is not used', async (t) => {
  const e = entry();
  fs.writeFileSync(e.file, Buffer.concat([e.bytes.subarray(0, keyLength(e.bytes)), ALLOW_ALL.subarray(0, 5)]));
  t.ok(denied(runIt()), 'compiled again: denied');
  t.same(entry().bytes, e.bytes, 'entry repaired');
});

t.test('a directory others can write is not trusted', async (t) => {
  const e = entry();
  fs.writeFileSync(e.file, Buffer.concat([e.bytes.subarray(0, keyLength(e.bytes)), ALLOW_ALL]));
  fs.chmodSync(CACHE, 0o730);
  try {
    t.ok(denied(runIt()), 'denied: the planted allow-all filter was ignored');
  } finally {
    fs.chmodSync(CACHE, 0o700);
  }
  t.ok(runIt().out.includes('made'), 'with the mode back, the (planted) entry is used again');
  fs.writeFileSync(e.file, e.bytes);
  t.ok(denied(runIt()), 'restored entry: denied');
});

t.test('an entry that is a symlink is not followed', async (t) => {
  const e = entry();
  const planted = path.join(CACHE, `.planted-${process.pid}`);
  fs.writeFileSync(planted, Buffer.concat([e.bytes.subarray(0, keyLength(e.bytes)), ALLOW_ALL]), { mode: 0o600 });
  fs.rmSync(e.file);
  fs.symlinkSync(planted, e.file);
  try {
    t.ok(denied(runIt()), 'denied: the symlinked entry was ignored');
    t.notOk(fs.lstatSync(e.file).isSymbolicLink(), 'replaced by a regular file');
  } finally {
    fs.rmSync(planted, { force: true });
  }
  t.ok(denied(runIt()), 'and that one is right');
});

t.test('at most 32 entries: the oldest go', async (t) => {
  const junk = [];
  const old = new Date(Date.now() - 3600_000);
  for (let i = 0; i < 40; i++) {
    const f = path.join(CACHE, `seccomp-junk${process.pid}-${i}`);
    fs.writeFileSync(f, 'x', { mode: 0o600 });
    fs.utimesSync(f, old, old);
    junk.push(f);
  }
  t.teardown(() => junk.forEach((f) => fs.rmSync(f, { force: true })));
  fs.rmSync(entry().file); // a miss, which writes
  t.ok(denied(runIt()), 'denied');
  const n = fs.readdirSync(CACHE).filter((f) => f.startsWith('seccomp-')).length;
  t.ok(n <= 32, `${n} entries left`);
  t.ok(entry(), 'the new entry is among them');
});
