// Failures leave nothing behind: a create (or run) that fails at any step
// exits 1 with a one-line error naming the cause, and afterwards there is no
// state dir, no cgroup, no process and no mount of the container.
// Also: the JSON log of a failing create, and schema violations reported with
// their JSON path.
//
//   npx tap --disable-coverage test/rollback.test.mjs
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PREFIX, makeRoot, makeBundle, uniqueId, cleanupContainer, nothingLeftOfThisFile, rtf, cgroupDirsNamed,
  assertNothingLeft as assertNothingLeftOf,
} from './lib/harness.mjs';

// Under load a file can take longer than tap's default 30 s.
t.setTimeout(120_000);

// ------------------------------------------------------------------ helpers

/** Everything a container could leave behind, checked after a failure. */
async function assertNothingLeft(t, root, id, bundle) {
  await assertNothingLeftOf(t, root, id, bundle);
  t.same(fs.existsSync(root) ? fs.readdirSync(root) : [], [], 'root holds nothing');
}

function oneLine(t, stderr) {
  const lines = stderr.replace(/\n$/, '').split('\n');
  t.equal(lines.length, 1, 'a one-line error', { stderr });
  t.notMatch(stderr, /internal error|at .*\.js:\d+/, 'no stack trace');
}

// -------------------------------------------------------------------- tests

// [name, config edit, expected cause (string: contained; RegExp: matched), opts]
const FAILURES = [
  ['bind mount source missing', (c) => {
    c.mounts.push({ destination: '/tmp', type: 'bind', source: `/nonexistent-${PREFIX}-src`, options: ['rbind'] });
  }, [new RegExp(`/nonexistent-${PREFIX}-src`), /no such file or directory/]],
  ['program not in $PATH', (c) => {
    c.process.args = ['nosuch'];
  }, ['exec: "nosuch": executable file not found in $PATH']],
  ['absolute program missing', (c) => {
    c.process.args = ['/nosuch/prog'];
  }, ['/nosuch/prog', /no such file or directory/]],
  ['program not executable', (c) => {
    c.process.args = ['/etc/passwd'];
  }, ['/etc/passwd', /permission denied/]],
  ['cwd is a file', (c) => {
    c.process.cwd = '/etc/passwd';
  }, ['/etc/passwd', /not a directory/]],
  ['sysctl that does not exist', (c) => {
    c.linux.sysctl = { 'net.ipv4.nosuch_sysctl_thing': '1' };
  }, ['nosuch_sysctl_thing', /no such file or directory/]],
  ['sysctl that is not namespaced', (c) => {
    c.linux.sysctl = { 'vm.swappiness': '10' };
  }, ['vm.swappiness']],
  ['rootfs missing', (c) => {
    c.root.path = `/nonexistent-${PREFIX}-rootfs`;
  }, [`/nonexistent-${PREFIX}-rootfs`, /does not exist|no such file/i]],
  ['joined namespace path missing', (c) => {
    c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/999999999/ns/net' } : n));
  }, ['/proc/999999999/ns/net']],
  ['mount destination below a file', (c) => {
    c.mounts.push({ destination: '/etc/passwd/sub', type: 'tmpfs', source: 'tmpfs' });
  }, ['/etc/passwd/sub', /not a directory/]],
];

t.test('late failures roll everything back', async (t) => {
  const root = makeRoot(t);
  for (const [name, edit, causes] of FAILURES) {
    for (const cmd of ['create', 'run']) {
      if (cmd === 'run' && !['program not in $PATH', 'bind mount source missing', 'cwd is a file'].includes(name)) continue;
      t.test(`${cmd}: ${name}`, async (t) => {
        const id = uniqueId('rb');
        cleanupContainer(t, root, id);
        const bundle = makeBundle(t, (c) => {
          c.process.args = ['true'];
          edit(c);
        });
        const r = rtf(t, root, [cmd, '--bundle', bundle, id]);
        t.equal(r.status, 1, `${cmd} exits 1`, { stderr: r.stderr });
        t.match(r.stderr, /^ocirun: /, 'prefixed error');
        for (const c of causes) {
          if (typeof c === 'string') t.ok(r.stderr.includes(c), `names the cause: ${c}`, { stderr: r.stderr });
          else t.match(r.stderr, c, `names the cause: ${c}`);
        }
        oneLine(t, r.stderr);
        t.equal(r.stdout, '', 'nothing on stdout');
        await assertNothingLeft(t, root, id, bundle);
      });
    }
  }
});

t.test('--pid-file that cannot be written: the created container is torn down', async (t) => {
  const root = makeRoot(t);
  for (const cmd of ['create', 'run']) {
    t.test(cmd, async (t) => {
      const id = uniqueId('rb');
      cleanupContainer(t, root, id);
      const bundle = makeBundle(t, (c) => {
        c.process.args = ['sleep', '1000'];
      });
      const pidFile = `/nonexistent-${PREFIX}-dir/${id}.pid`;
      const r = rtf(t, root, [cmd, '--pid-file', pidFile, '--bundle', bundle, id]);
      t.equal(r.status, 1, `${cmd} exits 1`, { stderr: r.stderr });
      t.ok(r.stderr.includes(`/nonexistent-${PREFIX}-dir`), 'names the pid file', { stderr: r.stderr });
      oneLine(t, r.stderr);
      await assertNothingLeft(t, root, id, bundle);
    });
  }
});

t.test('bad config files', async (t) => {
  const root = makeRoot(t);

  t.test('invalid JSON', async (t) => {
    const id = uniqueId('rb');
    cleanupContainer(t, root, id);
    const bundle = makeBundle(t);
    fs.writeFileSync(path.join(bundle, 'config.json'), '{"ociVersion": "1.2.0", "process": {');
    const r = rtf(t, root, ['create', '--bundle', bundle, id]);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /config\.json/, 'names config.json');
    t.match(r.stderr, /JSON/, 'says it is not valid JSON');
    oneLine(t, r.stderr);
    await assertNothingLeft(t, root, id, bundle);
  });

  t.test('no config.json', async (t) => {
    const id = uniqueId('rb');
    cleanupContainer(t, root, id);
    const bundle = makeBundle(t);
    fs.rmSync(path.join(bundle, 'config.json'));
    const r = rtf(t, root, ['create', '--bundle', bundle, id]);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /config\.json/, 'names config.json');
    t.match(r.stderr, /no such file or directory/i);
    oneLine(t, r.stderr);
    await assertNothingLeft(t, root, id, bundle);
  });

  t.test('bundle dir missing', async (t) => {
    const id = uniqueId('rb');
    cleanupContainer(t, root, id);
    const bundle = path.join(os.tmpdir(), `${PREFIX}-nosuch-bundle-${id}`);
    const r = rtf(t, root, ['create', '--bundle', bundle, id]);
    t.equal(r.status, 1, 'exits 1');
    t.ok(r.stderr.includes(bundle), 'names the bundle', { stderr: r.stderr });
    oneLine(t, r.stderr);
    await assertNothingLeft(t, root, id, bundle);
  });

  t.test('a schema violation', async (t) => {
    const id = uniqueId('rb');
    cleanupContainer(t, root, id);
    const bundle = makeBundle(t, (c) => {
      c.process.args = [];
    });
    const r = rtf(t, root, ['create', '--bundle', bundle, id]);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /process\.args/, 'names process.args');
    oneLine(t, r.stderr);
    await assertNothingLeft(t, root, id, bundle);
  });
});

t.test('--log F --log-format json on a failing create', async (t) => {
  const root = makeRoot(t);
  const id = uniqueId('rb');
  cleanupContainer(t, root, id);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-log-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'log.json');
  const bundle = makeBundle(t, (c) => {
    c.process.args = ['nosuch'];
  });
  const cause = 'exec: "nosuch": executable file not found in $PATH';
  const r = rtf(t, root, ['--log', log, '--log-format', 'json', 'create', '--bundle', bundle, id]);
  t.equal(r.status, 1, 'exits 1');
  t.ok(fs.existsSync(log), 'the log file was written');
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  t.ok(lines.length > 0, 'the log has lines');
  const entries = [];
  for (const l of lines) {
    let e;
    t.doesNotThrow(() => (e = JSON.parse(l)), `a JSON line: ${l}`);
    if (!e) continue;
    entries.push(e);
    t.type(e.level, 'string', 'level');
    t.type(e.msg, 'string', 'msg');
    t.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, 'time is RFC 3339');
    t.ok(!Number.isNaN(Date.parse(e.time)), 'time parses');
  }
  const errors = entries.filter((e) => e.level === 'error');
  t.ok(errors.length > 0, 'an error entry');
  t.equal(errors.at(-1)?.msg, cause, 'the last error msg is the cause');
  t.ok(r.stderr.includes(cause), 'stderr has the cause too', { stderr: r.stderr });
  await assertNothingLeft(t, root, id, bundle);

  t.test('text format', async (t) => {
    const id2 = uniqueId('rb');
    cleanupContainer(t, root, id2);
    const log2 = path.join(dir, 'log.txt');
    const r2 = rtf(t, root, ['--log', log2, 'create', '--bundle', bundle, id2]);
    t.equal(r2.status, 1, 'exits 1');
    const text = fs.existsSync(log2) ? fs.readFileSync(log2, 'utf8') : '';
    t.match(text, /level=error/, 'level=error');
    t.ok(text.includes('executable file not found in $PATH'), 'the cause', { text });
    await assertNothingLeft(t, root, id2, bundle);
  });
});

// [config edit, the JSON path the error must name]
const VIOLATIONS = [
  [(c) => { c.process.args = []; }, 'process.args'],
  [(c) => { c.process.args = ['sh', 3]; }, 'process.args[1]'],
  [(c) => { c.process.cwd = 'relative/dir'; }, 'process.cwd'],
  [(c) => { c.ociVersion = '2.0.0'; }, 'ociVersion'],
  [(c) => { c.ociVersion = 1; }, 'ociVersion'],
  [(c) => { c.linux.namespaces[0].type = 'foo'; }, 'linux.namespaces[0].type'],
  [(c) => { c.linux.namespaces[0] = {}; }, 'linux.namespaces[0].type'],
  [(c) => { c.linux.namespaces.push({ type: 'pid' }); }, `linux.namespaces[5].type`],
  [(c) => { delete c.mounts[0].destination; }, 'mounts[0].destination'],
  [(c) => { c.mounts[0].options = 'ro'; }, 'mounts[0].options'],
  [(c) => { c.mounts = 'x'; }, 'mounts'],
  [(c) => { c.process.user.uid = -1; }, 'process.user.uid'],
  [(c) => { c.process.user.uid = 'x'; }, 'process.user.uid'],
  [(c) => { c.process.user.gid = 1.5; }, 'process.user.gid'],
  [(c) => { c.process.user.additionalGids = ['a']; }, 'process.user.additionalGids[0]'],
  [(c) => { delete c.process.user; }, 'process.user'],
  [(c) => { c.process.rlimits[0].type = 'NOFILE'; }, 'process.rlimits[0].type'],
  [(c) => { c.process.rlimits[0].soft = -5; }, 'process.rlimits[0].soft'],
  [(c) => { c.process.rlimits.push({ ...c.process.rlimits[0] }); }, 'process.rlimits[1].type'],
  [(c) => { delete c.root; }, 'root'],
  [(c) => { c.root.path = ''; }, 'root.path'],
  [(c) => { c.hostname = 5; }, 'hostname'],
  [(c) => { c.domainname = []; }, 'domainname'],
  [(c) => { c.linux.devices = [{ path: '/dev/x', type: 'x', major: 1, minor: 2 }]; }, 'linux.devices[0].type'],
  [(c) => { c.process.env = [5]; }, 'process.env[0]'],
  [(c) => { c.process.capabilities.bounding = ['KILL']; }, 'process.capabilities.bounding[0]'],
  [(c) => { c.process.terminal = 'yes'; }, 'process.terminal'],
  [(c) => { c.process.oomScoreAdj = 'x'; }, 'process.oomScoreAdj'],
  [(c) => { c.process.consoleSize = { height: -1, width: 2 }; }, 'process.consoleSize.height'],
  [(c) => { c.linux.resources.memory = { limit: '64M' }; }, 'linux.resources.memory.limit'],
  [(c) => { c.linux.resources.pids = { limit: 'x' }; }, 'linux.resources.pids.limit'],
  [(c) => { c.linux.maskedPaths = ['relative']; }, 'linux.maskedPaths[0]'],
  [(c) => { c.linux.uidMappings = [{ containerID: 0, hostID: 0 }]; }, 'linux.uidMappings[0].size'],
  [(c) => { c.linux.rootfsPropagation = 'weird'; }, 'linux.rootfsPropagation'],
  [(c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOPE' }; }, 'linux.seccomp.defaultAction'],
  [(c) => { c.linux.cgroupsPath = 5; }, 'linux.cgroupsPath'],
  [(c) => { c.linux.sysctl = { 'kernel.shmmax': 5 }; }, 'linux.sysctl["kernel.shmmax"]'],
  [(c) => { c.annotations = { a: 5 }; }, 'annotations.a'],
];

t.test('schema violations name their JSON path and create nothing', async (t) => {
  const root = makeRoot(t);
  t.ok(VIOLATIONS.length >= 20, `${VIOLATIONS.length} violations`);
  for (const [edit, where] of VIOLATIONS) {
    const src = edit.toString().replace(/^\(c\) => \{ | \}$/g, '');
    t.test(`${src} -> ${where}`, async (t) => {
      const id = uniqueId('sv');
      cleanupContainer(t, root, id);
      const bundle = makeBundle(t, (c) => {
        edit(c);
      });
      const r = rtf(t, root, ['create', '--bundle', bundle, id]);
      t.equal(r.status, 1, 'exits 1', { stderr: r.stderr });
      t.ok(r.stderr.includes(where), `stderr names ${where}`, { stderr: r.stderr });
      // the exact path, not a longer one that merely starts with it
      const after = r.stderr.slice(r.stderr.indexOf(where) + where.length);
      t.match(after, /^(:|\s|$|")/, `${where} is the whole path`, { stderr: r.stderr });
      oneLine(t, r.stderr);
      t.notOk(fs.existsSync(path.join(root, id)), 'no state dir');
    });
  }
  t.test('and nothing at all was created', async (t) => {
    t.same(fs.existsSync(root) ? fs.readdirSync(root) : [], [], 'root empty');
    t.same(cgroupDirsNamed(`${PREFIX}-sv-${process.pid}-*`), [], 'no cgroups');
  });
});

// Last: every container of this file is gone, processes included (a killed
// init is reaped by the host's init a little later: wait for it), so the
// suite's leak check after the run finds nothing of ours.
nothingLeftOfThisFile(t, ['rb', 'sv']);
