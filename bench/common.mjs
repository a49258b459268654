// Shared by bench/interleave.mjs and bench/phases-compare.mjs (node or bun).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, statfsSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';

export const REPO = join(dirname(new URL(import.meta.url).pathname), '..');

/** The path of command C on PATH, or ''. */
export const which = (c) => { try { return execFileSync('sh', ['-c', `command -v ${c}`]).toString().trim(); } catch { return ''; } };

/** A v1/v2 hybrid host (cgroup v1 with a v2 mount at /sys/fs/cgroup/unified). */
export const hybrid = statfsSync('/sys/fs/cgroup').type !== 0x63677270 && existsSync('/sys/fs/cgroup/unified');

// crun 1.8 refuses a hybrid host ("cgroups in hybrid mode not supported"):
// this prefix hides the v2 mount in a mount namespace of its own, as
// bench/run.sh does; "$0" is crun's path. Empty elsewhere.
export const CRUN_WRAP = hybrid ? ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs none /sys/fs/cgroup/unified && exec "$0" "$@"'] : [];

/**
 * Two busybox bundles in WORK: b (`true`) and s (a long `sleep` to exec into).
 * SECCOMP=docker in the environment gives both Docker's default seccomp
 * profile (test/data/seccomp-default.json), as podman and Docker do to every
 * container.
 */
export function makeBundles(work) {
  execFileSync('bash', [join(REPO, 'scripts/make-bundle.sh'), join(work, 'b'), '--', 'true'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const cfg = JSON.parse(readFileSync(join(work, 'b/config.json'), 'utf8'));
  cfg.ociVersion = '1.1.0'; // crun 1.8.1 knows 1.1.0 at most; the same here
  cfg.root.path = join(work, 'b/rootfs');
  if (process.env.SECCOMP === 'docker') cfg.linux.seccomp = JSON.parse(readFileSync(join(REPO, 'test/data/seccomp-default.json'), 'utf8'));
  else if (process.env.SECCOMP) throw new Error(`SECCOMP=${process.env.SECCOMP}: only "docker" is known`);
  writeFileSync(join(work, 'b/config.json'), JSON.stringify(cfg));
  mkdirSync(join(work, 's'));
  writeFileSync(join(work, 's/config.json'), JSON.stringify({ ...cfg, process: { ...cfg.process, args: ['sleep', '100000'] } }));
  return { B: join(work, 'b'), S: join(work, 's') };
}
