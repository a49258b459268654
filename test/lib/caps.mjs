// Linux capabilities by name and bit, for what tests write in config.json
// and read back from /proc/<pid>/status. The tests' own table, not
// lib/plan/capabilities.ts: a test must not take the runtime's word for it.
/** Each capability's bit, as linux/capability.h numbers them. */
export const CAP_NUMBER = {
  CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7,
  SETPCAP: 8, LINUX_IMMUTABLE: 9, NET_BIND_SERVICE: 10, NET_BROADCAST: 11, NET_ADMIN: 12, NET_RAW: 13,
  IPC_LOCK: 14, IPC_OWNER: 15, SYS_MODULE: 16, SYS_RAWIO: 17, SYS_CHROOT: 18, SYS_PTRACE: 19,
  SYS_PACCT: 20, SYS_ADMIN: 21, SYS_BOOT: 22, SYS_NICE: 23, SYS_RESOURCE: 24, SYS_TIME: 25,
  SYS_TTY_CONFIG: 26, MKNOD: 27, LEASE: 28, AUDIT_WRITE: 29, AUDIT_CONTROL: 30, SETFCAP: 31,
  MAC_OVERRIDE: 32, MAC_ADMIN: 33, SYSLOG: 34, WAKE_ALARM: 35, BLOCK_SUSPEND: 36, AUDIT_READ: 37,
  PERFMON: 38, BPF: 39, CHECKPOINT_RESTORE: 40,
};

/** The names (without CAP_) in bit order. */
export const CAP_NAMES = Object.keys(CAP_NUMBER).sort((a, b) => CAP_NUMBER[a] - CAP_NUMBER[b]);

/** caps('CHOWN', 'KILL') -> ['CAP_CHOWN', 'CAP_KILL'] */
export const caps = (...names) => names.map((n) => `CAP_${n}`);

/** The /proc/<pid>/status hex mask of a list of capability names (with or without CAP_; unknown ones add no bit). */
export const capMask = (list) => list.map((n) => CAP_NUMBER[n.replace(/^CAP_/, '')])
  .reduce((m, bit) => (bit === undefined ? m : m | (1n << BigInt(bit))), 0n)
  .toString(16).padStart(16, '0');
