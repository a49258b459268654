// The systemd cgroup driver (--systemd-cgroup), cgroup v2: the container's
// cgroup is a transient scope unit that systemd creates, with the init's pid
// in it, over D-Bus (addon/systemd.cc, sd-bus); what systemd cannot express
// goes to the scope's own files through the cgroupfs driver, as runc does.
// Everything that only reads or writes cgroup files (pids, freeze, stats,
// kill, exec's join) is the cgroupfs driver's work on the scope's dir: only
// create, update and delete talk to systemd.
import type { Resources } from '../config/types';
import type { CgroupManager, FrozenProbe } from './types';
import { CgroupError } from './types';
import { CgroupV2 } from './v2';
import { resourceProps } from './systemd-props';
import type { SdProp } from '../addon';
import type { Stats } from './stats';
import { sleepMs } from './util';
import { testPoint } from '../util/testpoint';
import { tracer } from '../util/debug';

const trace = tracer('systemd');

/** What the state records about the unit (CgroupLocation.systemd). */
export interface SystemdLocation {
  unit: string;
  /** Slice= of a scope; Wants= of a slice */
  slice: string;
  /** the D-Bus address of the bus systemd is on */
  bus: string;
  /** the cgroupsPath's name (the unit's Description) */
  name: string;
  /** org.systemd.property.* annotations, as unit properties (set when the unit is started, as runc) */
  extra?: SdProp[];
}

export const SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';

/** The system bus, as sd-bus finds it: $DBUS_SYSTEM_BUS_ADDRESS or the standard socket. */
export function systemBus(): string {
  return process.env.DBUS_SYSTEM_BUS_ADDRESS || SYSTEM_BUS;
}

const TIMEOUT_MS = 30000; // runc's too

/** A path as a D-Bus address value: bytes outside [-0-9A-Za-z_/.\\*] as %XX. */
function escapeAddressValue(v: string): string {
  return [...Buffer.from(v)].map((b) => (/[-0-9A-Za-z_/.\\*]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

/**
 * The user bus, where a user's own systemd is (runc's rootless rule):
 * $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus if it exists.
 */
export function userBus(): string {
  const env = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (env) return env;
  const xdg = process.env.XDG_RUNTIME_DIR;
  const fs = require('node:fs') as typeof import('node:fs');
  if (xdg && fs.existsSync(`${xdg}/bus`)) return `unix:path=${escapeAddressValue(`${xdg}/bus`)}`;
  throw new CgroupError(`--systemd-cgroup as a non-root user needs the user's systemd on the user bus: $DBUS_SESSION_BUS_ADDRESS is not set and there is no ${xdg ? `${xdg}/bus` : '$XDG_RUNTIME_DIR/bus ($XDG_RUNTIME_DIR is not set)'} (is user@${process.getuid!()}.service running, with dbus-user-session?)`);
}

/**
 * The cgroup of the systemd instance on that bus (its Manager's
 * ControlGroup): a user's slices and scopes are under it, e.g.
 * "/user.slice/user-1000.slice/user@1000.service".
 */
export function managerCgroup(bus: string): string {
  const { addon } = require('../addon') as typeof import('../addon');
  try {
    return addon().sdManagerProperty(bus, 'ControlGroup', TIMEOUT_MS);
  } catch (e) {
    const err = e as DbusError;
    if (err.dbusName === 'connect') {
      throw new CgroupError(`systemd cgroup driver: cannot reach the user's systemd on the bus ${bus}: ${err.message.replace(/^connect: /, '')} (is user@${process.getuid!()}.service running?)`);
    }
    throw new CgroupError(`systemd cgroup driver: asking the user's systemd on ${bus} for its cgroup: ${err.message}`);
  }
}

interface DbusError extends Error {
  dbusName?: string;
}

export class CgroupSystemd implements CgroupManager {
  readonly version = 2 as const;
  private readonly files: CgroupV2;
  /** Set by create(): the unit is started by the first addProcess, with these resources. */
  private pending: Resources | undefined;
  /** Whether destroy() may stop the unit: not when create() found another's unit of that name. */
  private mayStop = true;

  constructor(private readonly dir: string, private readonly sd: SystemdLocation) {
    this.files = new CgroupV2(dir);
  }

  private call<T>(what: string, f: (a: ReturnType<typeof import('../addon').addon>) => T): T {
    const { addon } = require('../addon') as typeof import('../addon');
    try {
      return f(addon());
    } catch (e) {
      const err = e as DbusError;
      if (err.dbusName === 'connect') {
        throw new CgroupError(`systemd cgroup driver: cannot reach systemd on the bus ${this.busName()}: ${err.message.replace(/^connect: /, '')} (is dbus/systemd running?)`);
      }
      const out = new CgroupError(`systemd: ${what} ${this.sd.unit}: ${err.message.replace(/^\w+: /, '')}`) as DbusError;
      out.dbusName = err.dbusName;
      throw out;
    }
  }

  private busName(): string {
    return this.sd.bus.replace(/^unix:path=/, '');
  }

  create(resources?: Resources): Record<string, string> {
    this.mayStop = false; // nothing of ours to stop until the unit is asked for
    // Fail before the clone when there is plainly no bus to talk to.
    const m = /^unix:path=([^,;]+)$/.exec(this.sd.bus);
    if (m) {
      const fs = require('node:fs') as typeof import('node:fs');
      if (!fs.existsSync(m[1])) throw new CgroupError(`systemd cgroup driver: no bus at ${m[1]} (is dbus/systemd running?)`);
    }
    this.pending = resources ?? {};
    return {};
  }

  private unitProps(pid: number, r: Resources): SdProp[] {
    const slice = this.sd.unit.endsWith('.slice');
    const props: SdProp[] = [['Description', 's', `libcontainer container ${this.sd.name}`]];
    if (slice) props.push(['Wants', 'as', [this.sd.slice]]);
    else props.push(['Slice', 's', this.sd.slice], ['Delegate', 'b', true], ['PIDs', 'au', [pid]]);
    props.push(
      ['MemoryAccounting', 'b', true], ['CPUAccounting', 'b', true], ['IOAccounting', 'b', true], ['TasksAccounting', 'b', true],
      ['DefaultDependencies', 'b', false],
      ...(this.sd.extra ?? []),
      ...resourceProps(r),
    );
    return props;
  }

  addProcess(pid: number): void {
    const r = this.pending;
    if (r === undefined) {
      this.files.addProcess(pid);
      return;
    }
    this.pending = undefined;
    let result: string;
    try {
      result = this.call('start', (a) => a.sdStartUnit(this.sd.bus, this.sd.unit, TIMEOUT_MS, this.unitProps(pid, r)));
    } catch (e) {
      // UnitExists: someone else's unit, left alone; anything else: ours may be half made.
      if ((e as DbusError).dbusName !== 'org.freedesktop.systemd1.UnitExists') this.mayStop = true;
      throw e;
    }
    this.mayStop = true;
    trace('unit %s started: %s', this.sd.unit, result);
    if (result !== 'done') throw new CgroupError(`systemd: starting unit ${this.sd.unit}: job ${result === 'timeout' ? `not finished after ${TIMEOUT_MS / 1000} s` : `result "${result}"`}`);
    testPoint('create:unit-started');
    // A slice holds no processes through systemd: put the init in by hand.
    if (this.sd.unit.endsWith('.slice')) this.files.addProcess(pid);
    // The controllers systemd leaves alone (hugetlb, rdma, misc) switched on
    // above the scope, and every value written to its files, as runc does.
    this.files.create(r);
  }

  /** systemd moves the init into the scope it starts (addProcess). */
  birthDir(): undefined {
    return undefined;
  }

  procsFiles(): string[] | undefined {
    return this.pending === undefined ? this.files.procsFiles() : undefined;
  }

  apply(r: Resources): void {
    const props = resourceProps(r);
    if (props.length) this.call('update', (a) => a.sdSetProperties(this.sd.bus, this.sd.unit, TIMEOUT_MS, props));
    this.files.apply(r);
  }

  pids(): number[] {
    return this.files.pids();
  }

  freeze(): void {
    this.files.freeze();
  }

  thaw(): void {
    this.files.thaw();
  }

  isFrozen(): boolean {
    return this.files.isFrozen();
  }

  frozenProbe(): FrozenProbe {
    return this.files.frozenProbe();
  }

  /** systemd removes the dir when it stops the unit; the native front leaves systemd containers' delete to the CLI. */
  removal(): { dir: string; parents: string[] }[] {
    return [{ dir: this.dir, parents: [] }];
  }

  exists(): boolean {
    return this.files.exists();
  }

  killAll(signal: number): void {
    this.files.killAll(signal);
  }

  memoryUsage(): { memory: number; memsw: number } {
    return this.files.memoryUsage();
  }

  stats(): Stats {
    return this.files.stats();
  }

  destroy(killAll = true): void {
    if (!this.mayStop) return; // create() made nothing (or found another's unit): nothing to undo
    if (killAll && this.exists()) {
      this.files.killAll(9);
      for (let i = 0; i < 500 && this.pids().length; i++) sleepMs(2);
    }
    const result = this.call('stop', (a) => a.sdStopUnit(this.sd.bus, this.sd.unit, TIMEOUT_MS));
    trace('unit %s stopped: %s', this.sd.unit, result);
    if (result === 'timeout') throw new CgroupError(`systemd: stop ${this.sd.unit}: job not finished after ${TIMEOUT_MS / 1000} s`);
    // Whatever systemd left (it removes the scope's cgroup, sub-cgroups included).
    this.files.destroy(killAll);
  }
}
