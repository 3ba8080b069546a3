// F and D extensions (unprivileged spec v20191213, chapters 11-12) on IEEE 754-2008 binary32
// and binary64: the five rounding modes (11.2), exact fflags, canonical NaNs (11.3), tininess
// detected after rounding (11.4): a result is tiny when, rounded to the target precision as if
// the exponent range were unbounded, it lies below the smallest normal; UF is raised for a tiny
// and inexact result (IEEE 754-2008 7.5). Overflow is judged the same way, after rounding in
// the current mode (7.4): round-toward-zero never overflows to infinity.
//
// Two routes to a result:
// - fast: wasm rounds to nearest even; the exact error of that result comes from error-free
//   transformations (TwoSum, Dekker's TwoProduct, the remainder of a quotient or a root), and
//   the other modes step to the neighbour on its sign. Taken only where those transformations
//   are exact and the result is safely normal, in [2^-1021, 2^1023): no subnormal rounding,
//   no tininess question, no overflow.
// - exact (roundPack): a sign, an exponent and a 64-bit significand whose bit 0 is sticky,
//   rounded once, softfloat-style. Products take a 128-bit significand in two u64 halves. Used
//   for subnormal and overflowing results, for fused multiply-add (a product that overflows, or
//   cancels catastrophically, defeats double-double arithmetic) and for inexact single results
//   (computed in f64 with a known error, so never rounded twice), but those to nearest in the
//   normal range that cannot be a double-rounding case.

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
const FRAC: u64 = 0xf_ffff_ffff_ffff;
export const LOW: f64 = 4.450147717014403e-308; // 2^-1021: from here up, a result and its neighbours are normal
export const HIGH: f64 = 8.98846567431158e+307; // 2^1023: below it, the neighbours are finite
const TINY: f64 = 8.673617379884035e-19; // 2^-60: the size of a stand-in error, relative to the result

/** A single from a NaN-boxed register value: anything not properly boxed is the canonical NaN. */
@inline export function unbox32(v: u64): f32 {
  return reinterpret<f32>((v & BOX) == BOX ? <u32>v : CNAN32);
}
@inline export function box32(f: f32): u64 { return BOX | <u64>reinterpret<u32>(f); }
@inline export function box32bits(b: u32): u64 { return BOX | <u64>b; }

@inline function isSnan32(b: u32): bool { return (b & 0x7f80_0000) == 0x7f80_0000 && (b & 0x7f_ffff) != 0 && (b & 0x40_0000) == 0; }
@inline function isSnan64(b: u64): bool {
  return (b & 0x7ff0_0000_0000_0000) == 0x7ff0_0000_0000_0000 && (b & FRAC) != 0 && (b & 0x8_0000_0000_0000) == 0;
}
@inline function anySnan64(a: f64, b: f64): bool { return isSnan64(reinterpret<u64>(a)) || isSnan64(reinterpret<u64>(b)); }
@inline function nan64(): f64 { return reinterpret<f64>(CNAN64); }
@inline function nan32(): f32 { return reinterpret<f32>(CNAN32); }
@inline function isInf(x: f64): bool { return Math.abs(x) == Infinity; }
@inline function sign64(x: f64): bool { return (reinterpret<u64>(x) >> 63) != 0; }

/** The sign of an exact zero sum of operands with signs sa, sb (IEEE 754-2008 6.3). */
@inline function zeroSum(sa: bool, sb: bool, rm: u32): f64 { return (sa == sb ? sa : rm == RDN) ? -0.0 : 0.0; }

// ---- error-free transformations (valid without overflow; products also without underflow) ----
const SPLIT: f64 = 134217729.0; // 2^27 + 1
/** a*b - p for p = RN(a*b) (Dekker). Exact for |a|, |b| < 2^995 and an error above 2^-1074. */
@inline export function productError(a: f64, b: f64, p: f64): f64 {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
/** a + b - s for s = RN(a + b) (Knuth's TwoSum). */
@inline export function sumError(a: f64, b: f64, s: f64): f64 {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}
/**
 * A stand-in for the error of q = RN(a/b): the sign of a/b - q, from the exact remainder, and a
 * size far below half an ulp. A quotient of two 53-bit numbers is never half-way between two
 * doubles, so only the sign matters. Needs the product q*b (≈ a) free of overflow and underflow.
 */
function quotErr(a: f64, b: f64, q: f64): f64 {
  const p = q * b;
  const rem = (a - p) - productError(q, b, p); // a - p is exact (Sterbenz)
  return rem == 0 ? 0 : ((rem > 0) == (b > 0) ? Math.abs(q) : -Math.abs(q)) * TINY;
}
/** The same for r = RN(sqrt(a)); a root is never half-way either. */
function rootErr(a: f64, r: f64): f64 {
  const p = r * r;
  const rem = (a - p) - productError(r, r, p);
  return rem == 0 ? 0 : (rem > 0 ? r : -r) * TINY;
}

// ---- exact rounding ----
let uexp: i32 = 0; // exponent set by unpack
let hi: u64 = 0, lo: u64 = 0; // 128-bit results

/** Significand of a finite nonzero double (sign ignored), normalized to bit 63; value = sig × 2^(uexp-63). */
function unpack(b: u64): u64 {
  const e = <i32>(b >> 52) & 0x7ff, f = b & FRAC;
  if (e == 0) { const z = <i32>clz(f); uexp = -1011 - z; return f << z; }
  uexp = e - 1023;
  return (f | 0x10_0000_0000_0000) << 11;
}
/** The same significand as a double in [1, 2), with the sign of b; exponent in uexp. */
function unpack1(b: u64): f64 {
  return reinterpret<f64>((b & 0x8000_0000_0000_0000) | 0x3ff0_0000_0000_0000 | ((unpack(b) >> 11) & FRAC));
}
/** a × b as 128 bits in hi:lo, from 32-bit halves. */
function mul128(a: u64, b: u64): void {
  const a0 = a & 0xffff_ffff, a1 = a >> 32, b0 = b & 0xffff_ffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
  lo = (mid << 32) | (p00 & 0xffff_ffff);
  hi = a1 * b1 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
/** h:l >> n into hi:lo; whatever is shifted out is ORed into bit 0 (sticky). */
function shiftRightJam(h: u64, l: u64, n: i32): void {
  if (n == 0) { hi = h; lo = l; }
  else if (n < 64) { lo = (h << (64 - n)) | (l >> n) | <u64>((l << (64 - n)) != 0); hi = h >> n; }
  else if (n == 64) { lo = h | <u64>(l != 0); hi = 0; }
  else if (n < 128) { lo = (h >> (n - 64)) | <u64>(((h << (128 - n)) | l) != 0); hi = 0; }
  else { lo = <u64>((h | l) != 0); hi = 0; }
}

/** Whether the magnitude m (kept bits) goes up a unit, given the bits below it (rest, half = their midpoint). */
@inline function roundsUp(rm: u32, neg: bool, m: u64, rest: u64, half: u64): bool {
  switch (rm) {
    case RNE: return rest > half || (rest == half && (m & 1) != 0);
    case RMM: return rest >= half;
    case RUP: return rest != 0 && !neg;
    case RDN: return rest != 0 && neg;
    default: return false;
  }
}
function overflow(neg: bool, rm: u32, single: bool): u64 {
  flags |= OF | NX;
  const toMax = rm == RTZ || (rm == RDN && !neg) || (rm == RUP && neg);
  return single ? (toMax ? 0x7f7f_ffff : 0x7f80_0000) : (toMax ? 0x7fef_ffff_ffff_ffff : 0x7ff0_0000_0000_0000);
}
/**
 * Round ±sig × 2^(exp-63) (sig normalized to bit 63; bit 0 may stand for any nonzero bits
 * below it) to a double, or a single, under rm; set the flags; return the bits (unsigned
 * magnitude plus sign; a single in the low 32 bits).
 */
function roundPack(neg: bool, exp: i32, sig: u64, rm: u32, single: bool): u64 {
  const p: i32 = single ? 24 : 53;
  const emin: i32 = single ? -126 : -1022;
  const signBit: u64 = neg ? (single ? 0x8000_0000 : 0x8000_0000_0000_0000) : 0;
  if (exp > (single ? 127 : 1023)) return overflow(neg, rm, single) | signBit;
  let sh = 64 - p; // bits below the last kept one
  let tiny = false;
  if (exp < emin) {
    // Tiny unless rounding to p bits with an unbounded exponent carries up to 2^emin.
    tiny = exp < emin - 1 || sig >> sh != (<u64>1 << p) - 1
      || !roundsUp(rm, neg, 1, sig & ((<u64>1 << sh) - 1), <u64>1 << (sh - 1));
    sh += emin - exp; // subnormal: fewer bits kept
    exp = emin;
    if (sh > 63) { // keep the round bit within 64: jam the rest into bit 0
      const n = sh - 63;
      sig = n >= 64 ? <u64>(sig != 0) : (sig >> n) | <u64>((sig << (64 - n)) != 0);
      sh = 63;
    }
  }
  const half: u64 = <u64>1 << (sh - 1);
  const rest = sig & ((half << 1) - 1);
  let m = sig >> sh;
  if (rest != 0) {
    flags |= tiny ? NX | UF : NX;
    if (roundsUp(rm, neg, m, rest, half)) m++;
  }
  // Biased exponent minus one, plus m: a normal m in [2^(p-1), 2^p] supplies the hidden bit
  // (or carries into the exponent); a subnormal has field 0 and m < 2^(p-1), or m = 2^(p-1)
  // when it rounded up to the smallest normal.
  const bits = (<u64>(exp - emin) << (p - 1)) + m;
  if (bits >= (single ? <u64>0x7f80_0000 : 0x7ff0_0000_0000_0000)) return overflow(neg, rm, single) | signBit;
  return bits | signBit;
}
/**
 * Round (r + err) × 2^scale, where r = RN(exact) was computed without underflow or overflow
 * and err = exact - r is exact, or has the right sign and is half the gap to a neighbour only
 * when exact is such a tie. r has 53 significant bits, so the 11 low bits of its 64-bit
 * significand are free: exact is encoded just off r toward err (or at the half-way point),
 * on the same side as exact of every number and midpoint of precision 53 or less.
 */
function packErr(r: f64, err: f64, scale: i32, rm: u32, single: bool): u64 {
  const b = reinterpret<u64>(r);
  const neg = (b >> 63) != 0;
  let sig = unpack(b);
  let e = uexp + scale;
  if (err != 0) {
    const away = (err > 0) != neg;
    const nb = reinterpret<f64>(away ? b + 1 : b - 1); // the neighbour toward err
    const tie = 2 * Math.abs(err) == Math.abs(nb - r);
    if (away) sig += tie ? <u64>1 << 10 : 1;
    else {
      sig -= tie ? (sig == <u64>1 << 63 ? <u64>1 << 9 : <u64>1 << 10) : 1; // below a power of two the gap halves
      if (sig >> 63 == 0) { sig <<= 1; e--; }
    }
  }
  return roundPack(neg, e, sig, rm, single);
}
/** A double result from r = RN(exact) and err = exact - r (exact): fast path when safely normal. */
function finish64(r: f64, err: f64, rm: u32): f64 {
  if (err == 0) return r;
  const m = Math.abs(r);
  if (m < LOW || m >= HIGH) return reinterpret<f64>(packErr(r, err, 0, rm, false));
  flags |= NX;
  if (rm == RNE) return r;
  const away = (err > 0) == (r > 0);
  const nb = reinterpret<f64>(reinterpret<u64>(r) + (away ? 1 : -1));
  switch (rm) {
    case RTZ: return away ? r : nb;
    case RDN: return err < 0 ? nb : r;
    case RUP: return err > 0 ? nb : r;
    default: return away && 2 * Math.abs(err) == Math.abs(nb - r) ? nb : r; // RMM: a tie went to even
  }
}
/** A single result from a double d and err as packErr's (0 when d is exact). */
function finish32(d: f64, err: f64, rm: u32): f32 {
  const r = <f32>d;
  if (err == 0 && <f64>r == d) return r; // exact, incl. zeros and infinities
  // To nearest, a finite result from 2^-125 up is right unless d lies on a midpoint between
  // singles (then err, lost by <f32>, decides): elsewhere exact and d round alike.
  const m = Math.abs(r);
  if (rm == RNE && m >= <f32>2.350988701644575e-38 && m < Infinity
    && (reinterpret<u64>(d) & 0x1fff_ffff) != 0x1000_0000) { flags |= NX; return r; }
  return reinterpret<f32>(<u32>packErr(d, err, 0, rm, true));
}

// ---- double ----
export function add64(a: f64, b: f64, rm: u32): f64 {
  if (anySnan64(a, b)) flags |= NV;
  const r = a + b;
  if (r != r) { if (a == a && b == b) flags |= NV; return nan64(); }
  if (r == 0) return zeroSum(sign64(a), sign64(b), rm); // a sum never underflows: exactly zero
  if (isInf(r)) {
    if (isInf(a) || isInf(b)) return r;
    // Overflowed to nearest; the mode decides. Both operands are ≥ 2^969 here, so halving is exact.
    const ha = a * 0.5, hb = b * 0.5, h = ha + hb;
    return reinterpret<f64>(packErr(h, sumError(ha, hb, h), 1, rm, false));
  }
  return finish64(r, sumError(a, b, r), rm);
}
/** Where productError is exact for a product r = a*b: |r| ≥ 2^-960, |a|, |b| < 2^995. */
export const MUL_LOW: f64 = 1.0261342003245941e-289;
export const MUL_HIGH: f64 = 3.3484643974570854e+299;
export function mul64(a: f64, b: f64, rm: u32): f64 {
  if (anySnan64(a, b)) flags |= NV;
  const r = a * b;
  if (r != r) { if (a == a && b == b) flags |= NV; return nan64(); }
  if (a == 0 || b == 0 || isInf(a) || isInf(b)) return r; // exact
  const m = Math.abs(r);
  if (m >= MUL_LOW && m < HIGH && Math.abs(a) < MUL_HIGH && Math.abs(b) < MUL_HIGH) return finish64(r, productError(a, b, r), rm);
  return reinterpret<f64>(mulExact(reinterpret<u64>(a), reinterpret<u64>(b), rm));
}
/** The product of two finite nonzero doubles, rounded once from its 106-bit significand. */
function mulExact(a: u64, b: u64, rm: u32): u64 {
  const sa = unpack(a), ea = uexp;
  mul128(sa, unpack(b)); // in [2^126, 2^128)
  let e = ea + uexp + 1;
  if (hi >> 63 == 0) { hi = (hi << 1) | (lo >> 63); lo <<= 1; e--; }
  return roundPack(((a ^ b) >> 63) != 0, e, hi | <u64>(lo != 0), rm, false);
}
@inline function inDivRange(x: f64): bool { // [2^-900, 2^900]
  const m = Math.abs(x);
  return m >= 1.1830521861667747e-271 && m <= 8.452712498170644e+270;
}
export function div64(a: f64, b: f64, rm: u32): f64 {
  if (anySnan64(a, b)) flags |= NV;
  const r = a / b;
  if (r != r) { if (a == a && b == b) flags |= NV; return nan64(); }
  if (b == 0) { if (!isInf(a)) flags |= DZ; return r; }
  if (a == 0 || isInf(a) || isInf(b)) return r; // exact
  if (inDivRange(a) && inDivRange(b) && inDivRange(r)) return finish64(r, quotErr(a, b, r), rm);
  // Far from 1: divide the significands (in [1, 2)), round once with the exponents put back.
  const ma = unpack1(reinterpret<u64>(a)), ea = uexp;
  const mb = unpack1(reinterpret<u64>(b));
  const q = ma / mb;
  return reinterpret<f64>(packErr(q, quotErr(ma, mb, q), ea - uexp, rm, false));
}
export function sqrt64(a: f64, rm: u32): f64 {
  if (isSnan64(reinterpret<u64>(a))) flags |= NV;
  if (a != a) return nan64();
  if (a < 0) { flags |= NV; return nan64(); }
  if (a == 0 || a == Infinity) return a; // sqrt(-0) = -0
  if (inDivRange(a)) { const r = Math.sqrt(a); return finish64(r, rootErr(a, r), rm); }
  // a = m × 2^2k with m in [1, 4): sqrt(a) = sqrt(m) × 2^k, always normal.
  let m = unpack1(reinterpret<u64>(a));
  const odd = uexp & 1;
  if (odd) m *= 2;
  const r = Math.sqrt(m);
  return reinterpret<f64>(packErr(r, rootErr(m, r), (uexp - odd) >> 1, rm, false));
}
/** a*b + c with one rounding, exactly on a 128-bit significand. */
export function fma64(a: f64, b: f64, c: f64, rm: u32): f64 {
  if (anySnan64(a, b) || isSnan64(reinterpret<u64>(c))) flags |= NV;
  // ∞ × 0 is invalid even when c is a quiet NaN (11.6).
  if ((isInf(a) && b == 0) || (a == 0 && isInf(b))) { flags |= NV; return nan64(); }
  if (a != a || b != b || c != c) return nan64();
  if (isInf(a) || isInf(b)) { const r = a * b + c; if (r != r) flags |= NV; return r != r ? nan64() : r; }
  if (isInf(c)) return c;
  const pneg = sign64(a) != sign64(b);
  if (a == 0 || b == 0) return c == 0 ? zeroSum(pneg, sign64(c), rm) : c;
  const ab = reinterpret<u64>(a), bb = reinterpret<u64>(b), cb = reinterpret<u64>(c);
  if (c == 0) return reinterpret<f64>(mulExact(ab, bb, rm));
  // Product X = P × 2^(pe-127) and addend C × 2^(ce-127), both normalized to bit 127.
  const sa = unpack(ab), ea = uexp;
  mul128(sa, unpack(bb));
  let pe = ea + uexp + 1, ph = hi, pl = lo;
  if (ph >> 63 == 0) { ph = (ph << 1) | (pl >> 63); pl <<= 1; pe--; }
  let ch = unpack(cb), cl: u64 = 0, ce = uexp;
  const cneg = sign64(c);
  // Larger magnitude in p*, with its sign in neg.
  let neg = pneg;
  if (ce > pe || (ce == pe && (ch > ph || (ch == ph && cl > pl)))) {
    let t = ph; ph = ch; ch = t; t = pl; pl = cl; cl = t;
    const te = pe; pe = ce; ce = te;
    neg = cneg;
  }
  // One bit of headroom for a carry (the low bits of both are zero: nothing is lost), then
  // align the smaller; bits shifted out only matter as sticky, far below the rounding point.
  shiftRightJam(ch, cl, pe - ce + 1);
  ch = hi; cl = lo;
  pl = (ph << 63) | (pl >> 1); ph >>= 1; pe++;
  if (pneg == cneg) { pl += cl; ph += ch + <u64>(pl < cl); }
  else {
    if (ph == ch && pl == cl) return zeroSum(false, true, rm); // exact cancellation
    ph = ph - ch - <u64>(pl < cl); pl -= cl;
  }
  const z = ph != 0 ? <i32>clz(ph) : 64 + <i32>clz(pl);
  if (z >= 64) { ph = pl << (z - 64); pl = 0; }
  else if (z > 0) { ph = (ph << z) | (pl >> (64 - z)); pl <<= z; }
  return reinterpret<f64>(roundPack(neg, pe - z, ph | <u64>(pl != 0), rm, false));
}
export function fromSingle(a: f32): f64 {
  const b = reinterpret<u32>(a);
  if (a != a) { if (isSnan32(b)) flags |= NV; return nan64(); }
  return <f64>a;
}

// ---- single: computed in double exactly, or with a known error, then rounded once ----
@inline function snan32in(a: f32, b: f32): void {
  if (isSnan32(reinterpret<u32>(a)) || isSnan32(reinterpret<u32>(b))) flags |= NV;
}
@inline function sign32(x: f32): bool { return (reinterpret<u32>(x) >> 31) != 0; }
export function add32(a: f32, b: f32, rm: u32): f32 {
  snan32in(a, b);
  const da = <f64>a, db = <f64>b;
  const d = da + db; // cannot overflow or underflow in double
  if (d != d) { if (a == a && b == b) flags |= NV; return nan32(); }
  if (d == 0) return <f32>zeroSum(sign32(a), sign32(b), rm);
  return finish32(d, isInf(d) ? 0 : sumError(da, db, d), rm);
}
export function mul32(a: f32, b: f32, rm: u32): f32 {
  snan32in(a, b);
  const d = <f64>a * <f64>b; // exact: 24 + 24 bits
  if (d != d) { if (a == a && b == b) flags |= NV; return nan32(); }
  return finish32(d, 0, rm);
}
export function div32(a: f32, b: f32, rm: u32): f32 {
  snan32in(a, b);
  const da = <f64>a, db = <f64>b;
  const d = da / db;
  if (d != d) { if (a == a && b == b) flags |= NV; return nan32(); }
  if (b == 0) { if (!isInf(da)) flags |= DZ; return <f32>d; }
  if (a == 0 || isInf(da) || isInf(db)) return <f32>d;
  return finish32(d, quotErr(da, db, d), rm); // |d| in [2^-277, 2^277]: the remainder is exact
}
export function sqrt32(a: f32, rm: u32): f32 {
  if (isSnan32(reinterpret<u32>(a))) flags |= NV;
  if (a != a) return nan32();
  if (a < 0) { flags |= NV; return nan32(); }
  if (a == 0 || a == Infinity) return a;
  const d = Math.sqrt(<f64>a);
  return finish32(d, rootErr(<f64>a, d), rm);
}
export function fma32(a: f32, b: f32, c: f32, rm: u32): f32 {
  snan32in(a, b);
  if (isSnan32(reinterpret<u32>(c))) flags |= NV;
  if ((Math.abs(a) == Infinity && b == 0) || (a == 0 && Math.abs(b) == Infinity)) { flags |= NV; return nan32(); }
  const p = <f64>a * <f64>b, dc = <f64>c; // p exact and finite for finite a, b
  const d = p + dc;
  if (d != d) { if (a == a && b == b && c == c) flags |= NV; return nan32(); }
  if (d == 0) return <f32>zeroSum(sign64(p), sign32(c), rm);
  return finish32(d, isInf(d) ? 0 : sumError(p, dc, d), rm);
}
export function toSingleRounded(d: f64, rm: u32): f32 {
  if (isSnan64(reinterpret<u64>(d))) flags |= NV;
  if (d != d) return nan32();
  return finish32(d, 0, rm);
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
  const man = b & FRAC;
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
  const neg = signed && <i64>v < 0;
  const m = neg ? 0 - v : v;
  if (m < <u64>1 << 53) return neg ? -<f64>m : <f64>m; // exact
  const z = <i32>clz(m);
  return reinterpret<f64>(roundPack(neg, 63 - z, m << z, rm, false));
}
export function fromInt32(v: u64, signed: bool, rm: u32): f32 {
  const neg = signed && <i64>v < 0;
  const m = neg ? 0 - v : v;
  if (m < <u64>1 << 24) return neg ? -<f32>m : <f32>m;
  const z = <i32>clz(m);
  return reinterpret<f32>(<u32>roundPack(neg, 63 - z, m << z, rm, true));
}
