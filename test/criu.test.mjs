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
import { REPO } from './lib/harness.mjs';
import { findVmTool, runInVm, parseTap } from './lib/vm.mjs';

const VM_TIMEOUT_S = Number(process.env.CGROUP2_VM_TIMEOUT) || 1200;
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

const tool = findVmTool();
const skipWhy = !tool ? 'cgroup2-vm not found (../shared/tools/cgroup2-vm beside the repository, or /work/shared/tools/cgroup2-vm)'
  : process.getuid() !== 0 ? 'needs root (cgroup2-vm and the containers)' : undefined;
if (skipWhy) {
  t.test('checkpoint / restore in the VM', { skip: skipWhy }, () => {});
} else {
  const tag = `${process.pid}`;
  t.teardown(() => fs.rmSync(path.join(REPO, 'bundles', `ocirun-test-criu-${tag}`), { recursive: true, force: true }));
  const r = await runInVm(tool, ['-e', `OCIRUN_CRIU_TAG=${tag}`], ['sh', 'test/criu/checks.sh'], VM_TIMEOUT_S);
  const tail = (s) => s.trim().split('\n').slice(-15).join('\n');
  t.comment(`cgroup2-vm exited ${r.status ?? r.signal} after ${(r.ms / 1000).toFixed(1)} s`);
  for (const l of r.stdout.split('\n').filter((l) => l.startsWith('# '))) t.comment(`guest: ${l.slice(2)}`);
  const { results, plan, skipAll } = parseTap(r.stdout);
  if (r.spawnError) {
    t.test('checkpoint / restore in the VM', { skip: `cgroup2-vm could not be started: ${r.spawnError.message}` }, () => {});
  } else if (r.status === 125) {
    t.test('checkpoint / restore in the VM', { skip: `the VM could not boot (cgroup2-vm exit 125): ${tail(r.stderr).split('\n').pop() || 'no message'}` }, () => {});
  } else if (skipAll) {
    t.test('checkpoint / restore in the VM', { skip: skipAll }, () => {});
  } else {
    t.test('checkpoint / restore in the VM (test/criu/checks.sh)', async (t) => {
      for (const res of results) t.ok(res.ok, res.desc, res.skip ? { skip: res.skip } : res.ok ? {} : { got: res.got });
      t.equal(r.status === 124 ? 'timeout' : 'finished', 'finished', `the guest finished within CGROUP2_VM_TIMEOUT=${VM_TIMEOUT_S}s`);
      t.ok(plan !== undefined, 'checks.sh printed its plan (ran to the end)', { stdoutTail: tail(r.stdout), stderrTail: tail(r.stderr) });
      if (plan !== undefined) t.equal(results.length, plan, 'as many results as planned');
      const failed = results.filter((x) => !x.ok).length;
      t.equal(r.status, failed ? 1 : 0, `checks.sh exit status (${failed} failed)`, { stderrTail: tail(r.stderr) });
    });
  }
}
