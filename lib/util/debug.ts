// Phase tracing: DEBUG=ocirun:* (the debug package) or --debug. The debug
// package is only loaded when asked for, to keep start-up lean.
//
// Every line carries the time since the node process started, in ms
// (process.uptime(): no module to load), so that bench/ can turn a --debug
// run into a per-phase breakdown: "ocirun:<ns> +<ms>ms <what>".
import { logDebug, debugEnabled } from './log';
import { loadDebug } from '../paths';

type Tracer = ((fmt: string, ...args: unknown[]) => void) & {
  /** The same, for an event that happened `atMs` after process start (init's own clock readings). */
  at: (atMs: number, fmt: string, ...args: unknown[]) => void;
};

let envOn: boolean | undefined;

/** Tracing is on (DEBUG=ocirun:* or --debug): callers may skip work that only feeds a trace. */
export function tracing(): boolean {
  envOn ??= !!process.env.DEBUG && /ocirun/.test(process.env.DEBUG);
  return envOn || debugEnabled();
}

/** A CLOCK_MONOTONIC reading (the init's), as ms since this process started; nowNs: that clock now. */
export function monotonicToUptimeMs(monoNs: bigint, nowNs: bigint): number {
  return process.uptime() * 1000 - Number(nowNs - monoNs) / 1e6;
}

export function tracer(ns: string): Tracer {
  let d: ((fmt: string, ...args: unknown[]) => void) | undefined;
  const emit = (atMs: number, fmt: string, args: unknown[]) => {
    if (!tracing()) return;
    const t = atMs.toFixed(2);
    if (envOn) {
      d ??= loadDebug()(`ocirun:${ns}`);
      d(`+${t}ms ${fmt}`, ...args);
    }
    let i = 0;
    const text = fmt.replace(/%[sdj]/g, () => (i < args.length ? String(args[i++]) : ''));
    logDebug(`[${ns}] +${t}ms ${text}`);
  };
  const t = ((fmt: string, ...args: unknown[]) => emit(process.uptime() * 1000, fmt, args)) as Tracer;
  t.at = (atMs, fmt, ...args) => emit(atMs, fmt, args);
  return t;
}
