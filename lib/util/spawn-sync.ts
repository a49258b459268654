// node:child_process's spawnSync, the module loaded on first use: loading it
// costs ~0.45 ms of bun's start (measured in create, JIT off), and create and
// exec need it only for hooks, newuidmap or a mount namespace joined by path.
import type * as childProcess from 'node:child_process';

export const spawnSync: typeof childProcess.spawnSync = ((...args: Parameters<typeof childProcess.spawnSync>) =>
  (require('node:child_process') as typeof childProcess).spawnSync(...args)) as typeof childProcess.spawnSync;
