// Rootless ocirun in a cgroup v2 subtree that systemd delegated to an
// ordinary user (Delegate=yes, User=), and --systemd-cgroup with the user's
// own systemd (test/v2/rootless-systemd.sh): test/v2/rootless.sh in the cgroup2-vm
// guest booted with systemd (../shared/tools/cgroup2-vm --systemd); each of
// its lines becomes an assertion. Skipped, with the reason, where the VM
// cannot run.
//
//   npx tap --disable-coverage test/rootless-v2.test.mjs
import t from 'tap';
import * as path from 'node:path';
import { REPO, PREFIX } from './lib/harness.mjs';
import { vmChecks, VM_TIMEOUT_S } from './lib/vm.mjs';

t.setTimeout((VM_TIMEOUT_S + 180) * 1000);

await vmChecks(t, {
  title: 'rootless in a delegated cgroup v2 subtree and with the user\'s systemd, in a VM with systemd',
  script: 'test/v2/rootless.sh',
  tagEnv: 'OCIRUN_V2_TAG',
  vmArgs: ['--systemd'],
  work: (tag) => path.join(REPO, 'bundles', `${PREFIX}-v2-${tag}-rl`),
});
