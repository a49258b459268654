// Phase tracing: DEBUG=ocirun:* (the debug package) or --debug. The debug
// package is only loaded when asked for, to keep start-up lean.
import { logDebug } from './log';

type Tracer = (fmt: string, ...args: unknown[]) => void;

const t0 = process.hrtime.bigint();
let enabled: boolean | undefined;

function ms(): string {
  return (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2);
}

export function tracer(ns: string): Tracer {
  let d: Tracer | undefined;
  return (fmt, ...args) => {
    enabled ??= !!process.env.DEBUG && /ocirun/.test(process.env.DEBUG);
    if (enabled) {
      d ??= (require('debug') as typeof import('debug'))(`ocirun:${ns}`);
      d(`+${ms()}ms ${fmt}`, ...args);
    }
    logDebug(`[${ns}] +${ms()}ms ${fmt} ${args.map((a) => JSON.stringify(a)).join(' ')}`.trimEnd());
  };
}
