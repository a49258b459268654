// checkpoint / restore with CRIU, against real containers, ocirun and runc
// side by side (and podman driving ocirun). CRIU does not work on this
// host's kernel (`criu check` fails on its vDSO), so test/criu/checks.sh
// runs in the cgroup2-vm guest, where it does; each of its lines is one
// assertion here. When the VM cannot run, or `criu check` fails in it, the
// test is reported as skipped with the reason, never as passed.
//
//   npx tap --disable-coverage test/criu.test.mjs      (minutes: the guest is CPU-emulated)
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO, OCIRUN, makeRoot, makeBundle, uniqueId, rt, rtf, state, cleanupContainer, assertNothingLeft } from './lib/harness.mjs';
import { findVmTool, runInVm, parseTap, VM_TIMEOUT_S } from './lib/vm.mjs';

// (VM_TIMEOUT_S: test/lib/vm.mjs)
t.setTimeout((VM_TIMEOUT_S + 180) * 1000);

// The protobuf encoding, pure logic: what CRIU will read back.
t.test('criu rpc: requests encode as rpc.proto says', async (t) => {
  const { encodeReq, decodeReq, decodeResp, REQ_TYPE } = await import('../dist/runtime/criu/proto.js');
  const req = {
    type: REQ_TYPE.RESTORE,
    opts: {
      imagesDirFd: 5, pid: -1, root: '/run/x/criu-root', emptyNs: 0x40000000, manageCgroupsMode: 6,
      extMnt: [{ key: '/data', val: '/srv/data' }, { key: '/b', val: '/c' }], inheritFd: [{ key: 'pipe:[12]', fd: 1 }],
      external: ['file[18:5]'], orphanPtsMaster: true, cgRoot: [{ path: '/ctr' }],
    },
  };
  const buf = encodeReq(req);
  // field 1 (type) varint 2, then field 2 (opts) length-delimited
  t.same([...buf.subarray(0, 3)], [0x08, 0x02, 0x12], 'type then opts');
  t.same(decodeReq(buf), req, 'round trip, negative int32 and uint32 > 2^30 included');
  // a criu_resp: type RESTORE, success, restore { pid: 4242 }
  const resp = Buffer.from([0x08, 0x02, 0x10, 0x01, 0x22, 0x03, 0x08, 0x92, 0x21]);
  t.same(decodeResp(resp), { type: 2, success: true, restore: { pid: 4242 } }, 'a restore answer');
  const notify = Buffer.from([0x08, 0x06, 0x10, 0x01, 0x2a, 0x0e, 0x0a, 0x0c, ...Buffer.from('post-restore'), ]);
  t.equal(decodeResp(notify).notify?.script, 'post-restore', 'a notification');
});

// The migration fields: page server info, lazy pages, status fd, features.
t.test('criu rpc: page server, lazy pages, feature check', async (t) => {
  const { encodeReq, decodeReq, decodeResp, REQ_TYPE } = await import('../dist/runtime/criu/proto.js');
  const req = { type: REQ_TYPE.DUMP, opts: { imagesDirFd: 4, ps: { address: '10.0.0.2', port: 27271 }, lazyPages: true, statusFd: 9, lsmMountContext: 'system_u:object_r:container_file_t:s0' } };
  t.same(decodeReq(encodeReq(req)), req, 'ps (11), lazy_pages (48), status_fd (49), lsm_mount_context (63) round trip');
  const feat = encodeReq({ type: REQ_TYPE.FEATURE_CHECK, features: { lazyPages: true } });
  t.same([...feat], [0x08, 0x09, 0x2a, 0x02, 0x10, 0x01], 'FEATURE_CHECK (9) with features { lazy_pages: true } (field 5)');
  // criu_resp { type: FEATURE_CHECK, success: true, features (8) { mem_track: false, lazy_pages: true } }
  const resp = Buffer.from([0x08, 0x09, 0x10, 0x01, 0x42, 0x04, 0x08, 0x00, 0x10, 0x01]);
  t.same(decodeResp(resp), { type: 9, success: true, features: { memTrack: false, lazyPages: true } }, "CRIU's answer");
});

// The migration flags' errors: refused before anything is written (runc
// writes the image dir first), whether or not the container exists.
t.test('checkpoint --page-server / --lazy-pages / --status-fd: bad input', async (t) => {
  const root = makeRoot(t);
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  const id = uniqueId('ckf');
  cleanupContainer(t, root, id);
  t.equal(rtf(t, root, ['run', '-d', '--bundle', bundle, id]).status, 0, 'run -d');
  const img = path.join(bundle, 'img');
  const ck = (flags, fd3) => {
    const r = spawnSync(OCIRUN, ['--root', root, 'checkpoint', ...flags, '--image-path', img, id], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', ...(fd3 === undefined ? [] : [fd3])], timeout: 60_000,
    });
    return [r.status, (r.stderr ?? '').trim().split('\n').pop()]; // (a usage error prints the help first)
  };
  const cases = [
    [['--page-server', 'nohost'], 'ocirun: invalid --page-server "nohost": use ADDRESS:PORT'],
    [['--page-server', ':27'], 'ocirun: invalid --page-server ":27": no address: use ADDRESS:PORT'],
    [['--page-server', '10.0.0.2:0'], 'ocirun: invalid --page-server "10.0.0.2:0": port "0" is not a number from 1 to 65535'],
    [['--page-server', '10.0.0.2:http'], 'ocirun: invalid --page-server "10.0.0.2:http": port "http" is not a number from 1 to 65535'],
    [['--page-server', 'fe80::1:27'], 'ocirun: invalid --page-server "fe80::1:27": an IPv6 address needs brackets: [ADDRESS]:PORT'],
    [['--status-fd', '1'], 'ocirun: --status-fd needs --lazy-pages (it says when a lazy dump is ready)'],
    [['--lazy-pages', '--status-fd', '77'], 'ocirun: invalid --status-fd 77: not an open file descriptor'],
    [['--status-fd', 'x'], 'ocirun: --status-fd: "x" is not a number'],
  ];
  for (const [flags, want] of cases) t.same(ck(flags), [1, want], flags.join(' '));
  const ro = fs.openSync(path.join(bundle, 'config.json'), 'r');
  t.same(ck(['--lazy-pages', '--status-fd', '3'], ro), [1, 'ocirun: invalid --status-fd 3: not open for writing'], '--status-fd open read-only');
  fs.closeSync(ro);
  t.notOk(fs.existsSync(img), 'no image dir was made');
  t.equal(state(root, id)?.status, 'running', 'the container runs on');
  // --help lists them, as runc's
  const ckHelp = rt(root, ['checkpoint', '--help']).stdout;
  for (const f of ['--page-server', '--lazy-pages', '--status-fd']) t.match(ckHelp, f, `checkpoint --help lists ${f}`);
  const rsHelp = rt(root, ['restore', '--help']).stdout;
  for (const f of ['--lazy-pages', '--no-subreaper', '--lsm-mount-context', '--lsm-profile']) t.match(rsHelp, f, `restore --help lists ${f}`);
  rt(root, ['delete', '--force', id]);
  await assertNothingLeft(t, root, id, bundle, 'after the refused checkpoints');
});

// On this host: what does not need CRIU to work (wrong states, bad input),
// and, where `criu check` fails, the one-line error and an untouched container.
t.test('checkpoint / restore: errors on this host', async (t) => {
  const root = makeRoot(t);
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  const id = uniqueId('ck');
  cleanupContainer(t, root, id);
  t.equal(rtf(t, root, ['create', '--bundle', bundle, id]).status, 0, 'create');
  let r = rt(root, ['checkpoint', '--image-path', path.join(bundle, 'img'), id]);
  t.same([r.status, r.stderr.trim()], [1, 'ocirun: Container cannot be checkpointed in created state'], 'a created container: runc\'s error');
  t.equal(rt(root, ['start', id]).status, 0, 'start');
  const criu = spawnSync('sh', ['-c', 'PATH=$PATH:/usr/sbin:/sbin criu check'], { encoding: 'utf8' });
  r = rt(root, ['checkpoint', '--image-path', path.join(bundle, 'img'), '--parent-path', '/abs', id]);
  t.same([r.status, r.stderr.trim()], [1, 'ocirun: --parent-path must be relative (to --image-path)'], '--parent-path must be relative');
  r = rt(root, ['checkpoint', '--image-path', path.join(bundle, 'img'), '--manage-cgroups-mode', 'bogus', id]);
  t.match(r.stderr, /invalid --manage-cgroups-mode "bogus"/, 'a bad --manage-cgroups-mode');
  if (criu.status !== 0 && !criu.error) {
    r = rt(root, ['checkpoint', '--image-path', path.join(bundle, 'img'), id]);
    t.equal(r.status, 1, 'checkpoint fails where criu check fails');
    t.match(r.stderr, /^ocirun: checkpoint: criu check fails on this host \(.+\): CRIU cannot checkpoint or restore here\n$/, 'one line saying so');
    t.equal(state(root, id)?.status, 'running', 'the container is still running, untouched');
    const f = JSON.parse(rt(root, ['features']).stdout);
    t.notOk(f.annotations['org.ocirun.checkpoint'], 'features does not list checkpoint support');
  } else {
    t.comment('criu check passes here (or criu is missing): the VM part covers checkpoint');
  }
  r = rt(root, ['pause', id]);
  r = rt(root, ['checkpoint', '--image-path', path.join(bundle, 'img'), id]);
  t.same([r.status, r.stderr.trim()], [1, 'ocirun: Container cannot be checkpointed in paused state'], 'a paused container');
  rt(root, ['delete', '--force', id]);
  // restore: an image dir that is not a checkpoint; an unknown image dir
  fs.mkdirSync(path.join(bundle, 'empty'));
  r = rt(root, ['restore', '-d', '--image-path', path.join(bundle, 'empty'), '--bundle', bundle, id]);
  t.equal(r.status, 1, 'restore from a dir that is not a checkpoint fails');
  t.match(r.stderr, /is not a checkpoint \(no inventory\.img/, 'and says so');
  r = rt(root, ['restore', '-d', '--image-path', path.join(bundle, 'nope'), '--bundle', bundle, id]);
  t.match(r.stderr, /is not a directory/, 'a missing image dir');
  await assertNothingLeft(t, root, id, bundle, 'after the failed restores');
});

const tool = findVmTool();
const skipWhy = process.env.OCIRUN_CRIU_VM === '0' ? 'OCIRUN_CRIU_VM=0: the VM part is switched off'
  : !tool ? 'cgroup2-vm not found (../shared/tools/cgroup2-vm beside the repository, or /work/shared/tools/cgroup2-vm)'
  : process.getuid() !== 0 ? 'needs root (cgroup2-vm and the containers)' : undefined;
t.test('checkpoint / restore in the VM (test/criu/checks.sh)', { skip: skipWhy }, async (t) => {
  const tag = `${process.pid}`;
  t.teardown(() => fs.rmSync(path.join(REPO, 'bundles', `ocirun-test-criu-${tag}`), { recursive: true, force: true }));
  const r = await runInVm(tool, ['-e', `OCIRUN_CRIU_TAG=${tag}`], ['sh', 'test/criu/checks.sh'], VM_TIMEOUT_S);
  const tail = (s) => s.trim().split('\n').slice(-15).join('\n');
  t.comment(`cgroup2-vm exited ${r.status ?? r.signal} after ${(r.ms / 1000).toFixed(1)} s`);
  for (const l of r.stdout.split('\n').filter((l) => l.startsWith('# '))) t.comment(`guest: ${l.slice(2)}`);
  const { results, plan, skipAll } = parseTap(r.stdout);
  // The VM itself failing (no qemu, no boot: 125) or CRIU not working in it is not a result.
  if (r.spawnError) return void t.skip(`cgroup2-vm could not be started: ${r.spawnError.message}`);
  if (r.status === 125) return void t.skip(`the VM could not boot (cgroup2-vm exit 125): ${tail(r.stderr).split('\n').pop() || 'no message'}`);
  if (skipAll) return void t.skip(skipAll);
  for (const res of results) t.ok(res.ok, res.desc, res.skip ? { skip: res.skip } : res.ok ? {} : { got: res.got });
  t.equal(r.status === 124 ? 'timeout' : 'finished', 'finished', `the guest finished within CGROUP2_VM_TIMEOUT=${VM_TIMEOUT_S}s`);
  t.ok(plan !== undefined, 'checks.sh printed its plan (ran to the end)', { stdoutTail: tail(r.stdout), stderrTail: tail(r.stderr) });
  if (plan !== undefined) t.equal(results.length, plan, 'as many results as planned');
  const failed = results.filter((x) => !x.ok).length;
  t.equal(r.status, failed ? 1 : 0, `checks.sh exit status (${failed} failed)`, { stderrTail: tail(r.stderr) });
});
