// F and D extensions (unprivileged spec v20191213, chapters 11-12): IEEE 754 arithmetic with
// all five rounding modes and exact fflags. WebAssembly computes round-to-nearest-even;
// the other modes and the inexact flag come from the sign of the rounding error, found with
// error-free transformations (TwoSum, Dekker's TwoProduct) in f64.

export const NX: u32 = 1;
export const UF: u32 = 2;
export const OF: u32 = 4;
export const DZ: u32 = 8;
export const NV: u32 = 16;
export const RNE: u32 = 0;
export const RTZ: u32 = 1;
export const RDN: u32 = 2;
export const RUP: u32 = 3;
export const RMM: u32 = 4;

/** Flags raised by the last operations; the interpreter ORs them into fflags. */
export let flags: u32 = 0;
export function clearFlags(): void { flags = 0; }

export const CNAN32: u32 = 0x7fc0_0000;
export const CNAN64: u64 = 0x7ff8_0000_0000_0000;
const BOX: u64 = 0xffff_ffff_0000_0000;

/** A single from a NaN-boxed register value: anything not properly boxed is the canonical NaN. */
@inline export function unbox32(v: u64): f32 {
  return reinterpret<f32>((v & BOX) == BOX ? <u32>v : CNAN32);
}
@inline export function box32(f: f32): u64 { return BOX | <u64>reinterpret<u32>(f); }
@inline export function box32bits(b: u32): u64 { return BOX | <u64>b; }

@inline function isSnan32(b: u32): bool { return (b & 0x7f80_0000) == 0x7f80_0000 && (b & 0x7f_ffff) != 0 && (b & 0x40_0000) == 0; }
@inline function isSnan64(b: u64): bool {
  return (b & 0x7ff0_0000_0000_0000) == 0x7ff0_0000_0000_0000 && (b & 0xf_ffff_ffff_ffff) != 0 && (b & 0x8_0000_0000_0000) == 0;
}
@inline function anySnan64(a: f64, b: f64): bool { return isSnan64(reinterpret<u64>(a)) || isSnan64(reinterpret<u64>(b)); }

function nextUp(x: f64): f64 {
  if (x != x || x == Infinity) return x;
  if (x == 0) return reinterpret<f64>(<u64>1);
  const b = reinterpret<i64>(x);
  return reinterpret<f64>(x > 0 ? b + 1 : b - 1);
}
function nextDown(x: f64): f64 { return -nextUp(-x); }

const SPLIT: f64 = 134217729.0; // 2^27 + 1
/** Low part of a*b (Dekker), exact when no overflow or underflow occurs. */
function productError(a: f64, b: f64, p: f64): f64 {
  if (Math.abs(a) > 1e300 || Math.abs(b) > 1e300) {
    // Scale to avoid overflow in the split; the sign of the error is all callers need then.
    const s: f64 = 1.0 / 1125899906842624.0; // 2^-50
    return productError(a * s, b * s, p * s * s) ;
  }
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
function sumError(a: f64, b: f64, s: f64): f64 {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

/**
 * Finish a double result: `r` is the round-to-nearest value of an exact result r + err
 * (err = 0 when exact). Applies the rounding mode, sets NX/OF/UF, returns the result.
 */
function finish64(r: f64, err: f64, rm: u32, finiteInputs: bool): f64 {
  if (r != r) return r;
  if (Math.abs(r) == Infinity) {
    if (!finiteInputs) return r;
    flags |= OF | NX;
    const maxf = reinterpret<f64>(<u64>0x7fef_ffff_ffff_ffff);
    if (rm == RTZ || (rm == RDN && r > 0) || (rm == RUP && r < 0)) return r > 0 ? maxf : -maxf;
    return r;
  }
  if (err != 0) {
    flags |= NX;
    if (rm == RTZ) { if ((err < 0) != (r < 0) && r != 0) r = r > 0 ? nextDown(r) : nextUp(r); else if (r == 0) r = 0 * r; }
    else if (rm == RDN) { if (err < 0) r = nextDown(r); }
    else if (rm == RUP) { if (err > 0) r = nextUp(r); }
    else if (rm == RMM) {
      // A tie rounded to even toward zero goes away from zero instead.
      const up = nextUp(r), dn = nextDown(r);
      if (err > 0 && up - r == 2 * err) r = r >= 0 ? up : r;
      else if (err < 0 && r - dn == -2 * err) r = r <= 0 ? dn : r;
    }
    if (Math.abs(r) < 2.2250738585072014e-308) flags |= UF;
    if (Math.abs(r) == Infinity) flags |= OF;
  }
  return r;
}

/**
 * Round a double to single under rm, with `err` the sign-carrying error of `d` itself
 * (the exact value is d + err). Sets NX/OF/UF.
 */
function toSingle(d: f64, err: f64, rm: u32): f32 {
  if (d != d) return reinterpret<f32>(CNAN32);
  if (Math.abs(d) == Infinity) return <f32>d;
  let r = <f32>d;
  let diff = d - <f64>r + err; // exact value minus r, to the precision that decides rounding
  if (Math.abs(r) == Infinity && Math.abs(d) != Infinity) {
    flags |= OF | NX;
    const maxf = reinterpret<f32>(<u32>0x7f7f_ffff);
    if (rm == RTZ || (rm == RDN && d > 0) || (rm == RUP && d < 0)) return d > 0 ? maxf : -maxf;
    return r;
  }
  if (d - <f64>r == 0 && err == 0) return r;
  // Round-to-nearest double rounding: d exactly half-way but the true value is not.
  const half = (<f64>nextUp32(r) - <f64>r) / 2;
  if (rm == RNE && err != 0 && Math.abs(d - <f64>r) == Math.abs(half)) {
    r = err > 0 ? (d > <f64>r ? nextUp32(r) : r) : (d < <f64>r ? nextDown32(r) : r);
    diff = d - <f64>r + err;
  }
  flags |= NX;
  if (rm == RTZ) { if ((diff < 0) != (r < 0) && r != 0) r = r > 0 ? nextDown32(r) : nextUp32(r); }
  else if (rm == RDN) { if (diff < 0) r = nextDown32(r); }
  else if (rm == RUP) { if (diff > 0) r = nextUp32(r); }
  else if (rm == RMM) {
    const up = nextUp32(r), dn = nextDown32(r);
    if (diff > 0 && <f64>up - <f64>r == 2 * diff) r = r >= 0 ? up : r;
    else if (diff < 0 && <f64>r - <f64>dn == -2 * diff) r = r <= 0 ? dn : r;
  }
  if (Math.abs(r) < <f32>1.17549435e-38) flags |= UF;
  return r;
}
function nextUp32(x: f32): f32 {
  if (x != x || x == Infinity) return x;
  if (x == 0) return reinterpret<f32>(<u32>1);
  const b = reinterpret<i32>(x);
  return reinterpret<f32>(x > 0 ? b + 1 : b - 1);
}
function nextDown32(x: f32): f32 { return -nextUp32(-x); }

// ---- double ----
export function add64(a: f64, b: f64, rm: u32): f64 {
  if (anySnan64(a, b)) flags |= NV;
  const r = a + b;
  if (r != r) { if (a == a && b == b) flags |= NV; return reinterpret<f64>(CNAN64); }
  if (r == 0 && a + b == 0 && rm == RDN && (a != 0 || b != 0) && sumError(a, b, r) == 0) return -0.0;
  if (rm == RDN && a == 0 && b == 0) return (reinterpret<u64>(a) | reinterpret<u64>(b)) >> 63 ? -0.0 : 0.0;
  return finish64(r, Math.abs(r) == Infinity ? 0 : sumError(a, b, r), rm, Math.abs(a) != Infinity && Math.abs(b) != Infinity);
}
export function mul64(a: f64, b: f64, rm: u32): f64 {
  if (anySnan64(a, b)) flags |= NV;
  const r = a * b;
  if (r != r) { if (a == a && b == b) flags |= NV; return reinterpret<f64>(CNAN64); }
  let err: f64 = 0;
  if (r != 0 && Math.abs(r) != Infinity) {
    err = productError(a, b, r);
    if (Math.abs(r) < 2.2250738585072014e-308 && err == 0 && r / b != a) err = (r > 0) == (Math.abs(r / b) < Math.abs(a)) ? 1e-320 : -1e-320;
  } else if (r == 0 && a != 0 && b != 0) {
    err = (a < 0) != (b < 0) ? -5e-324 : 5e-324; flags |= UF;
  }
  return finish64(r, err, rm, Math.abs(a) != Infinity && Math.abs(b) != Infinity);
}
export function div64(a: f64, b: f64, rm: u32): f64 {
  if (anySnan64(a, b)) flags |= NV;
  const r = a / b;
  if (r != r) { if (a == a && b == b) flags |= NV; return reinterpret<f64>(CNAN64); }
  if (b == 0 && a == a && Math.abs(a) != Infinity) { flags |= DZ; return r; }
  let err: f64 = 0;
  if (r != 0 && Math.abs(r) != Infinity && Math.abs(a) != Infinity) {
    const p = r * b;
    const rem = (a - p) - productError(r, b, p);
    if (rem != 0) err = ((rem > 0) == (b > 0)) ? Math.abs(r) * 1e-30 + 5e-324 : -(Math.abs(r) * 1e-30 + 5e-324);
  } else if (r == 0 && a != 0 && Math.abs(b) != Infinity) {
    err = (a < 0) != (b < 0) ? -5e-324 : 5e-324; flags |= UF;
  }
  return finish64(r, err, rm, Math.abs(a) != Infinity && b != 0);
}
export function sqrt64(a: f64, rm: u32): f64 {
  if (isSnan64(reinterpret<u64>(a))) flags |= NV;
  if (a < 0) { flags |= NV; return reinterpret<f64>(CNAN64); }
  const r = Math.sqrt(a);
  if (r != r) return reinterpret<f64>(CNAN64);
  let err: f64 = 0;
  if (r != 0 && r != Infinity) {
    const p = r * r;
    const rem = (a - p) - productError(r, r, p);
    if (rem != 0) err = rem > 0 ? r * 1e-30 + 5e-324 : -(r * 1e-30 + 5e-324);
  }
  return finish64(r, err, rm, true);
}
/** a*b + c with one rounding (approximated with double-double arithmetic). */
export function fma64(a: f64, b: f64, c: f64, rm: u32): f64 {
  if (anySnan64(a, b) || isSnan64(reinterpret<u64>(c))) flags |= NV;
  if ((Math.abs(a) == Infinity && b == 0) || (a == 0 && Math.abs(b) == Infinity)) { flags |= NV; return reinterpret<f64>(CNAN64); }
  const p = a * b;
  if (p != p || c != c) { if (a == a && b == b && c == c) flags |= NV; return reinterpret<f64>(CNAN64); }
  if (Math.abs(p) == Infinity || Math.abs(c) == Infinity) {
    const r = p + c;
    if (r != r) { flags |= NV; return reinterpret<f64>(CNAN64); }
    return finish64(r, 0, rm, Math.abs(c) != Infinity && Math.abs(a) != Infinity && Math.abs(b) != Infinity);
  }
  const pe = productError(a, b, p);
  const s = p + c;
  const se = sumError(p, c, s);
  const e = se + pe;
  const r = s + e;
  const re = (s - r) + e;
  if (r == 0 && re == 0) {
    // Exact zero: its sign follows the IEEE rules for a sum.
    if (p == 0 && c == 0) return (reinterpret<u64>(p) & reinterpret<u64>(c)) >> 63 ? -0.0 : (rm == RDN && ((reinterpret<u64>(p) | reinterpret<u64>(c)) >> 63) ? -0.0 : 0.0);
    return rm == RDN ? -0.0 : 0.0;
  }
  return finish64(r, re, rm, true);
}
export function fromSingle(a: f32): f64 {
  const b = reinterpret<u32>(a);
  if (a != a) { if (isSnan32(b)) flags |= NV; return reinterpret<f64>(CNAN64); }
  return <f64>a;
}

// ---- single: computed exactly (or with a known error) in double, rounded once ----
@inline function snan32in(a: f32, b: f32): void {
  if (isSnan32(reinterpret<u32>(a)) || isSnan32(reinterpret<u32>(b))) flags |= NV;
}
export function add32(a: f32, b: f32, rm: u32): f32 {
  snan32in(a, b);
  const da = <f64>a, db = <f64>b;
  const d = da + db;
  if (d != d) { if (a == a && b == b) flags |= NV; return reinterpret<f32>(CNAN32); }
  if (d == 0) {
    if (a == 0 && b == 0) return reinterpret<f32>((reinterpret<u32>(a) & reinterpret<u32>(b)) | (rm == RDN ? (reinterpret<u32>(a) | reinterpret<u32>(b)) & 0x8000_0000 : 0));
    return rm == RDN ? -0.0 : 0.0;
  }
  return toSingle(d, Math.abs(d) == Infinity ? 0 : sumError(da, db, d), rm);
}
export function mul32(a: f32, b: f32, rm: u32): f32 {
  snan32in(a, b);
  const d = <f64>a * <f64>b; // exact: 24 + 24 bits
  if (d != d) { if (a == a && b == b) flags |= NV; return reinterpret<f32>(CNAN32); }
  return toSingle(d, 0, rm);
}
export function div32(a: f32, b: f32, rm: u32): f32 {
  snan32in(a, b);
  const d = <f64>a / <f64>b;
  if (d != d) { if (a == a && b == b) flags |= NV; return reinterpret<f32>(CNAN32); }
  if (b == 0 && Math.abs(a) != Infinity) { flags |= DZ; return <f32>d; }
  let err: f64 = 0;
  if (d != 0 && Math.abs(d) != Infinity) {
    const p = d * <f64>b;
    const rem = (<f64>a - p) - productError(d, <f64>b, p);
    if (rem != 0) err = ((rem > 0) == (b > 0)) ? Math.abs(d) * 1e-30 : -Math.abs(d) * 1e-30;
  }
  return toSingle(d, err, rm);
}
export function sqrt32(a: f32, rm: u32): f32 {
  if (isSnan32(reinterpret<u32>(a))) flags |= NV;
  if (a < 0) { flags |= NV; return reinterpret<f32>(CNAN32); }
  const d = Math.sqrt(<f64>a);
  if (d != d) return reinterpret<f32>(CNAN32);
  let err: f64 = 0;
  if (d != 0 && d != Infinity) {
    const p = d * d;
    const rem = (<f64>a - p) - productError(d, d, p);
    if (rem != 0) err = rem > 0 ? d * 1e-30 : -d * 1e-30;
  }
  return toSingle(d, err, rm);
}
export function fma32(a: f32, b: f32, c: f32, rm: u32): f32 {
  snan32in(a, b);
  if (isSnan32(reinterpret<u32>(c))) flags |= NV;
  if ((Math.abs(a) == Infinity && b == 0) || (a == 0 && Math.abs(b) == Infinity)) { flags |= NV; return reinterpret<f32>(CNAN32); }
  const p = <f64>a * <f64>b; // exact
  const d = p + <f64>c;
  if (d != d) { if (a == a && b == b && c == c) flags |= NV; return reinterpret<f32>(CNAN32); }
  if (d == 0) {
    if (p == 0 && c == 0) return (reinterpret<u64>(p) >> 63) != 0 && (reinterpret<u32>(c) >> 31) != 0 ? -0.0 : (rm == RDN && ((reinterpret<u64>(p) >> 63) != 0 || (reinterpret<u32>(c) >> 31) != 0) ? -0.0 : 0.0);
    return rm == RDN ? -0.0 : 0.0;
  }
  return toSingle(d, Math.abs(d) == Infinity ? 0 : sumError(p, <f64>c, d), rm);
}
export function toSingleRounded(d: f64, rm: u32): f32 {
  if (isSnan64(reinterpret<u64>(d))) flags |= NV;
  return toSingle(d, 0, rm);
}

// ---- comparisons, min/max, class ----
export function min64(a: f64, b: f64, isMax: bool): u64 {
  if (anySnan64(a, b)) flags |= NV;
  if (a != a && b != b) return CNAN64;
  if (a != a) return reinterpret<u64>(b);
  if (b != b) return reinterpret<u64>(a);
  if (a == b) { // ±0: min prefers -0, max prefers +0
    const sa = reinterpret<u64>(a) >> 63;
    return (isMax ? sa == 0 : sa != 0) ? reinterpret<u64>(a) : reinterpret<u64>(b);
  }
  return reinterpret<u64>(isMax ? (a > b ? a : b) : (a < b ? a : b));
}
export function min32(a: f32, b: f32, isMax: bool): u32 {
  snan32in(a, b);
  if (a != a && b != b) return CNAN32;
  if (a != a) return reinterpret<u32>(b);
  if (b != b) return reinterpret<u32>(a);
  if (a == b) {
    const sa = reinterpret<u32>(a) >> 31;
    return (isMax ? sa == 0 : sa != 0) ? reinterpret<u32>(a) : reinterpret<u32>(b);
  }
  return reinterpret<u32>(isMax ? (a > b ? a : b) : (a < b ? a : b));
}
/** feq (op 2), flt (op 1), fle (op 0) on doubles; singles are widened exactly by the caller. */
export function compare(a: f64, b: f64, op: u32, snan: bool): u64 {
  if (a != a || b != b) {
    if (op != 2 || snan) flags |= NV;
    return 0;
  }
  if (op == 2) return a == b ? 1 : 0;
  if (op == 1) return a < b ? 1 : 0;
  return a <= b ? 1 : 0;
}
export function class64(b: u64): u64 {
  const sign = b >> 63;
  const exp = (b >> 52) & 0x7ff;
  const man = b & 0xf_ffff_ffff_ffff;
  if (exp == 0x7ff) return man == 0 ? (sign ? 1 : 128) : ((man >> 51) ? 512 : 256);
  if (exp == 0) return man == 0 ? (sign ? 8 : 16) : (sign ? 4 : 32);
  return sign ? 2 : 64;
}
export function class32(b: u32): u64 {
  const sign = b >> 31;
  const exp = (b >> 23) & 0xff;
  const man = b & 0x7f_ffff;
  if (exp == 0xff) return man == 0 ? (sign ? 1 : 128) : ((man >> 22) ? 512 : 256);
  if (exp == 0) return man == 0 ? (sign ? 8 : 16) : (sign ? 4 : 32);
  return sign ? 2 : 64;
}
export function isSnan32bits(b: u32): bool { return isSnan32(b); }
export function isSnan64bits(b: u64): bool { return isSnan64(b); }

// ---- conversions ----
function roundInt(x: f64, rm: u32): f64 {
  switch (rm) {
    case RTZ: return Math.trunc(x);
    case RDN: return Math.floor(x);
    case RUP: return Math.ceil(x);
    case RMM: { const t = Math.trunc(x); return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t; }
    default: return nearest<f64>(x);
  }
}
/** Float to integer: kind 0 = W, 1 = WU, 2 = L, 3 = LU. Saturates with NV as the spec's table 11.4. */
export function toInt(x: f64, kind: u32, rm: u32): u64 {
  if (x != x) {
    flags |= NV;
    return kind == 0 ? 0x7fff_ffff : kind == 1 ? 0xffff_ffff_ffff_ffff : kind == 2 ? 0x7fff_ffff_ffff_ffff : 0xffff_ffff_ffff_ffff;
  }
  const r = roundInt(x, rm);
  let v: u64;
  switch (kind) {
    case 0:
      if (r > 2147483647.0) { flags |= NV; return 0x7fff_ffff; }
      if (r < -2147483648.0) { flags |= NV; return <u64>(<i64>-2147483648); }
      v = <u64><i64><i32>r; break;
    case 1:
      if (r > 4294967295.0) { flags |= NV; return 0xffff_ffff_ffff_ffff; }
      if (r < 0) { flags |= NV; return 0; }
      v = <u64><i64><i32><u32>r; break;
    case 2:
      if (r >= 9223372036854775808.0) { flags |= NV; return 0x7fff_ffff_ffff_ffff; }
      if (r < -9223372036854775808.0) { flags |= NV; return 0x8000_0000_0000_0000; }
      v = <u64><i64>r; break;
    default:
      if (r >= 18446744073709551616.0) { flags |= NV; return 0xffff_ffff_ffff_ffff; }
      if (r < 0) { flags |= NV; return 0; }
      v = <u64>r;
  }
  if (r != x) flags |= NX;
  return v;
}
/** Integer to double under rm. `signed` picks the interpretation of v. */
export function fromInt64(v: u64, signed: bool, rm: u32): f64 {
  let r: f64 = signed ? <f64><i64>v : <f64>v;
  // Exactness: compare against the integer; values ≥ 2^63 (unsigned) need care.
  let err: f64 = 0;
  if (signed) {
    if (r != 9223372036854775808.0) { const back = <i64>r; if (back != <i64>v) err = <i64>v > back ? 1 : -1; }
    else if (<i64>v != i64.MIN_VALUE) err = -1;
  } else {
    if (r < 18446744073709551616.0) { const back = <u64>r; if (back != v) err = v > back ? 1 : -1; }
    else err = -1;
  }
  return finish64(r, err, rm, true);
}
export function fromInt32(v: u64, signed: bool, rm: u32): f32 {
  const d: f64 = signed ? <f64><i64>v : <f64>v; // exact for 64-bit values up to 2^53; else err below
  let err: f64 = 0;
  if (signed) { if (d != 9223372036854775808.0 && <i64>d != <i64>v) err = <i64>v > <i64>d ? 1 : -1; else if (d == 9223372036854775808.0 && <i64>v != i64.MIN_VALUE) err = -1; }
  else { if (d < 18446744073709551616.0) { if (<u64>d != v) err = v > <u64>d ? 1 : -1; } else err = -1; }
  return toSingle(d, err * 1e-300, rm);
}
