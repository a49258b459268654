// The state root when no --root is given: /run/ocirun for root, and for a
// rootless caller $XDG_RUNTIME_DIR/ocirun (as runc uses $XDG_RUNTIME_DIR/runc;
// runc's rule: an ordinary user, or "root" in a user namespace whose $USER
// is not root, e.g. under rootless podman).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inUserNs } from '../rootless/detect';
import { RuntimeError } from '../util/errors';

export const ROOT_DEFAULT = '/run/ocirun';

export function honorXdg(): boolean {
  if (process.geteuid!() !== 0) return true;
  if (!inUserNs()) return false;
  return process.env.USER !== 'root';
}

export function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (!honorXdg()) return ROOT_DEFAULT;
  if (!xdg) {
    if (process.geteuid!() === 0) return ROOT_DEFAULT;
    throw new RuntimeError('running as a non-root user: set XDG_RUNTIME_DIR to a directory of your own, or pass --root DIR for the container state');
  }
  if (!path.isAbsolute(xdg)) throw new RuntimeError(`XDG_RUNTIME_DIR "${xdg}" is not an absolute path; set it right or pass --root DIR`);
  let st: fs.Stats;
  try {
    st = fs.statSync(xdg);
  } catch (e) {
    throw new RuntimeError(`XDG_RUNTIME_DIR "${xdg}" is not usable (${(e as NodeJS.ErrnoException).code}); set it right or pass --root DIR`);
  }
  // Someone else's dir (or a shared one like /tmp) must not hold our state.
  if (!st.isDirectory() || st.uid !== process.geteuid!()) {
    throw new RuntimeError(`XDG_RUNTIME_DIR "${xdg}" is not a directory owned by you (uid ${process.geteuid!()}); set it right or pass --root DIR`);
  }
  try {
    fs.accessSync(xdg, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new RuntimeError(`XDG_RUNTIME_DIR "${xdg}" is not writable by you; set it right or pass --root DIR`);
  }
  return path.join(xdg, 'ocirun');
}
