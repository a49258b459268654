// linux.memoryPolicy (config-linux.md, "Memory policy") -> the arguments of
// set_mempolicy(2), which the container's processes (its init, and every
// exec) call before their program runs (addon/child/init.cc). Pure.
import type { Linux } from '../config/types';
import { PlanError } from './errors';

/** <linux/mempolicy.h> modes. */
export const MEMPOLICY_MODES: Record<string, number> = {
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6,
};

/** Mode flags, or'ed into the mode argument. */
export const MEMPOLICY_FLAGS: Record<string, number> = {
  MPOL_F_STATIC_NODES: 1 << 15, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_NUMA_BALANCING: 1 << 13,
};

/** The kernel's largest node count (MAX_NUMNODES with NODES_SHIFT 10): the mask the addon passes has this many bits. */
export const MAX_NODES = 1024;

export interface MemoryPolicyPlan {
  /** mode | flags */
  mode: number;
  /** node ids of the nodemask (empty: none) */
  nodes: number[];
}

/** "0-3,7" -> [0, 1, 2, 3, 7]; where names the JSON path in errors. */
export function parseNodeList(text: string, where: string): number[] {
  const nodes = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) throw new PlanError(where, `"${text}" is not a list of node numbers and ranges (like "0-3,7")`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new PlanError(where, `range "${part.trim()}" ends before it starts`);
    if (hi >= MAX_NODES) throw new PlanError(where, `node ${hi} is above the kernel's largest (${MAX_NODES - 1})`);
    for (let n = lo; n <= hi; n++) nodes.add(n);
  }
  return [...nodes].sort((a, b) => a - b);
}

export function planMemoryPolicy(l: Linux | undefined): MemoryPolicyPlan | undefined {
  const p = l?.memoryPolicy;
  if (!p) return undefined;
  const mode = MEMPOLICY_MODES[p.mode];
  if (mode === undefined) throw new PlanError('linux.memoryPolicy.mode', `unknown mode "${p.mode}"`);
  let flags = 0;
  for (const [i, f] of (p.flags ?? []).entries()) {
    if (MEMPOLICY_FLAGS[f] === undefined) throw new PlanError(`linux.memoryPolicy.flags[${i}]`, `unknown flag "${f}"`);
    flags |= MEMPOLICY_FLAGS[f];
  }
  const nodes = p.nodes !== undefined && p.nodes.trim() !== '' ? parseNodeList(p.nodes, 'linux.memoryPolicy.nodes') : [];
  // set_mempolicy(2): DEFAULT and LOCAL take no nodes; BIND, INTERLEAVE,
  // WEIGHTED_INTERLEAVE and PREFERRED_MANY need some (PREFERRED without
  // any means local allocation).
  if ((p.mode === 'MPOL_DEFAULT' || p.mode === 'MPOL_LOCAL') && nodes.length) {
    throw new PlanError('linux.memoryPolicy.nodes', `${p.mode} takes no nodes`);
  }
  if (['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY'].includes(p.mode) && !nodes.length) {
    throw new PlanError('linux.memoryPolicy.nodes', `${p.mode} needs at least one node`);
  }
  if ((flags & MEMPOLICY_FLAGS.MPOL_F_STATIC_NODES) && (flags & MEMPOLICY_FLAGS.MPOL_F_RELATIVE_NODES)) {
    throw new PlanError('linux.memoryPolicy.flags', 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  }
  return { mode: mode | flags, nodes };
}
