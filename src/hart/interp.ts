// The hot loop for the running hart (unprivileged spec v20191213, RV64IMAFDC + Zicsr +
// Zifencei): one function, one loop, one dense switch over pre-decoded records (decode.ts).
// Loads and stores hit the software TLB inline; misses, MMIO and page crossings take the
// slow paths in mmu.ts. Interrupts are checked between exec() calls (index.ts), so
// anything that may change them or the translation (traps, CSR writes, xRET, WFI, ECALL
// to the host, MMIO stores) ends the call.
import { ACTIVE, F, PC, PRIV, MSTATUS, FFLAGS, FRM, MIE, RES_ADDR, RES_VAL, WAITING, SBIMODE,
  TLB_R, TLB_W, TLB_X, TLB_MASK, TLB_INVALID, DTAGS, DCACHE, DCACHE_SLOTS, DSLOT_BYTES, SCRATCH_PAGE } from "./layout";
import {
  H, st, setSt, raiseException, xret, csrRead, csrWrite, csrRmwBase, flushTlb, OK, TRAPPED,
  pendingMip, fpuDirty, curHart, setSliceExecuted, exitRequested, countDecode,
  PRV_U, PRV_S, MSTATUS_TW, MSTATUS_TVM, MSTATUS_FS, MSTATUS_SD,
  CAUSE_ILLEGAL, CAUSE_BREAKPOINT, CAUSE_ECALL_U, CAUSE_MISALIGNED_STORE,
} from "./state";
import { loadSlow, storeSlow, fetchHost, atomicHost, tlbTag, flushTlbPage, ACC_FETCH, ACC_READ, ACC_WRITE } from "./mmu";
import {
  decode, decodeCompressed, codePage, OP_LUI, OP_AUIPC, OP_JAL, OP_JALR, OP_BEQ,
  OP_LB, OP_SB, OP_ADDI, OP_SLTI, OP_SLTIU, OP_XORI, OP_ORI, OP_ANDI, OP_SLLI, OP_SRLI, OP_SRAI, OP_ADD,
  OP_SUB, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_SRA, OP_OR, OP_AND, OP_ADDIW, OP_SLLIW, OP_SRLIW,
  OP_SRAIW, OP_ADDW, OP_SUBW, OP_SLLW, OP_SRLW, OP_SRAW, OP_MUL, OP_MULDIV, OP_MULDIVW, OP_FENCE, OP_AMO,
  OP_SYSTEM, OP_CSR, OP_FLOAD, OP_FSTORE, OP_FP, OP_FMA, OP_DEBUG, OP_ILLEGAL, OP_FMV_X_D, OP_FMV_X_W, OP_FMV_D_X,
  OP_FMV_W_X, OP_FSGNJ_D, OP_FSGNJ_S, OP_FADD_D, OP_FSUB_D, OP_FMUL_D,
} from "./decode";
import { breakCount, isBreak, stopAtBreak, debugStop, triggersArmed, execTriggerAt, triggerFires, MC_EXECUTE } from "./debug";
import { execFp, execFma, fpLoadStoreAllowed } from "./fpops";
import { sumError, productError, LOW, HIGH, MUL_LOW, MUL_HIGH, CNAN32 } from "./fpu";

@external("env", "ecall") declare function hostEcall(hart: i32): i32;

@inline function rx(r: u32): u64 { return load<u64>(ACTIVE + (r << 3)); }
@inline function wx(r: u32, v: u64): void { if (r != 0) store<u64>(ACTIVE + (r << 3), v); }
@inline function sx32(v: u64): u64 { return <u64><i64><i32>v; }

@inline function mulhu(a: u64, b: u64): u64 {
  const a0 = a & 0xffff_ffff, a1 = a >> 32, b0 = b & 0xffff_ffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** M extension on 64-bit operands (funct3 selects). */
@inline function mulDiv(f3: u32, a: u64, b: u64): u64 {
  switch (f3) {
    case 0: return a * b;
    case 1: return mulhu(a, b) - (<i64>a < 0 ? b : 0) - (<i64>b < 0 ? a : 0);
    case 2: return mulhu(a, b) - (<i64>a < 0 ? b : 0);
    case 3: return mulhu(a, b);
    case 4:
      if (b == 0) return 0xffff_ffff_ffff_ffff;
      if (a == 0x8000_0000_0000_0000 && b == 0xffff_ffff_ffff_ffff) return a;
      return <u64>(<i64>a / <i64>b);
    case 5: return b == 0 ? 0xffff_ffff_ffff_ffff : a / b;
    case 6:
      if (b == 0) return a;
      if (a == 0x8000_0000_0000_0000 && b == 0xffff_ffff_ffff_ffff) return 0;
      return <u64>(<i64>a % <i64>b);
    default: return b == 0 ? a : a % b;
  }
}

/** M extension, W forms: 32-bit operands, sign-extended result. */
@inline function mulDivW(f3: u32, a64: u64, b64: u64): u64 {
  const a = <i32>a64, b = <i32>b64;
  switch (f3) {
    case 0: return sx32(<u64>(a * b));
    case 4:
      if (b == 0) return 0xffff_ffff_ffff_ffff;
      if (a == i32.MIN_VALUE && b == -1) return sx32(<u64>a);
      return sx32(<u64>(a / b));
    case 5: return b == 0 ? 0xffff_ffff_ffff_ffff : sx32(<u64>(<u32>a / <u32>b));
    case 6:
      if (b == 0) return sx32(<u64>a);
      if (a == i32.MIN_VALUE && b == -1) return 0;
      return sx32(<u64>(a % b));
    default: return b == 0 ? sx32(<u64>a) : sx32(<u64>(<u32>a % <u32>b));
  }
}

/** A/AMO (chapter 8). Returns a trap code (an illegal encoding raises illegal-instruction). */
function execAmo(insn: u32, rd: u32, rs1: u32, rs2: u32, f3: u32): u32 {
  if (f3 != 2 && f3 != 3) return raiseException(CAUSE_ILLEGAL, <u64>insn);
  const isD = f3 == 3;
  const size: i32 = isD ? 8 : 4;
  const f5 = insn >> 27;
  const va = rx(rs1);
  if (f5 == 2) { // LR
    if (rs2 != 0) return raiseException(CAUSE_ILLEGAL, <u64>insn);
    const host = atomicHost(va, size, ACC_READ);
    if (host == 0) return TRAPPED;
    const v = isD ? load<u64>(host) : <u64><i64>load<i32>(host);
    setSt(RES_ADDR, va); setSt(RES_VAL, v);
    wx(rd, v);
    return OK;
  }
  if (f5 == 3) { // SC: succeeds only if the reserved word still holds what LR saw
    const src = rx(rs2);
    if ((va & <u64>(size - 1)) != 0) return raiseException(CAUSE_MISALIGNED_STORE, va);
    if (st(RES_ADDR) != va) { setSt(RES_ADDR, TLB_INVALID); wx(rd, 1); return OK; }
    setSt(RES_ADDR, TLB_INVALID);
    const host = atomicHost(va, size, ACC_WRITE);
    if (host == 0) return TRAPPED;
    const cur = isD ? load<u64>(host) : <u64><i64>load<i32>(host);
    if (cur != st(RES_VAL)) { wx(rd, 1); return OK; }
    if (isD) store<u64>(host, src); else store<u32>(host, <u32>src);
    wx(rd, 0);
    return OK;
  }
  const src = rx(rs2);
  let v: u64 = 0;
  switch (f5) {
    case 0x01: case 0x00: case 0x04: case 0x0c: case 0x08: case 0x10: case 0x14: case 0x18: case 0x1c: break;
    default: return raiseException(CAUSE_ILLEGAL, <u64>insn);
  }
  const host = atomicHost(va, size, ACC_WRITE);
  if (host == 0) return TRAPPED;
  const old = isD ? load<u64>(host) : <u64><i64>load<i32>(host);
  switch (f5) {
    case 0x01: v = src; break;
    case 0x00: v = old + src; break;
    case 0x04: v = old ^ src; break;
    case 0x0c: v = old & src; break;
    case 0x08: v = old | src; break;
    case 0x10: v = isD ? (<i64>old < <i64>src ? old : src) : (<i32>old < <i32>src ? old : src); break;
    case 0x14: v = isD ? (<i64>old > <i64>src ? old : src) : (<i32>old > <i32>src ? old : src); break;
    case 0x18: v = isD ? (old < src ? old : src) : (<u32>old < <u32>src ? old : src); break;
    default: v = isD ? (old > src ? old : src) : (<u32>old > <u32>src ? old : src);
  }
  if (isD) store<u64>(host, v); else store<u32>(host, <u32>v);
  wx(rd, old);
  return OK;
}

// Record fields (see decode.ts). Register fields come out as byte offsets into ACTIVE.
@inline function OPC(d: u64): u32 { return <u32>d & 0xff; }
@inline function RD(d: u64): u32 { return (<u32>d >> 5) & 0x3f8; }
@inline function RS1(d: u64): u32 { return (<u32>d >> 13) & 0xf8; }
@inline function RS2(d: u64): u32 { return (<u32>d >> 21) & 0xf8; }
@inline function IMM(d: u64): u64 { return <u64>(<i64>d >> 32); }
@inline function R(off: u32): u64 { return load<u64>(ACTIVE + off); }
@inline function W(off: u32, v: u64): void { store<u64>(ACTIVE + off, v); }
@inline function FR(off: u32): u64 { return load<u64>(ACTIVE + F + off); }
@inline function FW(off: u32, v: u64): void { store<u64>(ACTIVE + F + off, v); }
const BOX: u64 = 0xffff_ffff_0000_0000;
/** A single's bits from a NaN-boxed register: anything not properly boxed is the canonical NaN. */
@inline function UNBOX(v: u64): u32 { return (v & BOX) == BOX ? <u32>v : CNAN32; }
/** Mark the FPU state dirty (fpuDirty, inline). */
@inline function FPDIRTY(): void { W(MSTATUS, R(MSTATUS) | MSTATUS_FS | MSTATUS_SD); }
/** Whether the rounding mode of OP-FP instruction `insn` is round to nearest, even. */
@inline function rne(insn: u32, frmRne: bool): bool {
  const f3 = (insn >> 12) & 7;
  return f3 == 0 || (f3 == 7 && frmRne);
}

// Why the fast loop stopped. It calls nothing, so that V8 keeps its state in registers;
// whatever needs a call leaves it with the pc and record of the instruction concerned.
const EXIT_BUDGET: u32 = 0;
const EXIT_FETCH: u32 = 1; // code TLB miss
const EXIT_CODEPAGE: u32 = 2; // the code page has no decoded slot
const EXIT_DECODE: u32 = 3; // the instruction slot is not decoded yet
const EXIT_SLOW: u32 = 4; // the instruction needs the general path (slowStep)
let exitCode: u32 = 0;
let exitRecord: u64 = 0;
let exitCodeAdd: u64 = 0;

/** Run straight-line work for at most `budget` instructions; returns how many completed. */
function fastLoop(budget: i32): i32 {
  let pc = st(PC);
  let n = budget;
  let codeVpn: u64 = TLB_INVALID;
  let codeAdd: u64 = 0;
  let dpage: u32 = 0;
  const tlb = H;
  // Privilege and mstatus stay as they are for the whole call (what changes them ends it).
  const xtag = tlbTag(ACC_FETCH), rtag = tlbTag(ACC_READ), wtag = tlbTag(ACC_WRITE);
  const fpOn = (st(MSTATUS) & MSTATUS_FS) != 0, frmRne = st(FRM) == 0;
  let why = EXIT_BUDGET;
  let d: u64 = 0;
  while (n > 0) {
    const vpn = pc >> 12;
    if (vpn != codeVpn) {
      const e = tlb + TLB_X + ((<u32>vpn & TLB_MASK) << 4);
      if (load<u64>(e) != (vpn | xtag)) { why = EXIT_FETCH; break; }
      codeAdd = load<u64>(e, 8);
      const page = <u32>(pc + codeAdd) & ~0xfff;
      const slot = (page >> 12) & (DCACHE_SLOTS - 1);
      if (load<u32>(DTAGS + (slot << 2)) != page) { why = EXIT_CODEPAGE; exitCodeAdd = codeAdd; break; }
      dpage = DCACHE + slot * DSLOT_BYTES;
      codeVpn = vpn;
    }
    d = load<u64>(dpage + ((<u32>pc & 0xffe) << 2));
    // Cases in op order with none missing, so that the switch is one jump table.
    switch (OPC(d)) {
      case 0: why = EXIT_DECODE; exitCodeAdd = codeAdd; break; // not decoded yet
      case OP_ILLEGAL: why = EXIT_SLOW; break;
      case OP_LUI: W(RD(d), IMM(d)); break;
      case OP_AUIPC: W(RD(d), pc + IMM(d)); break;
      case OP_JAL: W(RD(d), pc + 4 - ((d >> 30) & 2)); pc += IMM(d); n--; continue;
      case OP_JALR: {
        const t = (R(RS1(d)) + IMM(d)) & ~<u64>1;
        W(RD(d), pc + 4 - ((d >> 30) & 2));
        pc = t; n--;
        continue;
      }
      case OP_BEQ: if (R(RS1(d)) == R(RS2(d))) { pc += IMM(d); n--; continue; } break;
      case OP_BEQ + 1: if (R(RS1(d)) != R(RS2(d))) { pc += IMM(d); n--; continue; } break;
      case OP_BEQ + 2: if (<i64>R(RS1(d)) < <i64>R(RS2(d))) { pc += IMM(d); n--; continue; } break;
      case OP_BEQ + 3: if (<i64>R(RS1(d)) >= <i64>R(RS2(d))) { pc += IMM(d); n--; continue; } break;
      case OP_BEQ + 4: if (R(RS1(d)) < R(RS2(d))) { pc += IMM(d); n--; continue; } break;
      case OP_BEQ + 5: if (R(RS1(d)) >= R(RS2(d))) { pc += IMM(d); n--; continue; } break;
      case OP_LB: case OP_LB + 1: case OP_LB + 2: case OP_LB + 3: case OP_LB + 4: case OP_LB + 5: case OP_LB + 6: {
        const va = R(RS1(d)) + IMM(d);
        const k = OPC(d) - OP_LB;
        const e = tlb + TLB_R + ((<u32>(va >> 12) & TLB_MASK) << 4);
        if (load<u64>(e) != (va >> 12 | rtag) || (<i32>va & 0xfff) > 0x1000 - (1 << (k & 3))) { why = EXIT_SLOW; break; }
        const a = <u32>(va + load<u64>(e, 8));
        let v: u64;
        switch (k) {
          case 0: v = <u64><i64>load<i8>(a); break;
          case 1: v = <u64><i64>load<i16>(a); break;
          case 2: v = <u64><i64>load<i32>(a); break;
          case 3: v = load<u64>(a); break;
          case 4: v = <u64>load<u8>(a); break;
          case 5: v = <u64>load<u16>(a); break;
          default: v = <u64>load<u32>(a);
        }
        W(RD(d), v);
        break;
      }
      case OP_SB: case OP_SB + 1: case OP_SB + 2: case OP_SB + 3: {
        const va = R(RS1(d)) + IMM(d);
        const k = OPC(d) - OP_SB;
        const e = tlb + TLB_W + ((<u32>(va >> 12) & TLB_MASK) << 4);
        if (load<u64>(e) != (va >> 12 | wtag) || (<i32>va & 0xfff) > 0x1000 - (1 << k)) { why = EXIT_SLOW; break; }
        const a = <u32>(va + load<u64>(e, 8));
        const v = R(RS2(d));
        switch (k) {
          case 0: store<u8>(a, <u8>v); break;
          case 1: store<u16>(a, <u16>v); break;
          case 2: store<u32>(a, <u32>v); break;
          default: store<u64>(a, v);
        }
        break;
      }
      case OP_ADDI: W(RD(d), R(RS1(d)) + IMM(d)); break;
      case OP_SLTI: W(RD(d), <i64>R(RS1(d)) < <i64>IMM(d) ? 1 : 0); break;
      case OP_SLTIU: W(RD(d), R(RS1(d)) < IMM(d) ? 1 : 0); break;
      case OP_XORI: W(RD(d), R(RS1(d)) ^ IMM(d)); break;
      case OP_ORI: W(RD(d), R(RS1(d)) | IMM(d)); break;
      case OP_ANDI: W(RD(d), R(RS1(d)) & IMM(d)); break;
      case OP_SLLI: W(RD(d), R(RS1(d)) << IMM(d)); break;
      case OP_SRLI: W(RD(d), R(RS1(d)) >> IMM(d)); break;
      case OP_SRAI: W(RD(d), <u64>(<i64>R(RS1(d)) >> <i64>IMM(d))); break;
      case OP_ADD: W(RD(d), R(RS1(d)) + R(RS2(d))); break;
      case OP_SUB: W(RD(d), R(RS1(d)) - R(RS2(d))); break;
      case OP_SLL: W(RD(d), R(RS1(d)) << (R(RS2(d)) & 63)); break;
      case OP_SLT: W(RD(d), <i64>R(RS1(d)) < <i64>R(RS2(d)) ? 1 : 0); break;
      case OP_SLTU: W(RD(d), R(RS1(d)) < R(RS2(d)) ? 1 : 0); break;
      case OP_XOR: W(RD(d), R(RS1(d)) ^ R(RS2(d))); break;
      case OP_SRL: W(RD(d), R(RS1(d)) >> (R(RS2(d)) & 63)); break;
      case OP_SRA: W(RD(d), <u64>(<i64>R(RS1(d)) >> <i64>(R(RS2(d)) & 63))); break;
      case OP_OR: W(RD(d), R(RS1(d)) | R(RS2(d))); break;
      case OP_AND: W(RD(d), R(RS1(d)) & R(RS2(d))); break;
      case OP_ADDIW: W(RD(d), sx32(R(RS1(d)) + IMM(d))); break;
      case OP_SLLIW: W(RD(d), sx32(<u64>(<u32>R(RS1(d)) << <u32>IMM(d)))); break;
      case OP_SRLIW: W(RD(d), sx32(<u64>(<u32>R(RS1(d)) >> <u32>IMM(d)))); break;
      case OP_SRAIW: W(RD(d), sx32(<u64>(<i32>R(RS1(d)) >> <i32>IMM(d)))); break;
      case OP_ADDW: W(RD(d), sx32(R(RS1(d)) + R(RS2(d)))); break;
      case OP_SUBW: W(RD(d), sx32(R(RS1(d)) - R(RS2(d)))); break;
      case OP_SLLW: W(RD(d), sx32(<u64>(<u32>R(RS1(d)) << (<u32>R(RS2(d)) & 31)))); break;
      case OP_SRLW: W(RD(d), sx32(<u64>(<u32>R(RS1(d)) >> (<u32>R(RS2(d)) & 31)))); break;
      case OP_SRAW: W(RD(d), sx32(<u64>(<i32>R(RS1(d)) >> (<i32>R(RS2(d)) & 31)))); break;
      case OP_MUL: W(RD(d), R(RS1(d)) * R(RS2(d))); break;
      case OP_MULDIV: W(RD(d), mulDiv(<u32>IMM(d), R(RS1(d)), R(RS2(d)))); break;
      case OP_MULDIVW: W(RD(d), mulDivW(<u32>IMM(d), R(RS1(d)), R(RS2(d)))); break;
      case OP_FENCE: break; // one hart at a time, and stores to code drop it (decode.ts)
      case OP_AMO: case OP_SYSTEM: case OP_CSR: case OP_DEBUG: why = EXIT_SLOW; break;
      case OP_FLOAD: {
        const va = R(RS1(d)) + IMM(d);
        const size: i32 = ((<u32>d >> 24) & 31) == 3 ? 8 : 4;
        const e = tlb + TLB_R + ((<u32>(va >> 12) & TLB_MASK) << 4);
        if (!fpOn || load<u64>(e) != (va >> 12 | rtag) || (<i32>va & 0xfff) > 0x1000 - size) { why = EXIT_SLOW; break; }
        const a = <u32>(va + load<u64>(e, 8));
        FW((<u32>d >> 5) & 0xf8, size == 8 ? load<u64>(a) : <u64>load<u32>(a) | BOX);
        FPDIRTY();
        break;
      }
      case OP_FSTORE: {
        const va = R(RS1(d)) + IMM(d);
        const size: i32 = ((<u32>d >> 8) & 0xff) == 3 ? 8 : 4;
        const e = tlb + TLB_W + ((<u32>(va >> 12) & TLB_MASK) << 4);
        if (!fpOn || load<u64>(e) != (va >> 12 | wtag) || (<i32>va & 0xfff) > 0x1000 - size) { why = EXIT_SLOW; break; }
        const a = <u32>(va + load<u64>(e, 8));
        if (size == 8) store<u64>(a, FR(RS2(d))); else store<u32>(a, <u32>FR(RS2(d)));
        break;
      }
      case OP_FP: case OP_FMA: why = EXIT_SLOW; break;
      // FP moves, sign injections, double add/sub/mul: as fpops.ts and fpu.ts compute them
      // (the arithmetic only where rounding to nearest is exact and the result safely normal,
      // so that the only flag is NX); everything else takes the general path.
      case OP_FMV_X_D: if (!fpOn) { why = EXIT_SLOW; break; } W(RD(d), FR(RS1(d))); break;
      case OP_FMV_X_W: if (!fpOn) { why = EXIT_SLOW; break; } W(RD(d), sx32(FR(RS1(d)))); break;
      case OP_FMV_D_X: if (!fpOn) { why = EXIT_SLOW; break; } FW(RD(d), R(RS1(d))); FPDIRTY(); break;
      case OP_FMV_W_X: if (!fpOn) { why = EXIT_SLOW; break; } FW(RD(d), R(RS1(d)) | BOX); FPDIRTY(); break;
      case OP_FSGNJ_D: case OP_FSGNJ_D + 1: case OP_FSGNJ_D + 2: {
        if (!fpOn) { why = EXIT_SLOW; break; }
        const a = FR(RS1(d)), b = FR(RS2(d)), k = OPC(d) - OP_FSGNJ_D;
        const sgn = k == 0 ? b : k == 1 ? ~b : a ^ b;
        FW(RD(d), (a & 0x7fff_ffff_ffff_ffff) | (sgn & 0x8000_0000_0000_0000));
        FPDIRTY();
        break;
      }
      case OP_FSGNJ_S: case OP_FSGNJ_S + 1: case OP_FSGNJ_S + 2: {
        if (!fpOn) { why = EXIT_SLOW; break; }
        const a = UNBOX(FR(RS1(d))), b = UNBOX(FR(RS2(d))), k = OPC(d) - OP_FSGNJ_S;
        const sgn = k == 0 ? b : k == 1 ? ~b : a ^ b;
        FW(RD(d), BOX | <u64>((a & 0x7fff_ffff) | (sgn & 0x8000_0000)));
        FPDIRTY();
        break;
      }
      case OP_FADD_D: case OP_FSUB_D: {
        if (!fpOn || !rne(<u32>IMM(d), frmRne)) { why = EXIT_SLOW; break; }
        const a = reinterpret<f64>(FR(RS1(d)));
        const b = OPC(d) == OP_FADD_D ? reinterpret<f64>(FR(RS2(d))) : -reinterpret<f64>(FR(RS2(d)));
        const r = a + b;
        const m = Math.abs(r);
        if (!(m >= LOW && m < HIGH)) { why = EXIT_SLOW; break; } // NaN, infinite, zero or near the edges
        if (sumError(a, b, r) != 0) W(FFLAGS, R(FFLAGS) | 1);
        FW(RD(d), reinterpret<u64>(r));
        FPDIRTY();
        break;
      }
      case OP_FMUL_D: {
        if (!fpOn || !rne(<u32>IMM(d), frmRne)) { why = EXIT_SLOW; break; }
        const a = reinterpret<f64>(FR(RS1(d))), b = reinterpret<f64>(FR(RS2(d)));
        const r = a * b;
        const m = Math.abs(r);
        if (!(m >= MUL_LOW && m < HIGH && Math.abs(a) < MUL_HIGH && Math.abs(b) < MUL_HIGH)) { why = EXIT_SLOW; break; }
        if (productError(a, b, r) != 0) W(FFLAGS, R(FFLAGS) | 1);
        FW(RD(d), reinterpret<u64>(r));
        FPDIRTY();
        break;
      }
      default: why = EXIT_SLOW; break;
    }
    if (why != EXIT_BUDGET) break;
    pc += 4 - ((d >> 30) & 2);
    n--;
  }
  setSt(PC, pc);
  exitCode = why;
  exitRecord = d;
  return budget - n;
}

/** The old value of a CSR, read before the write that may still find the instruction illegal. */
const csrOld: u32 = <u32>memory.data(8);

/**
 * Execute the one instruction `d` at the pc in ACTIVE through the general path: slow
 * loads and stores, atomics, CSRs, system and floating-point instructions, traps.
 * Returns true when the exec call must end (a trap, or interrupts or translation may
 * have changed).
 */
function slowStep(d: u64): bool {
  const pc = st(PC);
  const ilen: u64 = 4 - ((d >> 30) & 2);
  const op = OPC(d);
  if (op >= OP_LB && op < OP_LB + 7) {
    const k = op - OP_LB;
    const rd = ACTIVE + RD(d);
    if (loadSlow(R(RS1(d)) + IMM(d), 1 << (k & 3), rd) != OK) return true;
    const v = load<u64>(rd);
    if (k == 0) store<u64>(rd, <u64><i64><i8>v);
    else if (k == 1) store<u64>(rd, <u64><i64><i16>v);
    else if (k == 2) store<u64>(rd, <u64><i64><i32>v);
    setSt(PC, pc + ilen);
    return false;
  }
  if (op >= OP_SB && op < OP_SB + 4) {
    if (storeSlow(R(RS1(d)) + IMM(d), 1 << (op - OP_SB), R(RS2(d))) != OK) return true;
    setSt(PC, pc + ilen);
    // An MMIO store may raise an interrupt or stop the machine.
    return exitRequested || pendingMip() != 0;
  }
  const insn = <u32>IMM(d);
  switch (op) {
    case OP_AMO:
      if (execAmo(insn, (insn >> 7) & 31, (insn >> 15) & 31, (insn >> 20) & 31, (insn >> 12) & 7) != OK) return true;
      setSt(PC, pc + 4);
      return false;
    case OP_CSR: {
      const f3 = (insn >> 12) & 7;
      const rs1 = (insn >> 15) & 31;
      const csr = insn >> 20;
      const src: u64 = (f3 & 4) != 0 ? <u64>rs1 : rx(rs1);
      const cop = f3 & 3;
      if (!csrRead(csr, csrOld)) return illegal(<u64>insn);
      const old = load<u64>(csrOld);
      const writes = cop == 1 || rs1 != 0;
      if (writes) {
        const base = csrRmwBase(csr, old);
        if (!csrWrite(csr, cop == 1 ? src : cop == 2 ? base | src : base & ~src)) return illegal(<u64>insn);
      }
      W(RD(d), old);
      setSt(PC, pc + 4);
      return writes; // translation or interrupt enables may have changed
    }
    case OP_SYSTEM: {
      const priv = st(PRIV);
      if (insn == 0x0000_0073) { // ECALL
        if (priv == PRV_S && load<u32>(ACTIVE + SBIMODE) != 0 && hostEcall(curHart) != 0) { setSt(PC, pc + 4); return true; }
        return trap(CAUSE_ECALL_U + priv, 0);
      }
      if (insn == 0x0010_0073) return trap(CAUSE_BREAKPOINT, pc); // EBREAK
      if (insn == 0x3020_0073 || insn == 0x1020_0073) { // MRET, SRET
        if (!xret(insn == 0x3020_0073)) return illegal(<u64>insn);
        return true;
      }
      if (insn == 0x1050_0073) { // WFI
        if (priv == PRV_U || (priv == PRV_S && (st(MSTATUS) & MSTATUS_TW) != 0)) return illegal(<u64>insn);
        setSt(PC, pc + 4);
        if ((pendingMip() & st(MIE)) == 0) store<u32>(ACTIVE + WAITING, 1);
        return true;
      }
      if ((insn >> 25) == 0x09 && ((insn >> 7) & 31) == 0) { // SFENCE.VMA
        if (priv == PRV_U || (priv == PRV_S && (st(MSTATUS) & MSTATUS_TVM) != 0)) return illegal(<u64>insn);
        const rs1 = (insn >> 15) & 31;
        if (rs1 == 0) flushTlb(); else flushTlbPage(rx(rs1)); // no ASIDs: rs2 is ignored
        setSt(PC, pc + 4);
        return true;
      }
      return illegal(<u64>insn);
    }
    case OP_FLOAD: case OP_FSTORE: {
      const isStore = op == OP_FSTORE;
      const f3 = isStore ? (<u32>d >> 8) & 0xff : (<u32>d >> 24) & 31;
      if (!fpLoadStoreAllowed(f3)) return illegal(rawBits(pc, d));
      const va = R(RS1(d)) + IMM(d);
      const size: i32 = f3 == 3 ? 8 : 4;
      if (isStore) {
        if (storeSlow(va, size, load<u64>(ACTIVE + F + RS2(d))) != OK) return true;
      } else {
        const fd = ACTIVE + F + ((<u32>d >> 5) & 0xf8);
        if (loadSlow(va, size, fd) != OK) return true;
        if (size == 4) store<u64>(fd, load<u64>(fd) | 0xffff_ffff_0000_0000);
        fpuDirty();
      }
      setSt(PC, pc + ilen);
      return false;
    }
    case OP_FP: case OP_FMV_X_D: case OP_FMV_X_W: case OP_FMV_D_X: case OP_FMV_W_X: case OP_FSGNJ_D:
    case OP_FSGNJ_D + 1: case OP_FSGNJ_D + 2: case OP_FSGNJ_S: case OP_FSGNJ_S + 1: case OP_FSGNJ_S + 2:
    case OP_FADD_D: case OP_FSUB_D: case OP_FMUL_D:
      if (!execFp(insn, (insn >> 7) & 31, (insn >> 15) & 31, (insn >> 20) & 31, (insn >> 12) & 7)) return illegal(<u64>insn);
      setSt(PC, pc + 4);
      return false;
    case OP_FMA:
      if (!execFma(insn, (insn >> 7) & 31, (insn >> 15) & 31, (insn >> 20) & 31, (insn >> 12) & 7)) return illegal(<u64>insn);
      setSt(PC, pc + 4);
      return false;
  }
  return illegal(<u64><u32>IMM(d)); // OP_ILLEGAL: imm holds the instruction bits
}

/** Take exception `cause`; the exec call ends. */
function trap(cause: u64, tval: u64): bool { raiseException(cause, tval); return true; }
function illegal(bits: u64): bool { return trap(CAUSE_ILLEGAL, bits); }
/**
 * The instruction bits at pc, for the trap value of an instruction decoded as legal,
 * read as they were fetched (a load could fault where the fetch did not: execute-only
 * pages). The fetch just succeeded, so it succeeds again.
 */
function rawBits(pc: u64, d: u64): u64 {
  const lo = <u64>fetch16(pc);
  if ((<u32>d >> 31) != 0) return lo;
  return lo | (<u64>fetch16(pc + 2) << 16);
}
function fetch16(va: u64): u32 {
  const e = H + TLB_X + ((<u32>(va >> 12) & TLB_MASK) << 4);
  const host = load<u64>(e) == (va >> 12 | tlbTag(ACC_FETCH)) ? <u32>(va + load<u64>(e, 8)) : fetchHost(va);
  return <u32>load<u16>(host);
}

/** Run the current hart for at most `budget` instructions; returns how many it executed. */
export function exec(budget: i32): i32 {
  let done = 0;
  while (done < budget) {
    done += fastLoop(budget - done);
    const why = exitCode;
    if (why == EXIT_BUDGET) break;
    setSliceExecuted(<u64>done);
    const pc = st(PC);
    if (why == EXIT_FETCH) {
      if (fetchHost(pc) == 0) return done + 1;
      continue;
    }
    if (why == EXIT_CODEPAGE) { codePage(<u32>(pc + exitCodeAdd) & ~0xfff); continue; }
    if (why == EXIT_DECODE) {
      const host = <u32>(pc + exitCodeAdd);
      if ((breakCount != 0 && isBreak(pc)) || execTriggerAt(pc)) { store<u64>(codePage(host & ~0xfff) + ((<u32>pc & 0xffe) << 2), <u64>OP_DEBUG); continue; }
      countDecode();
      const lo = <u32>load<u16>(host);
      if ((lo & 3) != 3) { cacheRecord(pc, host, decodeCompressed(lo)); continue; }
      if ((<u32>pc & 0xfff) != 0xffe) { const insn = load<u32>(host); cacheRecord(pc, host, decode(insn, insn)); continue; }
      // A 32-bit instruction straddling two pages is never cached (its second half lives
      // on another page): decode it afresh and run it once, from a scratch page.
      const hi = fetchHost(pc + 2);
      if (hi == 0) return done + 1;
      const insn = lo | (<u32>load<u16>(hi) << 16);
      done++;
      if (runStraddler(decode(insn, insn)) || debugStop != 0) return done;
      continue;
    }
    if (OPC(exitRecord) == OP_DEBUG) {
      if (stopAtBreak(pc)) return done;
      if (triggersArmed != 0 && triggerFires(pc, 1, MC_EXECUTE)) return done + <i32>trap(CAUSE_BREAKPOINT, pc);
      // Another virtual alias of the slot, or the hart steps off the breakpoint: run the
      // real instruction once.
      const d = decodeUncached(pc);
      if (d == 0) return done + 1;
      done++;
      if (runStraddler(d) || debugStop != 0) return done;
      continue;
    }
    done++;
    if (slowStep(exitRecord) || debugStop != 0) return done;
  }
  return done;
}

/** The record of the instruction at `pc`, decoded afresh and not cached; 0 when fetching it faulted. */
function decodeUncached(pc: u64): u64 {
  const host = fetchHost(pc);
  if (host == 0) return 0;
  const lo = <u32>load<u16>(host);
  if ((lo & 3) != 3) return decodeCompressed(lo);
  if ((<u32>pc & 0xfff) != 0xffe) { const insn = load<u32>(host); return decode(insn, insn); }
  const hi = fetchHost(pc + 2);
  if (hi == 0) return 0;
  const insn = lo | (<u32>load<u16>(hi) << 16);
  return decode(insn, insn);
}

@inline function cacheRecord(pc: u64, host: u32, d: u64): void {
  store<u64>(codePage(host & ~0xfff) + ((<u32>pc & 0xffe) << 2), d);
}

/**
 * Run the one instruction `d` that has no decoded slot of its own (a 32-bit instruction
 * across two pages, or one under a breakpoint record) at the pc in ACTIVE: through the general path, or, for register and control-flow work, through
 * the fast loop reading it from a scratch slot.
 */
function runStraddler(d: u64): bool {
  const op = OPC(d);
  if (op == OP_ILLEGAL || op >= OP_LB && op < OP_SB + 4 || op >= OP_AMO) return slowStep(d);
  const pc = st(PC);
  const scratch = codePage(SCRATCH_PAGE);
  store<u64>(scratch + ((<u32>pc & 0xffe) << 2), d);
  // Point the code TLB entry at the scratch page for one instruction, then restore it.
  const e = H + TLB_X + ((<u32>(pc >> 12) & TLB_MASK) << 4);
  const tag = load<u64>(e), add = load<u64>(e, 8);
  store<u64>(e, pc >> 12 | tlbTag(ACC_FETCH));
  store<u64>(e, <u64>SCRATCH_PAGE - (pc & ~<u64>0xfff), 8);
  fastLoop(1);
  store<u64>(e, tag);
  store<u64>(e, add, 8);
  store<u64>(scratch + ((<u32>pc & 0xffe) << 2), 0);
  return false;
}
