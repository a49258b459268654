import type { Resources } from '../config/types';
import type { Stats } from './stats';

/** One container's cgroup, whatever the cgroup version. */
export interface CgroupManager {
  readonly version: 1 | 2;
  /**
   * Creates the cgroup (idempotent) and applies the resources. Returns, per
   * hierarchy key, the highest directory it had to create.
   */
  create(resources?: Resources): Record<string, string>;
  /** Applies resources to an existing cgroup (update). */
  apply(resources: Resources): void;
  addProcess(pid: number): void;
  /**
   * The dir a new process may be born in (clone3 CLONE_INTO_CGROUP) instead of
   * joining through addProcess: cgroupfs v2 only; undefined: addProcess.
   */
  birthDir(): string | undefined;
  /** The files addProcess() writes a pid to, in order (the native front's exec writes the same); undefined: not plain files (a unit still to start). */
  procsFiles(): string[] | undefined;
  /** Host pids of every process in the cgroup. */
  pids(): number[];
  freeze(): void;
  thaw(): void;
  isFrozen(): boolean;
  /** The file isFrozen() reads and what it looks for (status.ts; the native front reads the same). */
  frozenProbe(): FrozenProbe | undefined;
  /** What destroy() removes: each dir, then the empty parents create() made, nearest first. */
  removal(): { dir: string; parents: string[] }[];
  exists(): boolean;
  /** Signals every process in the cgroup (freezing around SIGKILL, so nothing forks away). */
  killAll(signal: number): void;
  /**
   * Removes the cgroup. With `killAll` every process left in it is killed
   * first (a container without its own pid namespace); otherwise only dying
   * tasks are waited for, and processes that joined from outside are left alone.
   */
  destroy(killAll?: boolean): void;
  /**
   * Bytes charged now: memory, and memory + swap (equal where swap is not
   * accounted). update's memory.checkBeforeUpdate compares new limits with them.
   */
  memoryUsage(): { memory: number; memsw: number };
  /** Usage numbers for `events` and `ps`-like tools. */
  stats(): Stats;
}

/** Frozen when the file's trimmed content equals (eq) or differs from (ne) value; unreadable: not frozen. */
export interface FrozenProbe {
  file: string;
  frozenIf: 'eq' | 'ne';
  value: string;
}

export class CgroupError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'CgroupError';
  }
}
