// Validation of config.json, `exec --process` and `update --resources`
// documents: our JSON schemas (spec/*.schema.json), compiled ahead of time into
// ./validators.js by scripts/build-validators.mjs, then the checks a schema
// cannot express. Failures throw a ConfigError with a one-line message
// "<json path>: <what is wrong>", e.g. "process.user.uid: must be integer".

import type { Process, Resources, Spec } from './types';
import { dropUnsetConfig, dropUnsetResources } from './unset';

/** An invalid document. The message is one line: `<json path>: <problem>`. */
export class ConfigError extends Error {
  constructor(
    /** Where, e.g. `linux.namespaces[3].type`; `config` for the whole document. */
    readonly path: string,
    /** What is wrong, e.g. `duplicate namespace "pid"`. */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ConfigError';
  }
}

// The subset of ajv's ErrorObject the generated code produces (messages: false).
interface AjvError {
  instancePath: string; // JSON pointer into the document
  schemaPath: string;
  keyword: string;
  params: Record<string, any>;
  propertyName?: string;
}
type Validator = ((doc: unknown) => boolean) & { errors?: AjvError[] | null };

// Loaded on first use with a plain require, so tsc leaves the generated file
// alone and commands that never validate don't pay for loading it.
let compiled: { config: Validator; process: Validator; resources: Validator } | undefined;
function validators() {
  return (compiled ??= require('./validators'));
}

/** Deeper than this anywhere (even under unknown keys) is refused. */
const MAX_DEPTH = 64;

/**
 * What the schema can't say about every string and level of the document:
 * no NUL byte (the kernel would see a shorter string than the config says)
 * and no absurd nesting (which would also break JSON.stringify later).
 * Iterative, so depth can't blow the stack.
 */
function checkShape(doc: unknown, root: string): void {
  const stack: [unknown, string, number][] = [[doc, root, 0]];
  while (stack.length) {
    const [v, at, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) throw new ConfigError(at || 'config', 'must not contain a NUL byte');
    } else if (v && typeof v === 'object') {
      if (depth >= MAX_DEPTH) {
        const where = at.length > 80 ? `${at.slice(0, 80)}…` : at;
        throw new ConfigError(where || 'config', `nested more than ${MAX_DEPTH} levels deep`);
      }
      if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${at}[${i}]`, depth + 1]));
      else {
        for (const [k, x] of Object.entries(v)) {
          if (k.includes('\0')) throw new ConfigError(at || 'config', 'a key must not contain a NUL byte');
          stack.push([x, at ? `${at}.${k.slice(0, 60)}` : k.slice(0, 60), depth + 1]);
        }
      }
    }
  }
}

export function validateConfig(doc: unknown): Spec {
  dropUnsetConfig(doc);
  run(validators().config, doc, '');
  checkShape(doc, '');
  const spec = doc as Spec;
  const namespaces = checkNamespaces(spec);
  if (spec.process) checkProcess(spec.process, 'process');
  const linux = spec.linux ?? {};
  if (linux.uidMappings?.length && !namespaces.has('user')) {
    throw new ConfigError('linux.uidMappings', 'user namespace mappings specified, but no user namespace in linux.namespaces');
  }
  if (linux.gidMappings?.length && !namespaces.has('user')) {
    throw new ConfigError('linux.gidMappings', 'user namespace mappings specified, but no user namespace in linux.namespaces');
  }
  if (linux.timeOffsets && !namespaces.has('time')) {
    throw new ConfigError('linux.timeOffsets', 'time namespace offsets specified, but no time namespace in linux.namespaces');
  }
  (linux.resources?.devices ?? []).forEach((d, i) => {
    for (const k of ['major', 'minor'] as const) {
      if (d[k] !== undefined && d[k]! < -1) throw new ConfigError(`linux.resources.devices[${i}].${k}`, 'must be -1 (any) or a device number');
    }
  });
  if (linux.seccomp) checkSeccompErrno(linux.seccomp);
  // Like runc: without a uts namespace this would rename the host.
  for (const key of ['hostname', 'domainname'] as const) {
    if (spec[key] && !namespaces.has('uts')) {
      throw new ConfigError(key, `cannot set ${key} without a uts namespace in linux.namespaces`);
    }
  }
  return spec;
}

export function validateProcess(doc: unknown): Process {
  run(validators().process, doc, 'process');
  checkShape(doc, 'process');
  checkProcess(doc as Process, 'process');
  return doc as Process;
}

export function validateResources(doc: unknown): Resources {
  dropUnsetResources(doc);
  run(validators().resources, doc, 'resources');
  checkShape(doc, 'resources');
  return doc as Resources;
}

// ---------------------------------------------------------- semantic checks

/** Namespace types must be unique; returns the set of types. */
function checkNamespaces(spec: Spec): Set<string> {
  const seen = new Set<string>();
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    if (seen.has(ns.type)) throw new ConfigError(`linux.namespaces[${i}].type`, `duplicate namespace ${show(ns.type)}`);
    seen.add(ns.type);
  });
  return seen;
}

/**
 * config-linux.md: an errno for an action that has none (only ERRNO and
 * TRACE return one) "MUST print and error and fail" (as crun).
 */
function checkSeccompErrno(sc: NonNullable<Spec['linux']>['seccomp']): void {
  const takesErrno = (a: string) => a === 'SCMP_ACT_ERRNO' || a === 'SCMP_ACT_TRACE';
  if (sc?.defaultErrnoRet !== undefined && !takesErrno(sc.defaultAction)) {
    throw new ConfigError('linux.seccomp.defaultErrnoRet', `is set, but defaultAction ${sc.defaultAction} returns no errno`);
  }
  (sc?.syscalls ?? []).forEach((r, i) => {
    if (r.errnoRet !== undefined && !takesErrno(r.action)) {
      throw new ConfigError(`linux.seccomp.syscalls[${i}].errnoRet`, `is set, but action ${r.action} returns no errno`);
    }
  });
}

/** Spec: duplicated rlimit types MUST be an error. */
// As runc: ids the kernel would take for "unchanged" ((uid_t)-1) or that
// overflow a signed int are refused.
const MAX_ID = 2147483647;

function checkProcess(p: Process, at: string): void {
  if (p.user) {
    if (p.user.uid > MAX_ID) throw new ConfigError(`${at}.user.uid`, `must be between 0 and ${MAX_ID}`);
    if (p.user.gid > MAX_ID) throw new ConfigError(`${at}.user.gid`, `must be between 0 and ${MAX_ID}`);
    (p.user.additionalGids ?? []).forEach((g, i) => {
      if (g > MAX_ID) throw new ConfigError(`${at}.user.additionalGids[${i}]`, `must be between 0 and ${MAX_ID}`);
    });
  }
  const seen = new Set<string>();
  (p.rlimits ?? []).forEach((r, i) => {
    if (seen.has(r.type)) throw new ConfigError(`${at}.rlimits[${i}].type`, `duplicate rlimit ${show(r.type)}`);
    seen.add(r.type);
  });
}

// ------------------------------------------------------------ schema errors

/** Run a generated validator; throw a ConfigError for its most relevant error. */
function run(validate: Validator, doc: unknown, root: string): void {
  let ok: boolean;
  try {
    ok = validate(doc);
  } catch (err) {
    // Not reachable with JSON.parse output; a guard for odd inputs (getters, cycles).
    throw new ConfigError(root || 'config', `cannot be validated (${err instanceof RangeError ? 'nested too deeply' : 'bad value'})`);
  }
  if (ok) return;
  const errors = validate.errors ?? [];
  const e = pick(errors);
  if (!e) throw new ConfigError(root || 'config', 'is invalid');
  const [where, value] = locate(doc, e.instancePath, root);
  throw describe(e, errors, where, value);
}

// Keywords whose errors only summarise errors of their sub-schemas.
const COMPOSITE = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not', 'propertyNames']);

/**
 * The error to report: a propertyNames error (it names the key), else an
 * anyOf whose branches all failed on `required` (reported as one), else the
 * leaf error deepest in the document (first one on ties).
 */
function pick(errors: AjvError[]): AjvError | undefined {
  const names = errors.find((e) => e.keyword === 'propertyNames');
  if (names) return names;
  const anyOf = errors.find(
    (e) => e.keyword === 'anyOf' && branchErrors(errors, e).every((b) => b.keyword === 'required'),
  );
  if (anyOf) return anyOf;
  let best: AjvError | undefined;
  let bestDepth = -1;
  for (const e of errors) {
    if (COMPOSITE.has(e.keyword) || e.propertyName !== undefined) continue;
    const depth = e.instancePath.split('/').length + (e.keyword === 'required' ? 1 : 0);
    if (depth > bestDepth) [best, bestDepth] = [e, depth];
  }
  return best ?? errors[0];
}

function branchErrors(errors: AjvError[], parent: AjvError): AjvError[] {
  return errors.filter((e) => e !== parent && e.schemaPath.startsWith(parent.schemaPath + '/'));
}

// Friendlier wording for some patterns of the schemas.
const PATTERN_TEXT: Record<string, string> = {
  '^/': 'must be an absolute path',
  '^CAP_[A-Z_]+$': 'must be a capability name like CAP_KILL',
  '^RLIMIT_[A-Z]+$': 'must match ^RLIMIT_[A-Z]+$',
};

function describe(e: AjvError, errors: AjvError[], where: string, value: unknown): ConfigError {
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return new ConfigError(join(where, p.missingProperty), 'is required');
    case 'dependencies':
      return new ConfigError(join(where, p.property), `requires ${p.missingProperty} to be set`);
    case 'additionalProperties': // unused so far: the spec says unknown properties MUST be ignored
      return new ConfigError(where, `unknown property ${show(p.additionalProperty)}`);
    case 'propertyNames':
      return new ConfigError(where, p.propertyName === '' ? 'keys must not be empty' : `invalid key ${show(p.propertyName)}`);
    case 'anyOf': {
      const names = branchErrors(errors, e).map((b) => b.params.missingProperty);
      return new ConfigError(where, `must have at least one of ${names.join(', ')}`);
    }
    case 'type':
      return new ConfigError(where, `must be ${p.type}`);
    case 'enum':
      return new ConfigError(where, `must be one of ${list(p.allowedValues)} (got ${show(value)})`);
    case 'pattern':
      if (where === 'ociVersion') return new ConfigError(where, `must be a supported version 1.0.x to 1.3.x (got ${show(value)})`);
      return new ConfigError(where, `${PATTERN_TEXT[p.pattern] ?? `must match ${p.pattern}`} (got ${show(value)})`);
    case 'minItems':
      return new ConfigError(where, p.limit === 1 ? 'must be a non-empty array' : `must have at least ${p.limit} items`);
    case 'minLength':
      return new ConfigError(where, p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters`);
    case 'minimum':
    case 'maximum':
      return new ConfigError(where, `must be ${p.comparison} ${p.limit} (got ${show(value)})`);
    default:
      return new ConfigError(where, `is invalid (${e.keyword})`);
  }
}

// ------------------------------------------------------------- formatting

const MAX_ECHO = 60;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Turn ajv's instancePath (a JSON pointer) into `mounts[2].destination` and
 * fetch the value found there. The document is walked so that a numeric key
 * of an object (`annotations["0"]`) is not mistaken for an array index.
 */
function locate(doc: unknown, pointer: string, root: string): [string, unknown] {
  let path = root;
  let cur: any = doc;
  if (pointer !== '') {
    for (const raw of pointer.slice(1).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      path = Array.isArray(cur) ? `${path}[${seg}]` : join(path, seg);
      cur = cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
    }
  }
  return [path || 'config', cur];
}

/** Append a property name: `.name`, or `["odd.name"]` when it isn't an identifier. */
function join(path: string, key: string): string {
  if (path === 'config') path = '';
  if (IDENTIFIER.test(key) && key.length <= MAX_ECHO) return path ? `${path}.${key}` : key;
  return `${path}[${show(key)}]`;
}

/** A short, single-line rendering of a value from the document. */
function show(v: unknown): string {
  if (typeof v === 'string') {
    return v.length > MAX_ECHO ? JSON.stringify(v.slice(0, MAX_ECHO)).slice(0, -1) + '..."' : JSON.stringify(v);
  }
  if (Array.isArray(v)) return 'an array';
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

function list(values: unknown[]): string {
  const shown = values.slice(0, 12).map(String).join(', ');
  return values.length > 12 ? `${shown}, ...` : shown;
}
