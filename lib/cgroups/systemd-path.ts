// cgroupsPath for the systemd driver, as runc reads it: "slice:prefix:name"
// -> the unit "prefix-name.scope" in "slice" (a name ending in ".slice" is
// itself the unit, a slice), and where systemd puts its cgroup. Pure.
import { CgroupError } from './types';

export interface SystemdUnit {
  /** "prefix-name.scope", or "name.slice" */
  unit: string;
  /** the slice the scope goes in (Slice=), or the parent slice a slice wants */
  slice: string;
  /** the unit's cgroup, relative to the cgroup2 root: "/system.slice/prefix-name.scope" */
  cgroup: string;
  /** the name part ("libcontainer container <name>" is the unit's Description, as runc's) */
  name: string;
}

const FORM = 'expected linux.cgroupsPath of the form "slice:prefix:name" for the systemd cgroup driver';

/**
 * A slice's cgroup: "a-b.slice" -> "/a.slice/a-b.slice" (a dash means
 * nesting), "-.slice" -> "/" (the root slice). Throws on a malformed name.
 */
export function expandSlice(slice: string): string {
  const bad = () => new CgroupError(`linux.cgroupsPath: invalid slice name "${slice}" (want e.g. "system.slice" or "a-b.slice")`);
  if (!slice.endsWith('.slice') || slice.length <= '.slice'.length || slice.includes('/')) throw bad();
  const base = slice.slice(0, -'.slice'.length);
  if (base === '-') return '/';
  let out = '';
  let prefix = '';
  for (const part of base.split('-')) {
    if (!part) throw bad(); // "a--b.slice", "-a.slice"
    out += `/${prefix}${part}.slice`;
    prefix += `${part}-`;
  }
  return out;
}

/**
 * runc's rules: an empty cgroupsPath means "system.slice:runc:<id>"; an
 * empty slice means system.slice (a rootless caller's default is
 * user.slice, in the user's systemd); exactly three ':'-separated parts.
 */
export function systemdUnit(cgroupsPath: string | undefined, id: string, defaultSlice = 'system.slice'): SystemdUnit {
  let slice = '', prefix = 'runc', name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) throw new CgroupError(`${FORM}, got "${cgroupsPath}"`);
    [slice, prefix, name] = parts;
    if (!name) throw new CgroupError(`${FORM} (name is empty), got "${cgroupsPath}"`);
  }
  if (!slice) slice = defaultSlice;
  if (/[/\s\\]/.test(prefix + name)) throw new CgroupError(`${FORM} (no "/", "\\" or blanks in prefix and name), got "${cgroupsPath}"`);
  const parent = expandSlice(slice);
  if (name.endsWith('.slice')) {
    // A slice of its own: systemd places it by its name, whatever the parent.
    return { unit: name, slice, cgroup: expandSlice(name), name };
  }
  const unit = `${prefix}-${name}.scope`;
  if (unit.length > 255) throw new CgroupError(`linux.cgroupsPath: unit name "${unit}" is longer than 255 characters`);
  return { unit, slice, cgroup: `${parent === '/' ? '' : parent}/${unit}`, name };
}
