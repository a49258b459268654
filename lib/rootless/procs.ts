// A rootless container without a cgroup of its own: its processes are its
// init and the init's descendants (found through /proc/<pid>/task/*/children).
import * as fs from 'node:fs';

export function processTree(init: number): number[] {
  const out: number[] = [];
  const todo = [init];
  const seen = new Set<number>();
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    out.push(pid);
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) todo.push(Number(c));
      } catch { /* gone */ }
    }
  }
  return out.sort((a, b) => a - b);
}
