// Capability names -> bit masks. Unknown names, or names the running kernel
// lacks, or that the runtime itself can't grant, are warnings and skipped
// (config.md: "MUST be logged as a warning... SHOULD NOT fail").
import type { Capabilities } from '../config/types';

const NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

export const CAP_NUMBER: Record<string, number> = Object.fromEntries(
  NAMES.map((n, i) => [`CAP_${n}`, i]),
);

export const ALL_CAPS = Object.keys(CAP_NUMBER);

export interface CapMasks {
  bounding: bigint; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint;
}

export function capMasks(
  caps: Capabilities,
  capLast: number,
  warn: (msg: string) => void,
  grantable?: bigint,
): CapMasks {
  const mask = (set: keyof Capabilities): bigint => {
    let m = 0n;
    for (const name of caps[set] ?? []) {
      const n = CAP_NUMBER[name];
      if (n === undefined) warn(`process.capabilities.${set}: unknown capability "${name}", skipped`);
      else if (n > capLast) warn(`process.capabilities.${set}: ${name} is not supported by the running kernel, skipped`);
      else if (grantable !== undefined && !((grantable >> BigInt(n)) & 1n)) {
        // config.md: a capability that "cannot be granted otherwise MUST be
        // logged as a warning"; runtimes "SHOULD NOT fail". Not in our own
        // bounding set, no process we start can ever hold it.
        warn(`process.capabilities.${set}: ${name} cannot be granted (the runtime's bounding set lacks it), skipped`);
      }
      else m |= 1n << BigInt(n);
    }
    return m;
  };
  const permitted = mask('permitted'), inheritable = mask('inheritable');
  // The kernel only raises ambient capabilities that are both permitted and
  // inheritable; runc drops the others silently (its default config lists
  // ambient caps without inheritable ones), so do we.
  return {
    bounding: mask('bounding'), effective: mask('effective'), permitted, inheritable,
    ambient: mask('ambient') & permitted & inheritable,
  };
}

export function capNames(mask: bigint): string[] {
  return ALL_CAPS.filter((name) => (mask >> BigInt(CAP_NUMBER[name])) & 1n);
}
