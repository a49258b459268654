// linux.resources -> systemd unit properties, with runc's names and its
// v1-shaped -> v2 translations (runc 1.1 libcontainer/cgroups/systemd v2.go,
// common.go). What systemd cannot express is still written to the scope's
// own files by the cgroupfs driver afterwards (as runc does), so this only
// has to be right, not complete.
import * as fs from 'node:fs';
import type { DeviceCgroup, Resources } from '../config/types';
import type { SdProp } from '../addon';
import { blkioToIoWeight, sharesToWeight, swapMaxV2 } from './v2';
import { DEFAULT_DEVICE_RULES } from './devices';
import { tracer } from '../util/debug';

const trace = tracer('systemd');

/** systemd's "infinity" for a t property. */
export const INFINITY = '18446744073709551615';

const u64 = (v: number): number | string => (v < 0 ? INFINITY : v);

/** "0-3,8" -> the little-endian bitmask AllowedCPUs / AllowedMemoryNodes want. */
export function rangeToBits(list: string): Buffer {
  const bits: number[] = [];
  for (const part of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid cpu/mem list "${list}"`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > 65535) throw new Error(`invalid cpu/mem list "${list}"`);
    for (let i = a; i <= b; i++) bits.push(i);
  }
  const buf = Buffer.alloc(bits.length ? (Math.max(...bits) >> 3) + 1 : 1);
  for (const i of bits) buf[i >> 3] |= 1 << (i & 7);
  return buf;
}

/** CPUQuotaPerSecUSec: quota per second, rounded up to systemd's 1% (10 ms) steps; infinity for no quota. */
function cpuQuota(props: SdProp[], quota: number, period: number): void {
  if (period) props.push(['CPUQuotaPeriodUSec', 't', period]);
  if (!quota && !period) return;
  let perSec: number | string = INFINITY;
  if (quota > 0) {
    let q = Math.floor((quota * 1000000) / (period || 100000));
    if (q % 10000) q = (Math.floor(q / 10000) + 1) * 10000;
    perSec = q;
  }
  props.push(['CPUQuotaPerSecUSec', 't', perSec]);
}

/** The unified map's keys systemd has a property for (runc's unifiedResToSystemdProps). */
function unifiedProps(props: SdProp[], unified: Record<string, string>): void {
  const memory: Record<string, string> = {
    'memory.high': 'MemoryHigh', 'memory.low': 'MemoryLow', 'memory.min': 'MemoryMin', 'memory.max': 'MemoryMax', 'memory.swap.max': 'MemorySwapMax',
  };
  for (const [k, raw] of Object.entries(unified)) {
    const v = raw.trim();
    const num = (s: string) => {
      if (s === 'max') return INFINITY;
      if (!/^\d+$/.test(s)) throw new Error(`linux.resources.unified: "${k}" value "${raw}" is not a number`);
      return s;
    };
    if (memory[k]) props.push([memory[k], 't', num(v)]);
    else if (k === 'pids.max') props.push(['TasksMax', 't', num(v)]);
    else if (k === 'cpu.weight') props.push(['CPUWeight', 't', num(v)]);
    else if (k === 'cpuset.cpus') props.push(['AllowedCPUs', 'ay', rangeToBits(v)]);
    else if (k === 'cpuset.mems') props.push(['AllowedMemoryNodes', 'ay', rangeToBits(v)]);
    else if (k === 'cpu.max') {
      const [q, p] = v.split(/\s+/);
      cpuQuota(props, q === 'max' ? 0 : Number(num(q)), p ? Number(num(p)) : 100000);
    }
  }
}

/** Resource properties for StartTransientUnit and SetUnitProperties. */
export function resourceProps(r: Resources | undefined): SdProp[] {
  const props: SdProp[] = [];
  if (!r) return props;
  if (r.devices) props.push(...deviceProps([...r.devices, ...DEFAULT_DEVICE_RULES]));
  const m = r.memory;
  if (m?.limit) props.push(['MemoryMax', 't', u64(m.limit)]);
  if (m?.reservation) props.push(['MemoryLow', 't', u64(m.reservation)]);
  // spec swap is memory+swap; systemd's MemorySwapMax is swap alone (v2.ts converts it).
  const swap = m ? swapMaxV2(m.limit, m.swap) : undefined;
  if (swap !== undefined) props.push(['MemorySwapMax', 't', swap === 'max' ? INFINITY : Number(swap)]);
  const c = r.cpu;
  if (c?.shares) props.push(['CPUWeight', 't', sharesToWeight(c.shares)]);
  if (c) cpuQuota(props, c.quota ?? 0, c.period ?? 0);
  if (c?.cpus) props.push(['AllowedCPUs', 'ay', rangeToBits(c.cpus)]);
  if (c?.mems) props.push(['AllowedMemoryNodes', 'ay', rangeToBits(c.mems)]);
  const pids = r.pids?.limit;
  if (pids !== undefined && (pids > 0 || pids === -1)) props.push(['TasksMax', 't', u64(pids)]);
  if (r.blockIO?.weight) props.push(['IOWeight', 't', blkioToIoWeight(r.blockIO.weight)]);
  if (r.unified) unifiedProps(props, r.unified);
  return props;
}

type Rule = { type: 'c' | 'b'; major: number; minor: number; access: string };

/**
 * DevicePolicy + DeviceAllow from the device rules, as runc does: systemd
 * only has allow lists, so a deny-by-default list becomes DevicePolicy=strict
 * plus its allows; allow-all becomes DevicePolicy=auto; an allow-by-default
 * list with denies cannot be said (strict and nothing: the cgroupfs driver's
 * BPF program, attached after, is what then decides).
 */
export function deviceProps(rules: DeviceCgroup[]): SdProp[] {
  let allowAll = false;
  let list: Rule[] = [];
  let denies = 0;
  for (const d of rules) {
    const type = d.type ?? 'a';
    const major = d.major ?? -1, minor = d.minor ?? -1;
    const access = d.access ?? 'rwm';
    if (type === 'a') {
      // "a" with numbers is not a real rule (runc ignores the numbers too).
      allowAll = d.allow;
      list = [];
      denies = 0;
      continue;
    }
    if (d.allow) {
      if (allowAll) continue;
      const same = list.find((x) => x.type === type && x.major === major && x.minor === minor);
      if (same) same.access = [...new Set([...same.access, ...access])].join('');
      else list.push({ type: type as Rule['type'], major, minor, access });
    } else if (allowAll) {
      denies++;
    } else {
      for (const x of list) {
        if (x.type === type && (major < 0 || x.major === major) && (minor < 0 || x.minor === minor)) {
          x.access = [...x.access].filter((a) => !access.includes(a)).join('');
        }
      }
      list = list.filter((x) => x.access);
    }
  }
  // An empty DeviceAllow first: systemd adds a list to what the unit has (update), an empty one resets it.
  const reset: SdProp = ['DeviceAllow', 'a(ss)', []];
  if (allowAll) return [['DevicePolicy', 's', denies ? 'strict' : 'auto'], reset];
  const allow: [string, string][] = [];
  for (const x of list) {
    const kind = x.type === 'c' ? 'char' : 'block';
    if (x.major < 0) {
      if (x.minor < 0) allow.push([`${kind}-*`, x.access]);
      continue; // "*:n": systemd has no way to say it
    }
    if (x.minor < 0) {
      const group = deviceGroup(x.type, x.major);
      if (group) allow.push([group, x.access]);
      continue;
    }
    const p = `/dev/${kind}/${x.major}:${x.minor}`;
    // systemd wants the node to exist; runc skips the rule otherwise (the BPF program still has it).
    if (!fs.existsSync(p) && !fs.existsSync(`/sys${p}`)) {
      trace('skipping device %s for systemd: no such device', p); // runc warns; it is harmless
      continue;
    }
    allow.push([p, x.access]);
  }
  return [['DevicePolicy', 's', 'strict'], reset, ['DeviceAllow', 'a(ss)', allow]];
}

/** "char-pts" for (c, 136): the group name /proc/devices gives a major. */
function deviceGroup(type: 'c' | 'b', major: number): string | undefined {
  let text = '';
  try {
    text = fs.readFileSync('/proc/devices', 'utf8');
  } catch {
    return undefined;
  }
  const want = type === 'c' ? 'Character devices:' : 'Block devices:';
  let inSection = false;
  for (const line of text.split('\n')) {
    if (/devices:$/.test(line)) {
      inSection = line === want;
      continue;
    }
    const m = /^\s*(\d+)\s+(\S+)$/.exec(line);
    if (inSection && m && Number(m[1]) === major) return `${type === 'c' ? 'char' : 'block'}-${m[2]}`;
  }
  return undefined;
}

const ANNOTATION = 'org.systemd.property.';

/**
 * runc's `org.systemd.property.<Name>` annotations: extra unit properties,
 * the value in GVariant text form. Understood here: true/false, an integer
 * (int32, or with a type word: "uint64 5", "@t 5", uint32, int64, int32), a
 * 'quoted' or "quoted" string. <Name>Sec with a number becomes <Name>USec in
 * microseconds, as in runc (TimeoutStopSec=uint64 10 -> TimeoutStopUSec).
 */
export function annotationProps(annotations: Record<string, string> | undefined): SdProp[] {
  const props: SdProp[] = [];
  for (const [k, raw] of Object.entries(annotations ?? {})) {
    if (!k.startsWith(ANNOTATION)) continue;
    let name = k.slice(ANNOTATION.length);
    const bad = (why: string) => new Error(`annotations: ${k}="${raw}": ${why}`);
    if (!/^[A-Za-z]{3,}$/.test(name)) throw bad('the property name must be 3 or more ASCII letters');
    const v = raw.trim();
    let prop: SdProp;
    let m: RegExpExecArray | null;
    if (v === 'true' || v === 'false') prop = [name, 'b', v === 'true'];
    else if ((m = /^(?:(uint64|@t|uint32|@u|int64|@x|int32|@i)\s+)?(-?\d+)$/.exec(v))) {
      const sig = { uint64: 't', '@t': 't', uint32: 'u', '@u': 'u', int64: 'x', '@x': 'x', int32: 'i', '@i': 'i' }[m[1] ?? 'int32']!;
      if ((sig === 't' || sig === 'u') && m[2].startsWith('-')) throw bad('negative value for an unsigned type');
      prop = [name, sig, m[2]];
    } else if ((m = /^'([^']*)'$/.exec(v) ?? /^"([^"]*)"$/.exec(v))) prop = [name, 's', m[1]];
    else throw bad('value not understood (want true/false, [uint64|uint32|int64|int32] N, or a quoted string)');
    if (/[a-z]Sec$/.test(name) && prop[1] !== 'b' && prop[1] !== 's') {
      name = `${name.slice(0, -3)}USec`;
      prop = [name, 't', String(BigInt(prop[2] as string) * 1000000n)];
    }
    props.push(prop);
  }
  return props;
}
