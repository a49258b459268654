// `ocirun spec --rootless`: runc's ToRootless (libcontainer/specconv/example.go)
// applied to the default spec: a user namespace mapping the caller's uid and
// gid to 0, no network namespace, /sys as a read-only rbind (a user namespace
// may not mount sysfs without its own network namespace), no uid=/gid= mount
// options (ids the namespace does not map), no resources (no cgroup permission).
import type { Mount, Spec } from './types';

export function toRootless(spec: Spec, uid: number, gid: number): Spec {
  const linux = spec.linux ?? {};
  const namespaces = (linux.namespaces ?? []).filter((n) => n.type !== 'network' && n.type !== 'user');
  namespaces.push({ type: 'user' });
  const mounts: Mount[] = (spec.mounts ?? []).map((m) => {
    if (m.destination.replace(/\/+$/, '') === '/sys') {
      return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    }
    return m.options ? { ...m, options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) } : m;
  });
  const { resources: _resources, ...rest } = linux;
  return {
    ...spec,
    mounts,
    // (runc's key order: the maps first)
    linux: {
      uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
      ...rest,
      namespaces,
    },
  };
}
