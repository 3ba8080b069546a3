#!/usr/bin/env python3
"""Expected results for the numeric cases of src/fd.S, from exact rational arithmetic.

Prints macro lines (FOP2/FOP3/FOP1/F2I/I2F/F2F); fd.S holds them verbatim between
the `generated` markers, with the hand-written special cases (NaN, infinities,
signed zeros, saturation) around them. IEEE 754-2008 binary32/binary64, RISC-V rules:
tininess after rounding, canonical NaN, fflags NV DZ OF UF NX = 16 8 4 2 1.
Run: python3 gen/fpcases.py > /tmp/cases.txt
"""
from fractions import Fraction as Fr
import math

NV, DZ, OF, UF, NX = 16, 8, 4, 2, 1
FMT = {'s': (24, -126, 127, 8, 23), 'd': (53, -1022, 1023, 11, 52)}
RMS = ['rne', 'rtz', 'rdn', 'rup', 'rmm']


def ilog2(v):
    """floor(log2(v)) for a positive Fraction"""
    e = v.numerator.bit_length() - v.denominator.bit_length()
    while Fr(2) ** e > v: e -= 1
    while Fr(2) ** (e + 1) <= v: e += 1
    return e


def decode(bits, f):
    p, emin, emax, ew, mw = FMT[f]
    sign = bits >> (ew + mw) & 1
    e = bits >> mw & ((1 << ew) - 1)
    m = bits & ((1 << mw) - 1)
    assert e != (1 << ew) - 1, "finite values only"
    if e == 0:
        v = Fr(m, 1) * Fr(2) ** (emin - mw)
    else:
        v = Fr((1 << mw) | m) * Fr(2) ** (e - (1 << (ew - 1)) + 1 - mw)
    return sign, v


def encode(sign, v, f):
    """v: exact representable magnitude (Fraction) or 'inf'."""
    p, emin, emax, ew, mw = FMT[f]
    s = sign << (ew + mw)
    if v == 'inf':
        return s | (((1 << ew) - 1) << mw)
    if v == 0:
        return s
    e = ilog2(v)
    if e < emin:
        m = v / Fr(2) ** (emin - mw)
        assert m.denominator == 1
        return s | int(m)
    m = v / Fr(2) ** (e - mw)
    assert m.denominator == 1 and (1 << mw) <= m < (1 << (mw + 1))
    return s | ((e + (1 << (ew - 1)) - 1) << mw) | (int(m) - (1 << mw))


def rnd_int(a, sign, rm):
    """round non-negative Fraction a to an integer magnitude, for a value of given sign."""
    fl = a.numerator // a.denominator
    fr = a - fl
    if fr == 0:
        return fl
    if rm == 'rtz':
        return fl
    if rm == 'rdn':
        return fl + 1 if sign else fl
    if rm == 'rup':
        return fl if sign else fl + 1
    if fr > Fr(1, 2):
        return fl + 1
    if fr < Fr(1, 2):
        return fl
    if rm == 'rmm':
        return fl + 1
    return fl + (fl & 1)  # rne


def round_fp(x, f, rm, zero_sign=None):
    """x: exact Fraction result (or (Fraction, sticky) for sqrt). Returns (bits, flags)."""
    p, emin, emax, ew, mw = FMT[f]
    if x == 0:
        return encode(zero_sign, 0, f), 0
    sign = 1 if x < 0 else 0
    a = abs(x)
    e = ilog2(a)
    q = max(e, emin) - (p - 1)
    r = rnd_int(a / Fr(2) ** q, sign, rm) * Fr(2) ** q
    flags = NX if r != a else 0
    # tininess after rounding: round with unbounded exponent range
    ru = rnd_int(a / Fr(2) ** (e - (p - 1)), sign, rm) * Fr(2) ** (e - (p - 1))
    if ru < Fr(2) ** emin and r != a:
        flags |= UF
    maxv = (Fr(2) - Fr(2) ** (1 - p)) * Fr(2) ** emax
    if r > maxv:
        flags |= OF | NX
        to_inf = rm in ('rne', 'rmm') or (rm == 'rup' and not sign) or (rm == 'rdn' and sign)
        return encode(sign, 'inf' if to_inf else maxv, f), flags
    return encode(sign, r, f), flags


def sqrt_fr(v):
    # a Fraction strictly inside the same rounding interval as sqrt(v)
    s = 400
    n = v.numerator * 4 ** s // v.denominator
    exact = n * v.denominator == v.numerator * 4 ** s
    r = math.isqrt(n)
    if exact and r * r == n:
        return Fr(r, 2 ** s)
    return Fr(2 * r + 1, 2 ** (s + 1))


def f2i(bits, f, rm, op):
    sign, v = decode(bits, f)
    r = rnd_int(v, sign, rm)
    val = -r if sign else r
    lo, hi = {'w': (-2**31, 2**31 - 1), 'wu': (0, 2**32 - 1), 'l': (-2**63, 2**63 - 1), 'lu': (0, 2**64 - 1)}[op]
    if val < lo or val > hi:
        val = lo if (sign and val < lo) else hi
        if op in ('wu', 'lu') and sign:
            val = 0
        return val, NV
    return val, (NX if r != v else 0)


def i2f(val, f, rm):
    return round_fp(Fr(val), f, rm, zero_sign=0)


def xreg(val, op):
    """what the x register holds: 32-bit results sign-extended."""
    if op in ('w', 'wu'):
        val &= 0xffffffff
        if val >> 31:
            val |= 0xffffffff00000000
    return val & (2**64 - 1)


def sz_sum(sa, sb, rm):
    # sign of an exact zero sum of operands with signs sa, sb
    if sa == sb:
        return sa
    return 1 if rm == 'rdn' else 0


n = 300
def num():
    global n
    n += 1
    if n % 256 == 0:
        n += 1
    return n


def fop2(op, f, a, b):
    sa, va = decode(a, f); sb, vb = decode(b, f)
    xa = -va if sa else va; xb = -vb if sb else vb
    for rm in RMS:
        if op == 'add':
            x = xa + xb; zs = sz_sum(sa, sb, rm)
        elif op == 'sub':
            x = xa - xb; zs = sz_sum(sa, 1 - sb, rm)
        elif op == 'mul':
            x = xa * xb; zs = sa ^ sb
        elif op == 'div':
            x = xa / xb; zs = sa ^ sb
        bits, fl = round_fp(x, f, rm, zs)
        print(f"        FOP2 {num()}, f{op}.{f}, {f}, {rm}, {a:#x}, {b:#x}, {bits:#x}, {fl:#x}")


def fop3(op, f, a, b, c):
    sa, va = decode(a, f); sb, vb = decode(b, f); sc, vc = decode(c, f)
    xa = -va if sa else va; xb = -vb if sb else vb; xc = -vc if sc else vc
    for rm in RMS:
        prod = xa * xb; ps = sa ^ sb
        if op == 'fmadd': x = prod + xc; zs = sz_sum(ps, sc, rm)
        elif op == 'fmsub': x = prod - xc; zs = sz_sum(ps, 1 - sc, rm)
        elif op == 'fnmsub': x = -prod + xc; zs = sz_sum(1 - ps, sc, rm)
        elif op == 'fnmadd': x = -prod - xc; zs = sz_sum(1 - ps, 1 - sc, rm)
        bits, fl = round_fp(x, f, rm, zs)
        print(f"        FOP3 {num()}, {op}.{f}, {f}, {rm}, {a:#x}, {b:#x}, {c:#x}, {bits:#x}, {fl:#x}")


def fsqrt(f, a):
    sa, va = decode(a, f)
    assert sa == 0
    for rm in RMS:
        bits, fl = round_fp(sqrt_fr(va), f, rm, 0)
        print(f"        FOP1 {num()}, fsqrt.{f}, {f}, {rm}, {a:#x}, {bits:#x}, {fl:#x}")


def fcvt_f2i(op, f, a):
    for rm in RMS:
        val, fl = f2i(a, f, rm, op)
        print(f"        F2I {num()}, fcvt.{op}.{f}, {f}, {rm}, {a:#x}, {xreg(val, op):#x}, {fl:#x}")


def fcvt_i2f(op, f, val):
    exact = f == 'd' and op in ('w', 'wu')     # no rm operand: always exact
    for rm in (['rne'] if exact else RMS):
        v = val
        if op == 'w': v = ((val & 0xffffffff) ^ 0x80000000) - 0x80000000
        if op == 'wu': v = val & 0xffffffff
        if op == 'l': v = ((val & (2**64 - 1)) ^ 2**63) - 2**63
        if op == 'lu': v = val & (2**64 - 1)
        bits, fl = i2f(v, f, rm)
        if exact:
            print(f"        I2FX {num()}, fcvt.{f}.{op}, {f}, {val & (2**64 - 1):#x}, {bits:#x}, {fl:#x}")
            continue
        print(f"        I2F {num()}, fcvt.{f}.{op}, {f}, {rm}, {val & (2**64 - 1):#x}, {bits:#x}, {fl:#x}")


def fcvt_d2s(a):
    sa, va = decode(a, 'd')
    for rm in RMS:
        bits, fl = round_fp(-va if sa else va, 's', rm, sa)
        print(f"        F2F {num()}, fcvt.s.d, {rm}, {a:#x}, {bits:#x}, {fl:#x}")


S1, S2, S3 = 0x3f800000, 0x40000000, 0x40400000
# ---- single
fop2('add', 's', S1, S2)
fop2('add', 's', S1, 0x33800000)            # 1 + 2^-24: a tie
fop2('add', 's', 0x3f800001, 0x33800000)    # odd + half ulp
fop2('add', 's', 0xbf800000, 0xb3800000)    # negative tie
fop2('add', 's', S1, 0x33000001)            # just under half an ulp... above a quarter
fop2('sub', 's', S1, S1)                    # exact zero: -0 in rdn
fop2('sub', 's', 0x3f800000, 0x33800001)    # 1 - (just over 2^-24)
fop2('mul', 's', S3, 0x3f000000)
fop2('mul', 's', 0x7f7fffff, S2)            # overflow
fop2('mul', 's', 0xff7fffff, S2)            # negative overflow
fop2('mul', 's', 0x00000001, 0x3f000000)    # 2^-150: underflow to 0 or min subnormal
fop2('mul', 's', 0x00800000, 0x3f000000)    # exact subnormal: no flags
fop2('mul', 's', 0x3f7fffff, 0x00800000)    # tiny after rounding, inexact: UF
fop2('mul', 's', 0x3f800001, 0x3f7fffff)
fop2('div', 's', S1, S3)                    # 1/3
fop2('div', 's', 0xbf800000, S3)            # -1/3
fop2('div', 's', 0x40e00000, S2)            # exact 3.5
fop2('div', 's', 0x00800000, 0x4b000000)    # deep subnormal result
fsqrt('s', 0x40800000)                      # exact 2
fsqrt('s', S2)                              # sqrt 2
fsqrt('s', 0x00000001)                      # sqrt of the least subnormal
fop3('fmadd', 's', 0x3f800001, 0x3f7fffff, 0xbf800000)  # fused: -2^-46, unfused: 0
fop3('fmadd', 's', S1, S2, S3)
fop3('fmsub', 's', S1, S2, S3)
fop3('fnmsub', 's', S1, S2, S3)
fop3('fnmadd', 's', S1, S2, S3)
fop3('fmadd', 's', 0x00000000, 0xbf800000, 0x00000000)  # +0*-1 + +0: -0 only in rdn
fop3('fmsub', 's', S1, S1, S1)                          # exact zero
fop3('fnmadd', 's', 0x3f800001, 0x3f800001, 0x33800000)
fcvt_f2i('w', 's', 0x40200000)              # 2.5
fcvt_f2i('w', 's', 0xc0200000)              # -2.5
fcvt_f2i('w', 's', 0x3fc00000)              # 1.5
fcvt_f2i('w', 's', 0xbf000000)              # -0.5
fcvt_f2i('wu', 's', 0xbf000000)             # -0.5 unsigned: 0 or invalid
fcvt_f2i('wu', 's', 0xbf800000)             # -1 unsigned: invalid
fcvt_f2i('w', 's', 0x4f000000)              # 2^31: invalid
fcvt_f2i('w', 's', 0xcf000000)              # -2^31: exact
fcvt_f2i('w', 's', 0xcf000001)              # below -2^31
fcvt_f2i('wu', 's', 0x4f32d05e)             # 3e9 (sign-extended in x)
fcvt_f2i('wu', 's', 0x4f800000)             # 2^32: invalid
fcvt_f2i('l', 's', 0x5f000000)              # 2^63: invalid
fcvt_f2i('l', 's', 0xdf000000)              # -2^63: exact
fcvt_f2i('lu', 's', 0x5f7fffff)             # just under 2^64
fcvt_f2i('lu', 's', 0xbf800000)
fcvt_i2f('w', 's', 16777217)                # 2^24 + 1
fcvt_i2f('w', 's', -16777217)
fcvt_i2f('w', 's', 0x100000001)             # upper bits ignored: 1
fcvt_i2f('wu', 's', 0xffffffff)
fcvt_i2f('wu', 's', 0xffffffff80000000)     # low word only: 2^31
fcvt_i2f('l', 's', 2**63 - 1)
fcvt_i2f('l', 's', -(2**63))
fcvt_i2f('lu', 's', 2**64 - 1)
fcvt_i2f('l', 's', 0)
fcvt_d2s(0x3ff0000010000000)                # 1 + 2^-24
fcvt_d2s(0x3fd5555555555555)                # 1/3
fcvt_d2s(0x7e37e43c8800759c)                # 1e300: overflow
fcvt_d2s(0x380fffffff000000)                # just under 2^-126: rounds up to min normal (not tiny after rounding)
fcvt_d2s(0x36a8000000000000)                # 1.5 * 2^-149
fcvt_d2s(0xb6a0000000000000)                # -2^-149: exact subnormal
fcvt_d2s(0x3690000000000000)                # 2^-150
# ---- double
D1, D2, D3 = 0x3ff0000000000000, 0x4000000000000000, 0x4008000000000000
fop2('add', 'd', D1, D2)
fop2('add', 'd', D1, 0x3ca0000000000000)    # 1 + 2^-53
fop2('add', 'd', 0x3ff0000000000001, 0x3ca0000000000000)
fop2('sub', 'd', D2, D2)
fop2('mul', 'd', 0x7fefffffffffffff, D2)
fop2('mul', 'd', 0x0000000000000001, 0x3fe0000000000000)
fop2('mul', 'd', 0x3fefffffffffffff, 0x0010000000000000)
fop2('div', 'd', D1, D3)
fop2('div', 'd', 0xc01c000000000000, D2)    # -7/2
fsqrt('d', D2)
fsqrt('d', 0x4022000000000000)              # 9
fop3('fmadd', 'd', 0x3ff0000000000001, 0x3fefffffffffffff, 0xbff0000000000000)
fop3('fnmsub', 'd', D2, D3, 0x3ff8000000000000)
fop3('fmadd', 'd', 0x7fefffffffffffff, D2, 0xffefffffffffffff)  # fused: no overflow
fcvt_f2i('w', 'd', 0x41dfffffffe00000)      # 2147483647.5: rne rounds out of range
fcvt_f2i('w', 'd', 0xc1e0000000100000)      # -2147483648.5
fcvt_f2i('wu', 'd', 0xbfeccccccccccccd)     # -0.9
fcvt_f2i('l', 'd', 0x4004000000000000)      # 2.5
fcvt_f2i('l', 'd', 0xc004000000000000)      # -2.5
fcvt_f2i('lu', 'd', 0x43f0000000000000)     # 2^64
fcvt_f2i('l', 'd', 0x43e0000000000000)      # 2^63
fcvt_f2i('lu', 'd', 0x43efffffffffffff)
fcvt_i2f('l', 'd', 2**53 + 1)
fcvt_i2f('l', 'd', -(2**53) - 3)
fcvt_i2f('lu', 'd', 2**64 - 1)
fcvt_i2f('w', 'd', -(2**31))
fcvt_i2f('wu', 'd', 0xffffffff)
