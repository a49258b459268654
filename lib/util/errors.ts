/** An error whose message is for the user as is (one line). */
export class RuntimeError extends Error {
  constructor(msg: string, readonly exitCode = 1) {
    super(msg);
    this.name = 'RuntimeError';
  }
}

// errnos libuv has no text for (Go's wording, which runc users know).
const EXTRA: Record<number, string> = {
  3: 'no such process', 7: 'argument list too long', 8: 'exec format error', 10: 'no child processes',
  18: 'invalid cross-device link', 19: 'no such device', 25: 'inappropriate ioctl for device',
  31: 'too many links', 40: 'too many levels of symbolic links', 95: 'operation not supported',
};

/** The text of an errno number, as strerror says it ("no such file or directory"). */
export function errnoText(errno: number): string {
  if (!errno) return '';
  if (EXTRA[errno]) return EXTRA[errno];
  const map = (require('node:util') as typeof import('node:util')).getSystemErrorMap();
  const e = map.get(-errno);
  return e ? e[1] : `errno ${errno}`;
}
