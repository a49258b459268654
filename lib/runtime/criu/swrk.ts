// Driving CRIU as a runtime should: `criu swrk 3` (its RPC service on an
// inherited SOCK_SEQPACKET socket), one request, then notifications (each
// answered) until the final answer. As runc does, minus the Go.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { addon } from '../../addon';
import { RuntimeError } from '../../util/errors';
import { tracer } from '../../util/debug';
import { encodeReq, decodeResp, REQ_TYPE, REQ_TYPE_NAME, type CriuFeatures, type CriuReq, type CriuResp } from './proto';

const trace = tracer('criu');

/** How long CRIU may take for one request before we give up on it. */
const CRIU_TIMEOUT_MS = 10 * 60_000;

/** The criu binary: $PATH, then the sbin dirs (Debian puts it in /usr/sbin). */
export function criuBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, 'criu');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  throw new RuntimeError('criu is not installed (no criu in PATH, /usr/sbin or /sbin): checkpoint and restore need it');
}

/** `criu check`: undefined if it passes, else its last error line. */
export function criuCheckError(bin = criuBinary()): string | undefined {
  const r = spawnSync(bin, ['check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (r.status === 0) return undefined;
  const lines = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? `exit status ${r.status ?? r.signal}`;
}

/** What a notification handler gets: the script name, the pid CRIU names, an fd if one came. */
export interface Notification { script: string; pid: number; fd: number }

export interface SwrkCall {
  req: CriuReq;
  /** criu's stdio: restore gives it ours (pipes are passed on to the restored process by key). */
  stdio: 'ours' | 'none';
  /** More fds for criu, as its fds 4, 5, ... (inherit_fd values name them). */
  extraFds?: number[];
  /** criu has started and waits for the request (restore puts it in the container's cgroup here). */
  onStart?: (criuPid: number) => void;
  onNotify?: (n: Notification) => void;
  /** Where criu writes its log (the work dir or the image dir), for the error message. */
  logFile?: string;
  /** What criu is doing when it takes longer than CRIU_TIMEOUT_MS (the timeout error says so). */
  waitingFor?: string;
}

/** First "Error" lines of a CRIU log, as one line. */
function logErrors(file: string | undefined): string {
  if (!file) return '';
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /Error|error/.test(l));
    if (!lines.length) return '';
    // "(00.012345) Error (criu/mount.c:123): msg" -> "msg"
    const msg = lines.slice(0, 2).map((l) => l.replace(/^\(\s*[\d.]+\)\s*(\d+:\s*)?/, '').replace(/^Error \([^)]*\):\s*/, '').trim());
    return `: ${msg.join('; ')}`;
  } catch {
    return '';
  }
}

/** A cause CRIU logs as info and then fails on its aftermath (its error message names the aftermath). */
function logCause(file: string | undefined): string {
  if (!file) return '';
  try {
    const m = /Can't connect to server (\S+)/.exec(fs.readFileSync(file, 'utf8'));
    return m ? `: cannot connect to the page server at ${m[1]} (is \`criu page-server\` listening there?)` : '';
  } catch {
    return '';
  }
}

export function criuFailure(what: string, resp: CriuResp | undefined, logFile: string | undefined, bin: string): RuntimeError {
  const errno = resp?.crErrno ? ` (errno ${resp.crErrno})` : '';
  const msg = logCause(logFile) || (resp?.crErrmsg ? `: ${resp.crErrmsg}` : logErrors(logFile));
  // When CRIU cannot work on this host at all, say that rather than the symptom.
  const check = criuCheckError(bin);
  if (check) return new RuntimeError(`${what}: criu check fails on this host (${check}): CRIU cannot checkpoint or restore here`);
  return new RuntimeError(`${what}: criu failed${errno}${msg}${logFile ? ` (log: ${logFile})` : ''}`);
}

/**
 * Runs one request through `criu swrk`; resolves with CRIU's final answer
 * (success or not) once criu has exited. A notification handler that throws
 * aborts the request: CRIU then undoes what it did.
 */
export async function criuSwrk(call: SwrkCall): Promise<CriuResp> {
  const bin = criuBinary();
  const a = addon();
  const [ours, theirs] = a.socketPair('seqpacket');
  // (a pre-dump's criu complains on stderr when we hang up: its log has what matters)
  const stdio: (number | 'ignore')[] = call.stdio === 'ours' ? [0, 1, 2] : ['ignore', 'ignore', 'ignore'];
  const child = spawn(bin, ['swrk', '3'], { stdio: [...stdio, theirs, ...(call.extraFds ?? [])] as never });
  fs.closeSync(theirs); // criu's end: if criu dies, we read EOF
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, sig) => resolve(code ?? sig ?? -1));
    child.on('error', (e) => resolve(e.message));
  });
  let final: CriuResp | undefined;
  let failure: unknown;
  try {
    if (!child.pid) throw new RuntimeError(`cannot run ${bin}: ${String(await exited)}`);
    trace('criu swrk started, pid %d', child.pid);
    call.onStart?.(child.pid);
    a.seqpacketSend(ours, encodeReq(call.req));
    // A monotonic clock: a wall clock stepped forward (NTP, a VM's) must not end the wait.
    const deadline = performance.now() + CRIU_TIMEOUT_MS;
    for (;;) {
      const left = Math.ceil(deadline - performance.now());
      const m = left > 0 ? a.seqpacketRecv(ours, Math.min(left, 2 ** 31 - 1)) : null;
      if (!m) {
        // criu may be blocked for good (a lazy dump waits for its peer in
        // accept()): kill it, or waiting for its exit would hang too. The
        // processes it had seized are let go by the kernel and run on.
        child.kill('SIGKILL');
        throw new RuntimeError(`timed out after ${CRIU_TIMEOUT_MS / 1000}s waiting for criu (${call.waitingFor ?? REQ_TYPE_NAME[call.req.type]})`);
      }
      if (!m.data.length) break; // criu exited without a final answer
      const resp = decodeResp(m.data);
      if (resp.type === REQ_TYPE.NOTIFY && resp.success) {
        const n = { script: resp.notify?.script ?? '', pid: resp.notify?.pid ?? 0, fd: m.fd };
        trace('notify %s pid %d', n.script, n.pid);
        try {
          call.onNotify?.(n);
        } finally {
          if (m.fd >= 0) fs.closeSync(m.fd);
        }
        a.seqpacketSend(ours, encodeReq({ type: REQ_TYPE.NOTIFY, notifySuccess: true }));
        continue;
      }
      if (m.fd >= 0) fs.closeSync(m.fd);
      final = resp;
      break;
    }
  } catch (e) {
    failure = e;
  } finally {
    // Closing our end ends criu's loop (pre-dump's service waits for more otherwise).
    fs.closeSync(ours);
  }
  const status = await exited;
  trace('criu exited: %s', String(status));
  if (failure) throw failure;
  if (!final) throw criuFailure(`criu ${REQ_TYPE_NAME[call.req.type].toLowerCase().replace('_', '-')}`, undefined, call.logFile, bin);
  return final;
}

/** Asks criu (FEATURE_CHECK) whether it and the kernel can do this; criu's answer, false where it says nothing. */
export async function criuHasFeature(feature: keyof CriuFeatures): Promise<boolean> {
  const resp = await criuSwrk({ req: { type: REQ_TYPE.FEATURE_CHECK, features: { [feature]: true } }, stdio: 'none' });
  return !!resp.success && !!resp.features?.[feature];
}

/** criu's version as runc compares it: major * 10000 + minor * 100 + sublevel. */
export async function criuVersion(): Promise<number> {
  const resp = await criuSwrk({ req: { type: REQ_TYPE.VERSION }, stdio: 'none' });
  const v = resp.version;
  if (!resp.success || !v) throw new RuntimeError('criu did not say its version (criu 3.0 or newer is needed)');
  return v.major * 10000 + v.minor * 100 + (v.sublevel ?? 0);
}
