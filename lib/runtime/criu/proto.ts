// The few protobuf messages of CRIU's RPC (criu's images/rpc.proto, proto2),
// encoded and decoded by hand: the wire format is varints and
// length-delimited fields, and we use a dozen fields. Field numbers are
// rpc.proto's; names are ours (camelCase). Pure: no I/O.

type Kind = 'int32' | 'uint32' | 'bool' | 'string' | 'enum';
type Field = [number, Kind | Schema, boolean?]; // number, type, repeated
interface Schema { [name: string]: Field }

const EXT_MOUNT: Schema = { key: [1, 'string'], val: [2, 'string'] };
const INHERIT_FD: Schema = { key: [1, 'string'], fd: [2, 'int32'] };
const CGROUP_ROOT: Schema = { ctrl: [1, 'string'], path: [2, 'string'] };
const JOIN_NS: Schema = { ns: [1, 'string'], nsFile: [2, 'string'], extraOpt: [3, 'string'] };
const PAGE_SERVER: Schema = { address: [1, 'string'], port: [2, 'int32'], pid: [3, 'int32'], fd: [4, 'int32'] };
const FEATURES: Schema = { memTrack: [1, 'bool'], lazyPages: [2, 'bool'] };

const OPTS: Schema = {
  imagesDirFd: [1, 'int32'], pid: [2, 'int32'], leaveRunning: [3, 'bool'], extUnixSk: [4, 'bool'],
  tcpEstablished: [5, 'bool'], evasiveDevices: [6, 'bool'], shellJob: [7, 'bool'], fileLocks: [8, 'bool'],
  logLevel: [9, 'int32'], logFile: [10, 'string'], ps: [11, PAGE_SERVER], notifyScripts: [12, 'bool'], root: [13, 'string'],
  parentImg: [14, 'string'], trackMem: [15, 'bool'], autoDedup: [16, 'bool'], workDirFd: [17, 'int32'],
  linkRemap: [18, 'bool'], extMnt: [23, EXT_MOUNT, true], manageCgroups: [24, 'bool'],
  cgRoot: [25, CGROUP_ROOT, true], rstSibling: [26, 'bool'], inheritFd: [27, INHERIT_FD, true],
  manageCgroupsMode: [34, 'enum'], external: [37, 'string', true], emptyNs: [38, 'uint32'],
  joinNs: [39, JOIN_NS, true], freezeCgroup: [44, 'string'], tcpSkipInFlight: [46, 'bool'],
  lazyPages: [48, 'bool'], statusFd: [49, 'int32'], orphanPtsMaster: [50, 'bool'], lsmProfile: [53, 'string'],
  lsmMountContext: [63, 'string'],
};

const REQ: Schema = { type: [1, 'enum'], opts: [2, OPTS], notifySuccess: [3, 'bool'], keepOpen: [4, 'bool'], features: [5, FEATURES] };

const RESP: Schema = {
  type: [1, 'enum'], success: [2, 'bool'], dump: [3, { restored: [1, 'bool'] }], restore: [4, { pid: [1, 'int32'] }],
  notify: [5, { script: [1, 'string'], pid: [2, 'int32'] }], crErrno: [7, 'int32'], features: [8, FEATURES], crErrmsg: [9, 'string'],
  version: [10, { major: [1, 'int32'], minor: [2, 'int32'], gitid: [3, 'string'], sublevel: [4, 'int32'] }],
};

/** criu_req_type */
export const REQ_TYPE = { DUMP: 1, RESTORE: 2, CHECK: 3, PRE_DUMP: 4, NOTIFY: 6, FEATURE_CHECK: 9, VERSION: 10 } as const;
export const REQ_TYPE_NAME: { [n: number]: string } = Object.fromEntries(Object.entries(REQ_TYPE).map(([k, v]) => [v, k]));

/** criu_cg_mode, by runc's --manage-cgroups-mode names ("" = CRIU's default). */
export const CG_MODE: { [name: string]: number } = { ignore: 0, soft: 3, full: 4, strict: 5, '': 6 };

export interface CriuOpts {
  imagesDirFd: number; pid?: number; leaveRunning?: boolean; extUnixSk?: boolean; tcpEstablished?: boolean;
  evasiveDevices?: boolean; shellJob?: boolean; fileLocks?: boolean; logLevel?: number; logFile?: string;
  notifyScripts?: boolean; root?: string; parentImg?: string; trackMem?: boolean; autoDedup?: boolean;
  workDirFd?: number; linkRemap?: boolean; extMnt?: { key: string; val: string }[]; manageCgroups?: boolean;
  cgRoot?: { ctrl?: string; path: string }[]; rstSibling?: boolean; inheritFd?: { key: string; fd: number }[];
  manageCgroupsMode?: number; external?: string[]; emptyNs?: number;
  joinNs?: { ns: string; nsFile: string; extraOpt?: string }[]; freezeCgroup?: string; tcpSkipInFlight?: boolean;
  orphanPtsMaster?: boolean; lsmProfile?: string;
  /** Where the memory pages go (dump) or where a lazy dump serves them from. */
  ps?: { address?: string; port?: number; pid?: number; fd?: number };
  lazyPages?: boolean; statusFd?: number; lsmMountContext?: string;
}

/** criu_features: what a FEATURE_CHECK asks about and CRIU answers. */
export interface CriuFeatures { memTrack?: boolean; lazyPages?: boolean }

export interface CriuReq { type: number; opts?: CriuOpts; notifySuccess?: boolean; keepOpen?: boolean; features?: CriuFeatures }

export interface CriuResp {
  type: number; success: boolean; dump?: { restored?: boolean }; restore?: { pid: number };
  notify?: { script?: string; pid?: number }; crErrno?: number; crErrmsg?: string; features?: CriuFeatures;
  version?: { major: number; minor: number; gitid?: string; sublevel?: number };
}

function varint(out: number[], v: bigint): void {
  // Negative int32s go out as 64-bit two's complement (10 bytes), as protobuf says.
  if (v < 0n) v += 1n << 64n;
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
}

function encodeInto(out: number[], schema: Schema, msg: { [k: string]: unknown }): void {
  for (const [name, [num, kind]] of Object.entries(schema)) {
    const v = msg[name];
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (typeof kind === 'object') {
        const inner: number[] = [];
        encodeInto(inner, kind, item as { [k: string]: unknown });
        varint(out, BigInt((num << 3) | 2));
        varint(out, BigInt(inner.length));
        for (const b of inner) out.push(b);
      } else if (kind === 'string') {
        const bytes = Buffer.from(String(item), 'utf8');
        varint(out, BigInt((num << 3) | 2));
        varint(out, BigInt(bytes.length));
        for (const b of bytes) out.push(b);
      } else {
        varint(out, BigInt(num << 3));
        varint(out, BigInt(kind === 'bool' ? (item ? 1 : 0) : Number(item)));
      }
    }
  }
}

export function encodeReq(req: CriuReq): Buffer {
  const out: number[] = [];
  encodeInto(out, REQ, req as unknown as { [k: string]: unknown });
  return Buffer.from(out);
}

function decodeWith(schema: Schema, buf: Buffer): { [k: string]: unknown } {
  const byNum = new Map<number, [string, Field]>();
  for (const [name, f] of Object.entries(schema)) byNum.set(f[0], [name, f]);
  const msg: { [k: string]: unknown } = {};
  let i = 0;
  const readVarint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('criu: truncated message');
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const num = key >> 3;
    const wire = key & 7;
    let value: bigint | Buffer;
    if (wire === 0) value = readVarint();
    else if (wire === 2) {
      const len = Number(readVarint());
      value = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 5) { value = BigInt(buf.readUInt32LE(i)); i += 4; }
    else if (wire === 1) { value = buf.readBigUInt64LE(i); i += 8; }
    else throw new Error(`criu: unknown wire type ${wire}`);
    const known = byNum.get(num);
    if (!known) continue;
    const [name, [, kind, repeated]] = known;
    let v: unknown;
    if (typeof kind === 'object') v = decodeWith(kind, value as Buffer);
    else if (kind === 'string') v = (value as Buffer).toString('utf8');
    else if (kind === 'bool') v = (value as bigint) !== 0n;
    else v = Number(BigInt.asIntN(32, value as bigint));
    if (repeated) ((msg[name] ??= []) as unknown[]).push(v);
    else msg[name] = v;
  }
  return msg;
}

export function decodeResp(buf: Buffer): CriuResp {
  const r = decodeWith(RESP, buf) as unknown as CriuResp;
  r.success = !!r.success;
  return r;
}

/** For tests: the request as CRIU would read it back. */
export function decodeReq(buf: Buffer): CriuReq {
  return decodeWith(REQ, buf) as unknown as CriuReq;
}
