// Writing a new user namespace's id maps, rootless or not.
//  - real root, or "root" in a user namespace (rootless podman runs us so):
//    CAP_SETUID/CAP_SETGID there, the kernel takes any map into ids we have;
//  - an ordinary user: a single line mapping its own uid (gid) needs nothing,
//    except that gid_map needs setgroups denied first (user_namespaces(7));
//    anything else goes through the setuid helpers newuidmap/newgidmap
//    (Debian's uidmap), which check /etc/subuid and /etc/subgid (as crun does).
import * as fs from 'node:fs';
import { spawnSync } from '../util/spawn-sync';
import type { IDMapping } from '../config/types';
import { RuntimeError } from '../util/errors';

export interface IdMapPlan {
  uid: 'direct' | 'helper' | 'none';
  gid: 'direct' | 'helper' | 'none';
  /** Write "deny" to /proc/<pid>/setgroups before gid_map: the container cannot setgroups. */
  denySetgroups: boolean;
}

const ownOnly = (m: IDMapping[], id: number) => m.length === 1 && m[0].hostID === id && m[0].size === 1;

export function planIdMaps(uidMappings: IDMapping[] | undefined, gidMappings: IDMapping[] | undefined): IdMapPlan {
  const euid = process.geteuid!();
  const egid = process.getegid!();
  const uids = uidMappings ?? [];
  const gids = gidMappings ?? [];
  if (euid === 0) return { uid: uids.length ? 'direct' : 'none', gid: gids.length ? 'direct' : 'none', denySetgroups: false };
  const uid = !uids.length ? 'none' : ownOnly(uids, euid) ? 'direct' : 'helper';
  const gid = !gids.length ? 'none' : ownOnly(gids, egid) ? 'direct' : 'helper';
  return { uid, gid, denySetgroups: gid === 'direct' };
}

function helper(tool: 'newuidmap' | 'newgidmap', pid: number, m: IDMapping[]): void {
  const args = [String(pid), ...m.flatMap((x) => [String(x.containerID), String(x.hostID), String(x.size)])];
  const r = spawnSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new RuntimeError(code === 'ENOENT'
      ? `linux.${tool === 'newuidmap' ? 'uid' : 'gid'}Mappings: mapping more than your own id needs ${tool} (Debian package uidmap), which is not installed`
      : `${tool}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const file = tool === 'newuidmap' ? '/etc/subuid' : '/etc/subgid';
    throw new RuntimeError(`linux.${tool === 'newuidmap' ? 'uid' : 'gid'}Mappings: ${tool} refused the map (${(r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`}); is it within your ${file} ranges?`);
  }
}

const mapText = (m: IDMapping[]) => m.map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');

function write(pid: number, file: string, text: string, what: string): void {
  try {
    fs.writeFileSync(`/proc/${pid}/${file}`, text);
  } catch (e) {
    throw new RuntimeError(`${what}: write /proc/${pid}/${file}: ${(e as Error).message}`);
  }
}

export function writeIdMaps(pid: number, plan: IdMapPlan, uidMappings: IDMapping[] = [], gidMappings: IDMapping[] = []): void {
  if (plan.uid === 'helper') helper('newuidmap', pid, uidMappings);
  else if (plan.uid === 'direct') write(pid, 'uid_map', mapText(uidMappings), 'linux.uidMappings');
  if (plan.denySetgroups) write(pid, 'setgroups', 'deny', 'linux.gidMappings');
  if (plan.gid === 'helper') helper('newgidmap', pid, gidMappings);
  else if (plan.gid === 'direct') write(pid, 'gid_map', mapText(gidMappings), 'linux.gidMappings');
}
