// Logging as runc does it: errors and warnings to stderr, and to --log FILE
// as text or as JSON lines {"level","msg","time"} (--log-format json), which
// podman and containerd read to show the cause to users.
import * as fs from 'node:fs';

type Level = 'debug' | 'info' | 'warning' | 'error';

let logFile: string | undefined;
let jsonFormat = false;
let debugOn = false;

export function configureLog(opts: { log?: string; logFormat?: string; debug?: boolean }): void {
  logFile = opts.log || undefined;
  jsonFormat = opts.logFormat === 'json';
  debugOn = !!opts.debug;
}

/** runc's (logrus') text line: time="…" level=… msg="…", which scripts grep. */
function textLine(level: Level, msg: string): string {
  return `time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function toFile(level: Level, msg: string): void {
  if (!logFile) return;
  const line = jsonFormat ? JSON.stringify({ level, msg, time: new Date().toISOString() }) + '\n' : textLine(level, msg);
  try {
    fs.appendFileSync(logFile, line);
  } catch { /* the log is best effort; stderr still has it */ }
}

/** One line: the message, on stderr and in the log. */
/** Messages can quote config values: keep every line readable (and small). */
const MAX_LINE = 2000;
const cap = (m: string) => (m.length > MAX_LINE ? `${m.slice(0, MAX_LINE)}… (${m.length - MAX_LINE} more characters)` : m);

export function logError(msg: string): void {
  const one = cap(msg.replace(/\s*\n\s*/g, ' '));
  toFile('error', one);
  // With a JSON log the engine reads the file; stderr stays plain for people.
  try {
    fs.writeSync(2, `ocirun: ${one}\n`);
  } catch { /* stderr closed */ }
}

export function logWarn(msg: string): void {
  msg = cap(msg.replace(/\s*\n\s*/g, ' '));
  toFile('warning', msg);
  if (!logFile) {
    try {
      fs.writeSync(2, textLine('warning', msg));
    } catch { /* ignore */ }
  }
}

export function debugEnabled(): boolean {
  return debugOn;
}

/** --debug: to the log, or to stderr when there is no --log (as runc). */
export function logDebug(msg: string): void {
  if (!debugOn) return;
  if (logFile) return toFile('debug', msg);
  try {
    fs.writeSync(2, textLine('debug', msg));
  } catch { /* stderr closed */ }
}
