// --help and usage text, rendered by yargs from the command table. Loaded
// only when help is asked for or the command line is wrong.
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { COMMANDS, GLOBAL_OPTIONS, type OptSpec } from './commands';

function addOptions(y: Argv, opts: OptSpec[], global = false): Argv {
  for (const o of opts) {
    y = y.option(o.name, {
      alias: o.alias, type: o.type === 'array' ? 'string' : o.type, array: o.type === 'array' || undefined,
      default: o.default, describe: o.describe, choices: o.choices, hidden: o.hidden, global,
    });
  }
  return y;
}

function build(): Argv {
  let y = yargs([])
    .scriptName('ocirun')
    .usage('ocirun [global options] <command> [options] <container-id>\n\nA low-level OCI container runtime (drop-in for runc).')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100));
  y = addOptions(y, GLOBAL_OPTIONS, true);
  for (const c of COMMANDS) {
    if (c.hidden) continue;
    const pos = c.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`));
    if (c.rest) pos.push(`[${c.rest}..]`);
    y = y.command([c.name, ...pos].join(' '), c.describe, (cy) => addOptions(cy, c.options));
  }
  return y.option('version', { alias: 'v', type: 'boolean', describe: 'print the version' });
}

/** Full help, or one command's. */
export function helpText(command?: string): Promise<string> {
  const y = build();
  return y.getHelp().then((all) => {
    if (!command) return all;
    return new Promise<string>((resolve) => {
      build().parse([command, '--help'], {}, (_err, _argv, output) => resolve(output));
    });
  });
}
