// Decoding of OP-FP and the fused multiply-adds (unprivileged spec v20191213, 11.6-11.9,
// 12.3-12.6); the arithmetic itself is in fpu.ts.
import { ACTIVE, F, X, FFLAGS, FRM, MSTATUS } from "./layout";
import { st, setSt, fpuDirty, MSTATUS_FS } from "./state";
import {
  flags, clearFlags, unbox32, box32, box32bits, CNAN32, CNAN64, add64, mul64, div64, sqrt64, fma64,
  add32, mul32, div32, sqrt32, fma32, fromSingle, toSingleRounded, min64, min32, compare, class64,
  class32, toInt, fromInt64, fromInt32, isSnan32bits, isSnan64bits,
} from "./fpu";

@inline function fr(r: u32): u64 { return load<u64>(ACTIVE + F + (r << 3)); }
@inline function fw(r: u32, v: u64): void { store<u64>(ACTIVE + F + (r << 3), v); }
@inline function f64r(r: u32): f64 { return reinterpret<f64>(fr(r)); }
@inline function f32r(r: u32): f32 { return unbox32(fr(r)); }
@inline function xw(r: u32, v: u64): void { if (r != 0) store<u64>(ACTIVE + X + (r << 3), v); }
@inline function xr(r: u32): u64 { return load<u64>(ACTIVE + X + (r << 3)); }

@inline function fpuOn(): bool { return (st(MSTATUS) & MSTATUS_FS) != 0; }

export function fpLoadStoreAllowed(f3: u32): bool { return fpuOn() && (f3 == 2 || f3 == 3); }

/** The effective rounding mode, or 8 when it is reserved (an illegal instruction). */
function roundingMode(f3: u32): u32 {
  const rm = f3 == 7 ? <u32>st(FRM) : f3;
  return rm > 4 ? 8 : rm;
}

@inline function accrue(): void {
  if (flags) setSt(FFLAGS, st(FFLAGS) | flags);
  fpuDirty();
}

export function execFma(insn: u32, rd: u32, rs1: u32, rs2: u32, f3: u32): bool {
  if (!fpuOn()) return false;
  const fmt = (insn >> 25) & 3;
  const rs3 = insn >> 27;
  const rm = roundingMode(f3);
  if (rm == 8 || fmt > 1) return false;
  const op = (insn >> 2) & 3; // 0 madd, 1 msub, 2 nmsub, 3 nmadd
  clearFlags();
  if (fmt == 1) {
    let a = f64r(rs1), c = f64r(rs3);
    const b = f64r(rs2);
    if (op >= 2) a = -a; // negate the product
    if (op == 1 || op == 3) c = -c;
    // Negation of a NaN must not hide its signalling bit: use the original bits for the check.
    const r = fma64(a, b, c, rm);
    if (isSnan64bits(fr(rs1)) || isSnan64bits(fr(rs3))) setSt(FFLAGS, st(FFLAGS) | 16);
    fw(rd, r != r ? CNAN64 : reinterpret<u64>(r));
  } else {
    let a = f32r(rs1), c = f32r(rs3);
    const b = f32r(rs2);
    if (op >= 2) a = -a;
    if (op == 1 || op == 3) c = -c;
    const r = fma32(a, b, c, rm);
    if (isSnan32bits(reinterpret<u32>(f32r(rs1))) || isSnan32bits(reinterpret<u32>(f32r(rs3)))) setSt(FFLAGS, st(FFLAGS) | 16);
    fw(rd, r != r ? box32bits(CNAN32) : box32(r));
  }
  accrue();
  return true;
}

export function execFp(insn: u32, rd: u32, rs1: u32, rs2: u32, f3: u32): bool {
  if (!fpuOn()) return false;
  const f7 = insn >> 25;
  const isD = (f7 & 1) != 0;
  if ((f7 & 2) != 0) return false; // fmt H and Q are not implemented
  clearFlags();
  switch (f7 >> 2) {
    case 0x00: case 0x01: case 0x02: case 0x03: { // FADD FSUB FMUL FDIV
      const rm = roundingMode(f3);
      if (rm == 8) return false;
      const k = f7 >> 2;
      if (isD) {
        const a = f64r(rs1), b = f64r(rs2);
        const r = k == 0 ? add64(a, b, rm) : k == 1 ? add64(a, -b, rm) : k == 2 ? mul64(a, b, rm) : div64(a, b, rm);
        if (k == 1 && isSnan64bits(fr(rs2))) setSt(FFLAGS, st(FFLAGS) | 16);
        fw(rd, r != r ? CNAN64 : reinterpret<u64>(r));
      } else {
        const a = f32r(rs1), b = f32r(rs2);
        const r = k == 0 ? add32(a, b, rm) : k == 1 ? add32(a, -b, rm) : k == 2 ? mul32(a, b, rm) : div32(a, b, rm);
        if (k == 1 && isSnan32bits(reinterpret<u32>(b))) setSt(FFLAGS, st(FFLAGS) | 16);
        fw(rd, r != r ? box32bits(CNAN32) : box32(r));
      }
      break;
    }
    case 0x0b: { // FSQRT
      const rm = roundingMode(f3);
      if (rm == 8 || rs2 != 0) return false;
      if (isD) { const r = sqrt64(f64r(rs1), rm); fw(rd, r != r ? CNAN64 : reinterpret<u64>(r)); }
      else { const r = sqrt32(f32r(rs1), rm); fw(rd, r != r ? box32bits(CNAN32) : box32(r)); }
      break;
    }
    case 0x04: { // FSGNJ, FSGNJN, FSGNJX
      if (f3 > 2) return false;
      if (isD) {
        const a = fr(rs1), b = fr(rs2);
        const s = f3 == 0 ? b : f3 == 1 ? ~b : a ^ b;
        fw(rd, (a & 0x7fff_ffff_ffff_ffff) | (s & 0x8000_0000_0000_0000));
      } else {
        const a = reinterpret<u32>(f32r(rs1)), b = reinterpret<u32>(f32r(rs2));
        const s = f3 == 0 ? b : f3 == 1 ? ~b : a ^ b;
        fw(rd, box32bits((a & 0x7fff_ffff) | (s & 0x8000_0000)));
      }
      break;
    }
    case 0x05: { // FMIN, FMAX
      if (f3 > 1) return false;
      if (isD) fw(rd, min64(f64r(rs1), f64r(rs2), f3 == 1));
      else fw(rd, box32bits(min32(f32r(rs1), f32r(rs2), f3 == 1)));
      break;
    }
    case 0x08: { // FCVT.S.D, FCVT.D.S
      const rm = roundingMode(f3);
      if (rm == 8) return false;
      if (!isD && rs2 == 1) { const r = toSingleRounded(f64r(rs1), rm); fw(rd, r != r ? box32bits(CNAN32) : box32(r)); }
      else if (isD && rs2 == 0) { const r = fromSingle(f32r(rs1)); fw(rd, r != r ? CNAN64 : reinterpret<u64>(r)); }
      else return false;
      break;
    }
    case 0x14: { // FLE, FLT, FEQ
      if (f3 > 2) return false;
      let r: u64;
      if (isD) r = compare(f64r(rs1), f64r(rs2), f3, isSnan64bits(fr(rs1)) || isSnan64bits(fr(rs2)));
      else {
        const a = f32r(rs1), b = f32r(rs2);
        r = compare(<f64>a, <f64>b, f3, isSnan32bits(reinterpret<u32>(a)) || isSnan32bits(reinterpret<u32>(b)));
      }
      xw(rd, r);
      if (flags) setSt(FFLAGS, st(FFLAGS) | flags);
      return true; // writes no f-register: FS stays as it is
    }
    case 0x18: { // FCVT.{W,WU,L,LU}.{S,D}
      const rm = roundingMode(f3);
      if (rm == 8 || rs2 > 3) return false;
      const x: f64 = isD ? f64r(rs1) : <f64>f32r(rs1);
      xw(rd, toInt(x, rs2, rm));
      if (flags) setSt(FFLAGS, st(FFLAGS) | flags);
      return true;
    }
    case 0x1a: { // FCVT.{S,D}.{W,WU,L,LU}
      const rm = roundingMode(f3);
      if (rm == 8 || rs2 > 3) return false;
      let v = xr(rs1);
      const signed = (rs2 & 1) == 0;
      if (rs2 < 2) v = signed ? <u64><i64><i32>v : v & 0xffff_ffff;
      if (isD) fw(rd, reinterpret<u64>(fromInt64(v, signed, rm)));
      else fw(rd, box32(fromInt32(v, signed, rm)));
      break;
    }
    case 0x1c: { // FMV.X.{W,D}, FCLASS
      if (rs2 != 0) return false;
      if (f3 == 0) xw(rd, isD ? fr(rs1) : <u64><i64><i32>fr(rs1));
      else if (f3 == 1) xw(rd, isD ? class64(fr(rs1)) : class32(reinterpret<u32>(f32r(rs1))));
      else return false;
      return true;
    }
    case 0x1e: { // FMV.{W,D}.X
      if (rs2 != 0 || f3 != 0) return false;
      fw(rd, isD ? xr(rs1) : box32bits(<u32>xr(rs1)));
      break;
    }
    default: return false;
  }
  accrue();
  return true;
}
