// Runs after the whole suite (tap --after): nothing a test made may be left.
// Fails the run on any leftover container process, state dir, mount or cgroup.
// A container killed at the very end of the last file may still be dying (a
// zombie waiting for pid 1, a cgroup being removed): what is left is looked
// at again for up to 5 s before it counts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execSync } from 'node:child_process';
import { PREFIX, procState } from './lib/harness.mjs';

/** What a state dir holds, for the report: its entries and the start of its state.json. */
function describeStateDir(dir) {
  const parts = [];
  for (const e of fs.readdirSync(dir)) {
    let extra = '';
    try {
      if (e === 'state.json') extra = ` ${fs.readFileSync(path.join(dir, e), 'utf8').slice(0, 300)}`;
    } catch { /* gone */ }
    parts.push(`${e}${extra}`);
  }
  return parts.join(', ');
}

function leftovers() {
  const problems = [];
  // Processes (not zombies: those only wait to be reaped) whose cgroup names a test container.
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      const st = procState(p);
      if (cg.includes(PREFIX) && st !== 'Z' && st !== '') {
        const comm = fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim();
        problems.push(`process ${p} (${comm}, ${st}) is still in a test cgroup: ${cg.split('\n').find((l) => l.includes(PREFIX))}`);
      }
    } catch { /* gone */ }
  }
  // State dirs.
  for (const d of fs.readdirSync(os.tmpdir()).filter((x) => x.startsWith(`${PREFIX}-root-`))) {
    const root = path.join(os.tmpdir(), d);
    try {
      for (const id of fs.readdirSync(root)) {
        const st = fs.statSync(path.join(root, id));
        problems.push(`state left in ${root}: ${id} (made ${st.birthtime.toISOString()})${st.isDirectory() ? `: ${describeStateDir(path.join(root, id))}` : ''}`);
      }
    } catch { /* removed meanwhile */ }
  }
  // Mounts.
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(PREFIX)) problems.push(`mount left: ${line}`);
  }
  // cgroups.
  const cgs = execSync(`find /sys/fs/cgroup -maxdepth 6 -type d -name '*${PREFIX}*' 2>/dev/null || true`, { encoding: 'utf8' }).trim();
  if (cgs) problems.push(`cgroups left:\n${cgs}`);
  return problems;
}

let problems = leftovers();
for (let i = 0; i < 50 && problems.length; i++) {
  execSync('sleep 0.1');
  problems = leftovers();
}
if (problems.length) {
  console.error(`leak check: ${problems.length} leftover(s) at ${new Date().toISOString()}\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('leak check: nothing left behind (processes, state dirs, mounts, cgroups)');
