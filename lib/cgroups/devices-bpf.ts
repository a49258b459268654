// linux.resources.devices -> a BPF_PROG_TYPE_CGROUP_DEVICE program (cgroup
// v2 has no devices.allow/deny files). Pure: returns the instructions; the
// addon loads and attaches them.
//
// The program sees struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// with access_type = (access << 16) | type, type 1 = block, 2 = char,
// access bits 1 = mknod, 2 = read, 4 = write. It returns 1 to allow, 0 to deny.
// Rules are checked last to first: the last matching rule decides (later
// rules override earlier ones, as with the v1 files). No match: allow, like a
// fresh v1 cgroup. An allow rule matches when the requested access is a
// subset of its access; a deny rule when they share a bit.
import type { DeviceCgroup } from '../config/types';

// eBPF opcodes used here (linux/bpf.h, linux/bpf_common.h)
const BPF_LDX_MEM_W = 0x61;    // dst = *(u32 *)(src + off)
const BPF_ALU32_AND_K = 0x54;  // dst &= imm
const BPF_ALU32_RSH_K = 0x74;  // dst >>= imm
const BPF_ALU32_MOV_X = 0xbc;  // dst = src
const BPF_JMP_JNE_K = 0x55;    // if dst != imm goto +off
const BPF_JMP_JEQ_K = 0x15;    // if dst == imm goto +off
const BPF_ALU64_MOV_K = 0xb7;  // dst = imm
const BPF_EXIT = 0x95;

const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6;

type Insn = [code: number, dst: number, src: number, off: number, imm: number];

const ACCESS: Record<string, number> = { m: 1, r: 2, w: 4 };

export function accessBits(access = 'rwm'): number {
  let bits = 0;
  for (const c of access) bits |= ACCESS[c] ?? 0;
  return bits;
}

function ruleBlock(rule: DeviceCgroup): Insn[] {
  // Checks in order; each failing check jumps to the end of this block.
  const checks: ((skip: number) => Insn[])[] = [];
  const type = rule.type ?? 'a';
  if (type === 'b' || type === 'c') checks.push((skip) => [[BPF_JMP_JNE_K, R2, 0, skip, type === 'b' ? 1 : 2]]);
  const bits = accessBits(rule.access);
  if (bits !== 7) {
    checks.push((skip) => rule.allow
      // allow: requested & ~bits must be 0
      ? [[BPF_ALU32_MOV_X, R6, R3, 0, 0], [BPF_ALU32_AND_K, R6, 0, 0, ~bits & 7], [BPF_JMP_JNE_K, R6, 0, skip, 0]]
      // deny: requested & bits must not be 0
      : [[BPF_ALU32_MOV_X, R6, R3, 0, 0], [BPF_ALU32_AND_K, R6, 0, 0, bits], [BPF_JMP_JEQ_K, R6, 0, skip, 0]]);
  }
  if (rule.major !== undefined && rule.major >= 0) checks.push((skip) => [[BPF_JMP_JNE_K, R4, 0, skip, rule.major!]]);
  if (rule.minor !== undefined && rule.minor >= 0) checks.push((skip) => [[BPF_JMP_JNE_K, R5, 0, skip, rule.minor!]]);
  const verdict: Insn[] = [[BPF_ALU64_MOV_K, R0, 0, 0, rule.allow ? 1 : 0], [BPF_EXIT, 0, 0, 0, 0]];
  // Build back to front so each jump knows how far the block's end is.
  let tail: Insn[] = verdict;
  for (let i = checks.length - 1; i >= 0; i--) {
    // Length of this check, then skip = (its own remaining insns) + tail.
    const probe = checks[i](0);
    const out: Insn[] = [];
    probe.forEach((_, j) => {
      const insn = checks[i](tail.length + (probe.length - 1 - j))[j];
      out.push(insn);
    });
    tail = [...out, ...tail];
  }
  return tail;
}

/** The program for `rules`, as struct bpf_insn[] bytes. */
export function deviceFilter(rules: DeviceCgroup[]): Buffer {
  const insns: Insn[] = [
    [BPF_LDX_MEM_W, R2, R1, 0, 0], [BPF_ALU32_AND_K, R2, 0, 0, 0xffff], // type
    [BPF_LDX_MEM_W, R3, R1, 0, 0], [BPF_ALU32_RSH_K, R3, 0, 0, 16],     // access
    [BPF_LDX_MEM_W, R4, R1, 4, 0],                                        // major
    [BPF_LDX_MEM_W, R5, R1, 8, 0],                                        // minor
  ];
  let unconditional = false;
  for (let i = rules.length - 1; i >= 0 && !unconditional; i--) {
    const block = ruleBlock(rules[i]);
    insns.push(...block);
    // A rule that matches everything ends the program: the verifier refuses
    // unreachable instructions after it.
    unconditional = block.length === 2;
  }
  if (!unconditional) insns.push([BPF_ALU64_MOV_K, R0, 0, 0, 1], [BPF_EXIT, 0, 0, 0, 0]);
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, dst, src, off, imm], i) => {
    buf.writeUInt8(code, i * 8);
    buf.writeUInt8((src << 4) | dst, i * 8 + 1);
    buf.writeInt16LE(off, i * 8 + 2);
    buf.writeInt32LE(imm | 0, i * 8 + 4);
  });
  return buf;
}

/** Interprets a program built by deviceFilter (for tests without a v2 kernel). */
export function evalDeviceFilter(prog: Buffer, type: 'b' | 'c', major: number, minor: number, access: string): boolean {
  const r = new Array<number>(11).fill(0);
  const ctx = [(accessBits(access) << 16) | (type === 'b' ? 1 : 2), major, minor];
  for (let pc = 0; pc < prog.length / 8; pc++) {
    const code = prog.readUInt8(pc * 8), regs = prog.readUInt8(pc * 8 + 1);
    const dst = regs & 0xf, src = regs >> 4, off = prog.readInt16LE(pc * 8 + 2), imm = prog.readInt32LE(pc * 8 + 4);
    switch (code) {
      case BPF_LDX_MEM_W: r[dst] = ctx[off / 4] >>> 0; break;
      case BPF_ALU32_AND_K: r[dst] = (r[dst] & imm) >>> 0; break;
      case BPF_ALU32_RSH_K: r[dst] = r[dst] >>> imm; break;
      case BPF_ALU32_MOV_X: r[dst] = r[src]; break;
      case BPF_JMP_JNE_K: if (r[dst] !== (imm >>> 0)) pc += off; break;
      case BPF_JMP_JEQ_K: if (r[dst] === (imm >>> 0)) pc += off; break;
      case BPF_ALU64_MOV_K: r[dst] = imm; break;
      case BPF_EXIT: return r[R0] === 1;
      default: throw new Error(`unknown opcode ${code}`);
    }
  }
  throw new Error('program fell off its end');
}
