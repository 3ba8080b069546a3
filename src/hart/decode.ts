// Decode once: each instruction slot of a code page is decoded on first execution into a
// u64 record that the hot loop dispatches on, and kept in the decoded-instruction cache
// (DCACHE) until the page is written. Record layout:
//   bits 0-7 op | 8-15 rd (XSINK for x0) | 16-23 rs1 | 24-28 rs2 | 31 compressed | 32-63 imm
// Pages with decoded code never have write-TLB entries, so every store to code takes the
// slow path, which drops the page's decoded form (dropCode): self-modifying code and
// FENCE.I need nothing more.
import { DTAGS, DCACHE, DCACHE_SLOTS, DSLOT_BYTES, XSINK, CTABLE, HARTS_BASE, HART_STRIDE, TLB_W, TLB_TABLE, TLB_INVALID } from "./layout";
import { nHarts, countCodePage } from "./state";
import { expandC } from "./rvc";

export const OP_ILLEGAL: u32 = 1;
export const OP_LUI: u32 = 2;
export const OP_AUIPC: u32 = 3;
export const OP_JAL: u32 = 4;
export const OP_JALR: u32 = 5;
export const OP_BEQ: u32 = 6; // BNE BLT BGE BLTU BGEU follow
export const OP_LB: u32 = 12; // LH LW LD LBU LHU LWU follow
export const OP_SB: u32 = 19; // SH SW SD follow
export const OP_ADDI: u32 = 23;
export const OP_SLTI: u32 = 24;
export const OP_SLTIU: u32 = 25;
export const OP_XORI: u32 = 26;
export const OP_ORI: u32 = 27;
export const OP_ANDI: u32 = 28;
export const OP_SLLI: u32 = 29;
export const OP_SRLI: u32 = 30;
export const OP_SRAI: u32 = 31;
export const OP_ADD: u32 = 32;
export const OP_SUB: u32 = 33;
export const OP_SLL: u32 = 34;
export const OP_SLT: u32 = 35;
export const OP_SLTU: u32 = 36;
export const OP_XOR: u32 = 37;
export const OP_SRL: u32 = 38;
export const OP_SRA: u32 = 39;
export const OP_OR: u32 = 40;
export const OP_AND: u32 = 41;
export const OP_ADDIW: u32 = 42;
export const OP_SLLIW: u32 = 43;
export const OP_SRLIW: u32 = 44;
export const OP_SRAIW: u32 = 45;
export const OP_ADDW: u32 = 46;
export const OP_SUBW: u32 = 47;
export const OP_SLLW: u32 = 48;
export const OP_SRLW: u32 = 49;
export const OP_SRAW: u32 = 50;
export const OP_MUL: u32 = 51;
export const OP_MULDIV: u32 = 52; // imm = funct3
export const OP_MULDIVW: u32 = 53; // imm = funct3
export const OP_FENCE: u32 = 54;
export const OP_AMO: u32 = 55; // imm = instruction
export const OP_SYSTEM: u32 = 56; // imm = instruction
export const OP_CSR: u32 = 57; // imm = instruction
export const OP_FLOAD: u32 = 58; // rd = f-register, rs2 = funct3
export const OP_FSTORE: u32 = 59; // rd = funct3
export const OP_FP: u32 = 60; // imm = instruction
export const OP_FMA: u32 = 61; // imm = instruction
// OP-FP instructions the fast loop runs itself (register fields set; imm = instruction,
// for the general path when they need it): the rest are OP_FP.
export const OP_FMV_X_D: u32 = 62;
export const OP_FMV_X_W: u32 = 63;
export const OP_FMV_D_X: u32 = 64;
export const OP_FMV_W_X: u32 = 65;
export const OP_FSGNJ_D: u32 = 66; // FSGNJN.D, FSGNJX.D follow
export const OP_FSGNJ_S: u32 = 69; // FSGNJN.S, FSGNJX.S follow
export const OP_FADD_D: u32 = 72;
export const OP_FSUB_D: u32 = 73;
export const OP_FMUL_D: u32 = 74;
export const OP_DEBUG: u32 = 75; // a debugger breakpoint sits at this pc (debug.ts)
export const COMPRESSED: u32 = 0x8000_0000;

@inline function rec(op: u32, rd: u32, rs1: u32, rs2: u32, imm: i32): u64 {
  return <u64>(op | (rd << 8) | (rs1 << 16) | (rs2 << 24)) | (<u64><u32>imm << 32);
}
@inline function xd(rd: u32): u32 { return rd == 0 ? XSINK : rd; }

/** Decode a 32-bit instruction (RVC already expanded); `raw` is what an illegal-instruction trap reports. */
export function decode(insn: u32, raw: u32): u64 {
  const rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
  const f3 = (insn >> 12) & 7, f7 = insn >> 25;
  const immI = <i32>insn >> 20;
  const immS = (<i32>(insn & 0xfe00_0000) >> 20) | <i32>((insn >> 7) & 0x1f);
  const illegal = rec(OP_ILLEGAL, 0, 0, 0, <i32>raw);
  switch ((insn >> 2) & 31) {
    case 0x00: return f3 == 7 ? illegal : rec(OP_LB + f3, xd(rd), rs1, 0, immI);
    case 0x01: return f3 == 2 || f3 == 3 ? rec(OP_FLOAD, rd, rs1, f3, immI) : illegal;
    case 0x03: return f3 <= 1 ? rec(OP_FENCE, 0, 0, 0, 0) : illegal;
    case 0x04:
      switch (f3) {
        case 0: return rec(OP_ADDI, xd(rd), rs1, 0, immI);
        case 1: return (insn >> 26) != 0 ? illegal : rec(OP_SLLI, xd(rd), rs1, 0, immI & 63);
        case 2: return rec(OP_SLTI, xd(rd), rs1, 0, immI);
        case 3: return rec(OP_SLTIU, xd(rd), rs1, 0, immI);
        case 4: return rec(OP_XORI, xd(rd), rs1, 0, immI);
        case 5: {
          const top = insn >> 26;
          if (top == 0) return rec(OP_SRLI, xd(rd), rs1, 0, immI & 63);
          if (top == 0x10) return rec(OP_SRAI, xd(rd), rs1, 0, immI & 63);
          return illegal;
        }
        case 6: return rec(OP_ORI, xd(rd), rs1, 0, immI);
        default: return rec(OP_ANDI, xd(rd), rs1, 0, immI);
      }
    case 0x05: return rec(OP_AUIPC, xd(rd), 0, 0, <i32>(insn & 0xffff_f000));
    case 0x06:
      if (f3 == 0) return rec(OP_ADDIW, xd(rd), rs1, 0, immI);
      if (f3 == 1 && f7 == 0) return rec(OP_SLLIW, xd(rd), rs1, 0, immI & 31);
      if (f3 == 5 && f7 == 0) return rec(OP_SRLIW, xd(rd), rs1, 0, immI & 31);
      if (f3 == 5 && f7 == 0x20) return rec(OP_SRAIW, xd(rd), rs1, 0, immI & 31);
      return illegal;
    case 0x08: return f3 > 3 ? illegal : rec(OP_SB + f3, 0, rs1, rs2, immS);
    case 0x09: return f3 == 2 || f3 == 3 ? rec(OP_FSTORE, f3, rs1, rs2, immS) : illegal;
    case 0x0b: return rec(OP_AMO, 0, 0, 0, <i32>insn);
    case 0x0c:
      if (f7 == 0) {
        const ops: u32 = f3 == 0 ? OP_ADD : f3 == 1 ? OP_SLL : f3 == 2 ? OP_SLT : f3 == 3 ? OP_SLTU :
          f3 == 4 ? OP_XOR : f3 == 5 ? OP_SRL : f3 == 6 ? OP_OR : OP_AND;
        return rec(ops, xd(rd), rs1, rs2, 0);
      }
      if (f7 == 1) return rec(f3 == 0 ? OP_MUL : OP_MULDIV, xd(rd), rs1, rs2, <i32>f3);
      if (f7 == 0x20 && f3 == 0) return rec(OP_SUB, xd(rd), rs1, rs2, 0);
      if (f7 == 0x20 && f3 == 5) return rec(OP_SRA, xd(rd), rs1, rs2, 0);
      return illegal;
    case 0x0d: return rec(OP_LUI, xd(rd), 0, 0, <i32>(insn & 0xffff_f000));
    case 0x0e:
      if (f7 == 1 && f3 != 1 && f3 != 2 && f3 != 3) return rec(OP_MULDIVW, xd(rd), rs1, rs2, <i32>f3);
      if (f7 == 0 && f3 == 0) return rec(OP_ADDW, xd(rd), rs1, rs2, 0);
      if (f7 == 0x20 && f3 == 0) return rec(OP_SUBW, xd(rd), rs1, rs2, 0);
      if (f7 == 0 && f3 == 1) return rec(OP_SLLW, xd(rd), rs1, rs2, 0);
      if (f7 == 0 && f3 == 5) return rec(OP_SRLW, xd(rd), rs1, rs2, 0);
      if (f7 == 0x20 && f3 == 5) return rec(OP_SRAW, xd(rd), rs1, rs2, 0);
      return illegal;
    case 0x10: case 0x11: case 0x12: case 0x13: return rec(OP_FMA, 0, 0, 0, <i32>insn);
    case 0x14: return decodeFp(insn, rd, rs1, rs2, f3);
    case 0x18: {
      if (f3 == 2 || f3 == 3) return illegal;
      const imm = (<i32>(insn & 0x8000_0000) >> 19) | <i32>((insn & 0x80) << 4) | <i32>((insn >> 20) & 0x7e0) | <i32>((insn >> 7) & 0x1e);
      return rec(OP_BEQ + (f3 < 4 ? f3 : f3 - 2), 0, rs1, rs2, imm);
    }
    case 0x19: return f3 == 0 ? rec(OP_JALR, xd(rd), rs1, 0, immI) : illegal;
    case 0x1b: {
      const imm = (<i32>(insn & 0x8000_0000) >> 11) | <i32>(insn & 0xff000) | <i32>((insn >> 9) & 0x800) | <i32>((insn >> 20) & 0x7fe);
      return rec(OP_JAL, xd(rd), 0, 0, imm);
    }
    case 0x1c:
      if (f3 == 0) return rec(OP_SYSTEM, 0, 0, 0, <i32>insn);
      if (f3 == 4) return illegal;
      return rec(OP_CSR, xd(rd), rs1, 0, <i32>insn);
  }
  return illegal;
}

/** OP-FP: the moves, sign injections and double add/sub/mul get their own ops. */
function decodeFp(insn: u32, rd: u32, rs1: u32, rs2: u32, f3: u32): u64 {
  const other = rec(OP_FP, 0, 0, 0, <i32>insn);
  switch (insn >> 25) {
    case 0x01: return rec(OP_FADD_D, rd, rs1, rs2, <i32>insn);
    case 0x05: return rec(OP_FSUB_D, rd, rs1, rs2, <i32>insn);
    case 0x09: return rec(OP_FMUL_D, rd, rs1, rs2, <i32>insn);
    case 0x11: return f3 <= 2 ? rec(OP_FSGNJ_D + f3, rd, rs1, rs2, <i32>insn) : other;
    case 0x10: return f3 <= 2 ? rec(OP_FSGNJ_S + f3, rd, rs1, rs2, <i32>insn) : other;
  }
  if (rs2 != 0 || f3 != 0) return other;
  switch (insn >> 25) {
    case 0x71: return rec(OP_FMV_X_D, xd(rd), rs1, 0, <i32>insn);
    case 0x70: return rec(OP_FMV_X_W, xd(rd), rs1, 0, <i32>insn);
    case 0x79: return rec(OP_FMV_D_X, rd, rs1, 0, <i32>insn);
    case 0x78: return rec(OP_FMV_W_X, rd, rs1, 0, <i32>insn);
  }
  return other;
}

/** Decode the 16-bit instruction `c` through the RVC expansion table. */
export function decodeCompressed(c: u32): u64 {
  let insn = load<u32>(CTABLE + (c << 2));
  if (insn == 0) { insn = expandC(c); store<u32>(CTABLE + (c << 2), insn == 0 ? 1 : insn); }
  if (insn <= 1) return rec(OP_ILLEGAL, 0, 0, 0, <i32>c) | COMPRESSED;
  return decode(insn, c) | COMPRESSED;
}

@inline function slotOf(hostPage: u32): u32 { return (hostPage >> 12) & (DCACHE_SLOTS - 1); }

/**
 * The decoded-record array of the code page at `hostPage` (page-aligned), claiming its
 * slot when the page is not cached: the slot is cleared and every write-TLB entry that
 * maps the page is dropped, so that stores to it take the slow path.
 */
export function codePage(hostPage: u32): u32 {
  const slot = slotOf(hostPage);
  const base = DCACHE + slot * DSLOT_BYTES;
  if (load<u32>(DTAGS + (slot << 2)) == hostPage) return base;
  countCodePage();
  memory.fill(base, 0, DSLOT_BYTES);
  store<u32>(DTAGS + (slot << 2), hostPage);
  for (let h = 0; h < nHarts; h++) {
    const tlb = HARTS_BASE + <u32>h * HART_STRIDE + TLB_W;
    for (let e = tlb; e < tlb + TLB_TABLE; e += 16) {
      const vpn = load<u64>(e);
      if (vpn != TLB_INVALID && <u32>((vpn << 12) + load<u64>(e, 8)) == hostPage) store<u64>(e, TLB_INVALID);
    }
  }
  return base;
}

/** A store is about to reach the page at `hostPage`: forget its decoded form. */
@inline export function dropCode(hostPage: u32): void {
  const t = DTAGS + (slotOf(hostPage) << 2);
  if (load<u32>(t) == hostPage) store<u32>(t, 0);
}
