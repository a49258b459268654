// Linux capability names in bit order (capability.h), for what tests write
// in config.json and read back from /proc/<pid>/status. The tests' own table,
// not lib/plan/capabilities.ts: a test must not take the runtime's word.
export const CAP_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

/** caps('CHOWN', 'KILL') -> ['CAP_CHOWN', 'CAP_KILL'] */
export const caps = (...names) => names.map((n) => `CAP_${n}`);

/** The /proc/<pid>/status hex mask of a list of capability names (with or without CAP_). */
export const capMask = (list) => list.reduce((m, n) => m | (1n << BigInt(CAP_NAMES.indexOf(n.replace(/^CAP_/, '')))), 0n)
  .toString(16).padStart(16, '0');
