// The terminal side of `run` without --console-socket (as runc): we hold the
// pty master and copy between it and our own stdio until the container exits.
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { addon } from '../addon';

export interface TtyProxy {
  /** Waits until the container's output is drained (EIO on the master after exit). */
  done: Promise<void>;
  stop(): void;
}

export function proxyTty(master: number): TtyProxy {
  const a = addon();
  const stdinTty = tty.isatty(0);
  const input = stdinTty ? new tty.ReadStream(0) : fs.createReadStream('', { fd: 0, autoClose: false });
  if (stdinTty) {
    (input as tty.ReadStream).setRawMode(true);
    a.rawOutput(0);
  }
  const resize = () => {
    if (tty.isatty(1)) a.setWinsize(master, process.stdout.rows, process.stdout.columns);
  };
  resize();
  process.on('SIGWINCH', resize);

  const out = fs.createReadStream('', { fd: master, autoClose: false, highWaterMark: 16384 });
  const toMaster = fs.createWriteStream('', { fd: master, autoClose: false });
  input.on('data', (d: Buffer | string) => toMaster.write(d));
  input.on('error', () => {});
  const done = new Promise<void>((resolve) => {
    out.on('data', (d) => {
      try {
        fs.writeSync(1, d as Buffer);
      } catch { /* our stdout is gone */ }
    });
    // The slave's last holder exited: reads fail with EIO.
    out.on('error', () => resolve());
    out.on('end', () => resolve());
  });
  return {
    done,
    stop() {
      process.off('SIGWINCH', resize);
      if (stdinTty) (input as tty.ReadStream).setRawMode(false);
      input.destroy();
      out.destroy();
      try {
        fs.closeSync(master);
      } catch { /* closed */ }
      // bun keeps a read of our stdin pending after destroy(): the process
      // would then wait for a key press (or EOF) before it exits, long after
      // the container's process did. Nothing is left to do once the proxy
      // stops: leave as soon as the command has finished (exitCode set).
      setImmediate(() => process.exit());
    },
  };
}
