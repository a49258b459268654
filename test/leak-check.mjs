// Runs after the whole suite (tap --after): nothing a test made may be left.
// Fails the run on any leftover container process, state dir, mount or cgroup.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execSync } from 'node:child_process';

const PREFIX = 'ocirun-test';
const problems = [];

// Processes in other pid namespaces whose cgroup names a test container.
for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
  try {
    const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
    if (cg.includes(PREFIX)) problems.push(`process ${p} is still in a test cgroup: ${cg.split('\n').find((l) => l.includes(PREFIX))}`);
  } catch { /* gone */ }
}
// State dirs.
for (const d of fs.readdirSync(os.tmpdir()).filter((x) => x.startsWith(`${PREFIX}-root-`))) {
  const entries = fs.readdirSync(`${os.tmpdir()}/${d}`);
  if (entries.length) problems.push(`state left in ${os.tmpdir()}/${d}: ${entries.join(' ')}`);
}
// Mounts.
for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
  if (line.includes(PREFIX)) problems.push(`mount left: ${line}`);
}
// cgroups.
const cgs = execSync(`find /sys/fs/cgroup -maxdepth 6 -type d -name '*${PREFIX}*' 2>/dev/null || true`, { encoding: 'utf8' }).trim();
if (cgs) problems.push(`cgroups left:\n${cgs}`);

if (problems.length) {
  console.error(`leak check: ${problems.length} leftover(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('leak check: nothing left behind (processes, state dirs, mounts, cgroups)');
