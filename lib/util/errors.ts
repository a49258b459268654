/** An error whose message is for the user as is (one line). */
export class RuntimeError extends Error {
  constructor(msg: string, readonly exitCode = 1) {
    super(msg);
    this.name = 'RuntimeError';
  }
}

/** The text of an errno number, as strerror says it ("no such file or directory"). */
export function errnoText(errno: number): string {
  if (!errno) return '';
  const map = (require('node:util') as typeof import('node:util')).getSystemErrorMap();
  const e = map.get(-errno);
  return e ? e[1] : `errno ${errno}`;
}
