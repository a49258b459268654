// The text `state` prints: JSON.stringify(state, null, 2) + "\n", built from
// parts so that the two values that change over a container's life (its
// status, and its pid, 0 once stopped) can be left as holes. `ocirun state`
// fills them here; the native front (addon/front) fills the same parts,
// written to the state dir by front.ts, without starting node.
import type { Record } from './store';

/** A hole for the init's pid (0 when stopped), and one for the status (a JSON string). */
export const PID = Symbol('pid');
export const STATUS = Symbol('status');
export type Part = string | typeof PID | typeof STATUS;

/** The text of those fields, as JSON.stringify(object, null, 2) + "\n" would write it. */
export function stateParts(fields: [string, unknown][]): Part[] {
  const parts: Part[] = ['{'];
  let first = true;
  for (const [k, v] of fields) {
    if (v === undefined) continue; // JSON.stringify leaves these out
    parts.push(`${first ? '' : ','}\n  ${JSON.stringify(k)}: `);
    first = false;
    if (v === PID || v === STATUS) parts.push(v);
    // A nested value, indented one level deeper (strings hold no raw newlines).
    else parts.push(JSON.stringify(v, null, 2).replace(/\n/g, '\n  '));
  }
  parts.push(first ? '}\n' : '\n}\n');
  // Adjacent strings in one: fewer parts to store.
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p;
    else out.push(p);
  }
  return out;
}

/**
 * The State of runtime.md, plus runc's extra fields (rootfs, created, owner),
 * in output order; pid and status are holes, filled per call.
 */
export function stateFields(r: Record): [string, unknown][] {
  const f: [string, unknown][] = [
    ['ociVersion', r.ociVersion], ['id', r.id], ['pid', PID], ['status', STATUS],
    ['bundle', r.bundle], ['rootfs', r.rootfs], ['created', r.created], ['owner', r.owner],
  ];
  if (r.annotations && Object.keys(r.annotations).length) f.push(['annotations', r.annotations]);
  return f;
}

export function renderState(parts: Part[], pid: number, status: string): string {
  return parts.map((p) => (p === PID ? String(pid) : p === STATUS ? JSON.stringify(status) : p)).join('');
}
