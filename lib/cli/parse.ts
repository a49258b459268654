// A small argv parser driven by commands.ts: runc's flag forms (--x v, --x=v,
// -x v), global flags anywhere before a command's trailing arguments, and
// flag parsing that stops at exec's/ps's container arguments.
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptSpec } from './commands';

export class UsageError extends Error {
  constructor(msg: string, readonly command?: string) {
    super(msg);
    this.name = 'UsageError';
  }
}

export interface Parsed {
  kind: 'command' | 'help' | 'version';
  command?: CommandSpec;
  /** camelCase option values and positionals; `_` = [command, ...trailing args] */
  args: { [k: string]: unknown; _: string[] };
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function find(opts: OptSpec[], word: string): OptSpec | undefined {
  if (word.startsWith('--')) return opts.find((o) => o.name === word.slice(2));
  return opts.find((o) => o.alias === word.slice(1));
}

function convert(o: OptSpec, v: string): string | number | boolean {
  if (o.type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${o.name}: "${v}" is not a number`);
    return Number(v);
  }
  if (o.type === 'boolean') {
    if (v !== 'true' && v !== 'false') throw new UsageError(`--${o.name}: "${v}" is not true or false`);
    return v === 'true';
  }
  if (o.choices && !o.choices.includes(v)) throw new UsageError(`--${o.name}: "${v}" must be one of ${o.choices.join(', ')}`);
  return v;
}

export function parse(argv: string[]): Parsed {
  const args: Parsed['args'] = { _: [] };
  for (const o of GLOBAL_OPTIONS) if (o.default !== undefined) args[camel(o.name)] = o.default;
  let cmd: CommandSpec | undefined;
  const positionals: string[] = [];
  let help = false, version = false;

  const setOpt = (o: OptSpec, value: string | undefined, next: () => string | undefined) => {
    const key = camel(o.name);
    if (o.type === 'boolean') {
      args[key] = value === undefined ? true : convert(o, value);
      return;
    }
    const v = value ?? next();
    if (v === undefined) throw new UsageError(`--${o.name} needs a value`, cmd?.name);
    if (o.type === 'array') args[key] = [...((args[key] as string[] | undefined) ?? []), v];
    else args[key] = convert(o, v);
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const restStarted = cmd?.rest && positionals.length >= cmd.positionals.length;
    if (restStarted && a !== '--') {
      args._.push(...argv.slice(i));
      break;
    }
    if (a === '--') {
      // The end of flags (as runc's parser): what follows fills the
      // command's positionals (`delete -- ID`), then exec's/ps's rest.
      if (!cmd) throw new UsageError('a command is required');
      const after = argv.slice(i + 1);
      while (positionals.length < cmd.positionals.length && after.length) positionals.push(after.shift()!);
      if (cmd.rest) args._.push(...after);
      else positionals.push(...after);
      break;
    }
    if (a.length > 1 && a.startsWith('-')) {
      const eq = a.indexOf('=');
      const word = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
      const value = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
      if (word === '--help' || word === '-h') { help = true; continue; }
      if (!cmd && (word === '--version' || word === '-v')) { version = true; continue; }
      const o = (cmd && find(cmd.options, word)) ?? find(GLOBAL_OPTIONS, word);
      if (!o) throw new UsageError(`unknown flag ${word}`, cmd?.name);
      setOpt(o, value, () => argv[++i]);
      continue;
    }
    if (!cmd) {
      cmd = COMMANDS.find((c) => c.name === a || c.aliases?.includes(a));
      if (!cmd) throw new UsageError(`unknown command "${a}"`);
      for (const o of cmd.options) if (o.default !== undefined) args[camel(o.name)] = Array.isArray(o.default) ? [...o.default] : o.default;
      continue;
    }
    positionals.push(a);
  }

  if (help) return { kind: 'help', command: cmd, args };
  if (version && !cmd) return { kind: 'version', args };
  if (!cmd) throw new UsageError('a command is required');
  args._.unshift(cmd.name);
  const required = cmd.positionals.filter((p) => !p.endsWith('?'));
  if (positionals.length < required.length) {
    throw new UsageError(`"${cmd.name}" needs ${required.map((p) => `<${p}>`).join(' ')}`, cmd.name);
  }
  if (positionals.length > cmd.positionals.length) {
    throw new UsageError(`"${cmd.name}": unexpected argument "${positionals[cmd.positionals.length]}"`, cmd.name);
  }
  cmd.positionals.forEach((p, i) => {
    if (positionals[i] !== undefined) args[p.replace('?', '')] = positionals[i];
  });
  return { kind: 'command', command: cmd, args };
}
