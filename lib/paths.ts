// Where ocirun's built files are, and the modules kept out of its bundles,
// whichever way it runs:
//  - on node: tsc's output and the bundle live in dist/ (this file is
//    dist/paths.js, and the bundle's own __dirname is dist/ too);
//  - on bun: dist/ocirun-bun is one executable holding bun, the bundle, and,
//    as modules of their own, --help (with yargs) and the debug package
//    (scripts/bundle.mjs). Its modules live in bun's virtual /$bunfs/root;
//    dist/ is the executable's own dir.
import * as path from 'node:path';

declare const Bun: { main: string } | undefined;
const BUNFS = '/$bunfs/root';

/** Running as dist/ocirun-bun (the bundle compiled into a bun executable)? */
function inBunExecutable(): boolean {
  return typeof Bun !== 'undefined' && Bun.main.startsWith(`${BUNFS}/`);
}

let dist: string | undefined;

/** <repo>/dist */
export function distDir(): string {
  return (dist ??= inBunExecutable() ? path.dirname(process.execPath) : __dirname);
}

/** <repo> (build/Release, node_modules) */
export function repoDir(): string {
  return path.dirname(distDir());
}

// (a computed path: neither esbuild nor bun may resolve these at build time)
const load = (file: string): unknown => require(file);

/** --help and usage text (lib/cli/help.ts, yargs): loaded only when asked for. */
export function loadHelp(): typeof import('./cli/help') {
  return load(inBunExecutable() ? `${BUNFS}/cli/help.js` : path.join(distDir(), 'cli', 'help.js')) as typeof import('./cli/help');
}

/** The debug package (DEBUG=ocirun:*), through lib/util/debug-package.ts. */
export function loadDebug(): typeof import('debug') {
  return load(inBunExecutable() ? `${BUNFS}/util/debug-package.js` : path.join(distDir(), 'util', 'debug-package.js')) as typeof import('debug');
}
