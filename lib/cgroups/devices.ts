import type { DeviceCgroup, Resources } from '../config/types';

/**
 * Devices every container may use on top of its config, as runc's specconv
 * adds them: mknod of anything, the standard nodes, ptys, /dev/ptmx, tun.
 */
export const DEFAULT_DEVICE_RULES: DeviceCgroup[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  ...[[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9]].map(([major, minor]) => ({ allow: true, type: 'c', major, minor, access: 'rwm' })),
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

/** A rule as the v1 devices.allow / devices.deny files want it: "c 1:3 rwm", or "a". */
export function v1DeviceLine(rule: DeviceCgroup): string {
  const type = rule.type ?? 'a';
  const major = rule.major === undefined || rule.major < 0 ? '*' : rule.major;
  const minor = rule.minor === undefined || rule.minor < 0 ? '*' : rule.minor;
  if (type === 'a' && major === '*' && minor === '*') return 'a';
  return `${type} ${major}:${minor} ${rule.access ?? 'rwm'}`;
}

/** linux.resources.rdma -> rdma.max lines ("mlx4_0 hca_handle=2 hca_object=2000"), same on v1 and v2. */
export function rdmaLines(rdma: Resources['rdma']): string[] {
  return Object.entries(rdma ?? {}).map(([dev, l]) => {
    const parts = [dev];
    if (l.hcaHandles !== undefined) parts.push(`hca_handle=${l.hcaHandles}`);
    if (l.hcaObjects !== undefined) parts.push(`hca_object=${l.hcaObjects}`);
    return parts.join(' ');
  });
}
