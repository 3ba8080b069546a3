# fd: F and D. Arithmetic and the fused multiply-adds (one rounding), sqrt, div,
# conversions both ways, each in all five rounding modes, static rm and dynamic frm;
# exact fflags (NV DZ OF UF NX; tininess after rounding); canonical NaN results;
# NaN-boxing (a single read from a non-boxed register is the canonical NaN, moves
# and stores take the low bits); fmin/fmax with NaNs and signed zeros; fclass;
# fcvt to int saturating out-of-range and NaN inputs; fsgnj*; fmv.x.w sign
# extension; feq quiet vs flt/fle signaling; flw/fsw/fld/fsd; fcsr/frm/fflags;
# reserved rounding modes (static and dynamic) are illegal; mstatus.FS: Off traps,
# writes make it Dirty (and SD). Numeric cases (tests 301+) come from gen/fpcases.py.
        .include "common.inc"

        .equ NV, 0x10
        .equ DZ, 0x08
        .equ OF, 0x04
        .equ UF, 0x02
        .equ NX, 0x01
        .equ QNS, 0x7fc00000            # canonical NaN, single
        .equ SNS, 0x7f800001
        .equ QNSP, 0x7fc12345           # quiet, with a payload
        .equ INFS, 0x7f800000
        .equ NINFS, 0xff800000
        .equ ONES, 0x3f800000
        .equ TWOS, 0x40000000
        .equ QND, 0x7ff8000000000000
        .equ SND, 0x7ff0000000000001
        .equ QNDP, 0x7ff8000012345678
        .equ INFD, 0x7ff0000000000000
        .equ NINFD, 0xfff0000000000000
        .equ ONED, 0x3ff0000000000000
        .equ TWOD, 0x4000000000000000
        .equ BOX, 0xffffffff00000000

.macro LDFs fr, bits
        li t0, \bits
        fmv.w.x \fr, t0
.endm
.macro LDFd fr, bits
        li t0, \bits
        fmv.d.x \fr, t0
.endm
# the whole 64-bit register: singles must come back NaN-boxed
.macro RESFs fr, bits
        fmv.x.d a0, \fr
        CHECK a0, BOX | (\bits)
.endm
.macro RESFd fr, bits
        fmv.x.d a0, \fr
        CHECK a0, \bits
.endm
# fflags since the last clear, then clear them
.macro FLAGS f
        csrrw a0, fflags, zero
        CHECK a0, \f
.endm

.macro FOP2 n, op, fmt, rm, a, b, exp, fl
        TEST \n
        LDF\()\fmt fa0, \a
        LDF\()\fmt fa1, \b
        csrwi fflags, 0
        \op fa2, fa0, fa1, \rm
        RESF\()\fmt fa2, \exp
        FLAGS \fl
.endm
.macro FOP3 n, op, fmt, rm, a, b, c, exp, fl
        TEST \n
        LDF\()\fmt fa0, \a
        LDF\()\fmt fa1, \b
        LDF\()\fmt fa3, \c
        csrwi fflags, 0
        \op fa2, fa0, fa1, fa3, \rm
        RESF\()\fmt fa2, \exp
        FLAGS \fl
.endm
.macro FOP1 n, op, fmt, rm, a, exp, fl
        TEST \n
        LDF\()\fmt fa0, \a
        csrwi fflags, 0
        \op fa2, fa0, \rm
        RESF\()\fmt fa2, \exp
        FLAGS \fl
.endm
# no rounding mode: fmin/fmax/fsgnj*
.macro FMM n, op, fmt, a, b, exp, fl
        TEST \n
        LDF\()\fmt fa0, \a
        LDF\()\fmt fa1, \b
        csrwi fflags, 0
        \op fa2, fa0, fa1
        RESF\()\fmt fa2, \exp
        FLAGS \fl
.endm
.macro FCMP n, op, fmt, a, b, exp, fl
        TEST \n
        LDF\()\fmt fa0, \a
        LDF\()\fmt fa1, \b
        csrwi fflags, 0
        li a0, 55
        \op a0, fa0, fa1
        CHECK a0, \exp
        FLAGS \fl
.endm
.macro FCLS n, op, fmt, a, exp
        TEST \n
        LDF\()\fmt fa0, \a
        csrwi fflags, 0
        \op a0, fa0
        CHECK a0, \exp
        FLAGS 0
.endm
.macro F2I n, op, fmt, rm, a, exp, fl
        TEST \n
        LDF\()\fmt fa0, \a
        csrwi fflags, 0
        \op a0, fa0, \rm
        CHECK a0, \exp
        FLAGS \fl
.endm
.macro I2F n, op, fmt, rm, a, exp, fl
        TEST \n
        li a1, \a
        csrwi fflags, 0
        \op fa2, a1, \rm
        RESF\()\fmt fa2, \exp
        FLAGS \fl
.endm
.macro I2FX n, op, fmt, a, exp, fl      # exact: no rounding mode operand
        TEST \n
        li a1, \a
        csrwi fflags, 0
        \op fa2, a1
        RESF\()\fmt fa2, \exp
        FLAGS \fl
.endm
.macro F2F n, op, rm, a, exp, fl        # double to single
        TEST \n
        LDFd fa0, \a
        csrwi fflags, 0
        \op fa2, fa0, \rm
        RESFs fa2, \exp
        FLAGS \fl
.endm
.macro S2D n, a, exp, fl                # single to double (exact)
        TEST \n
        LDFs fa0, \a
        csrwi fflags, 0
        fcvt.d.s fa2, fa0
        RESFd fa2, \exp
        FLAGS \fl
.endm

.macro ILLEGAL n, insn:vararg
        TEST \n
        TRY .Lr\@, PRV_M
        \insn
.Lr\@:  CAUGHT CAUSE_ILLEGAL
.endm

        .text
        .globl test_main
test_main:
        csrwi fcsr, 0
        # ---- invalid operations, infinities, division by zero: canonical NaN out
        FOP2 1, fadd.s, s, rne, INFS, NINFS, QNS, NV
        FOP2 2, fadd.s, s, rne, QNSP, ONES, QNS, 0
        FOP2 3, fadd.s, s, rne, SNS, ONES, QNS, NV
        FOP2 4, fmul.s, s, rne, 0, INFS, QNS, NV
        FOP2 5, fdiv.s, s, rne, 0, 0, QNS, NV
        FOP2 6, fdiv.s, s, rne, INFS, INFS, QNS, NV
        FOP2 7, fdiv.s, s, rne, ONES, 0, INFS, DZ
        FOP2 8, fdiv.s, s, rne, 0xbf800000, 0, NINFS, DZ
        FOP2 9, fdiv.s, s, rne, ONES, 0x80000000, NINFS, DZ
        FOP2 10, fdiv.s, s, rne, INFS, 0, INFS, 0
        FOP1 11, fsqrt.s, s, rne, 0xbf800000, QNS, NV
        FOP1 12, fsqrt.s, s, rne, 0x80000000, 0x80000000, 0
        FOP1 13, fsqrt.s, s, rne, INFS, INFS, 0
        FOP1 14, fsqrt.s, s, rne, SNS, QNS, NV
        FOP1 15, fsqrt.s, s, rne, NINFS, QNS, NV
        FOP3 16, fmadd.s, s, rne, INFS, 0, QNS, QNS, NV     # inf * 0 is invalid even with a quiet NaN addend
        FOP3 17, fmadd.s, s, rne, ONES, ONES, QNSP, QNS, 0
        FOP3 18, fmadd.s, s, rne, INFS, ONES, NINFS, QNS, NV
        FOP3 19, fmadd.s, s, rne, SNS, ONES, ONES, QNS, NV
        FOP2 20, fadd.s, s, rne, INFS, ONES, INFS, 0
        FOP2 21, fsub.s, s, rne, 0x80000000, 0, 0x80000000, 0
        FOP2 22, fadd.s, s, rne, 0x80000000, 0, 0, 0
        FOP2 23, fadd.s, s, rdn, 0x80000000, 0, 0x80000000, 0
        FOP2 24, fmul.s, s, rne, 0x80000000, INFS, QNS, NV
        FOP1 25, fsqrt.s, s, rne, QNSP, QNS, 0
        FOP2 30, fadd.d, d, rne, INFD, NINFD, QND, NV
        FOP2 31, fadd.d, d, rne, QNDP, ONED, QND, 0
        FOP2 32, fsub.d, d, rne, SND, ONED, QND, NV
        FOP2 33, fdiv.d, d, rne, 0, 0, QND, NV
        FOP2 34, fdiv.d, d, rne, 0xbff0000000000000, 0, NINFD, DZ
        FOP1 35, fsqrt.d, d, rne, 0xbff0000000000000, QND, NV
        FOP1 36, fsqrt.d, d, rne, 0x8000000000000000, 0x8000000000000000, 0
        FOP3 37, fmadd.d, d, rne, 0, INFD, QND, QND, NV
        FOP3 38, fnmsub.d, d, rne, ONED, ONED, SND, QND, NV
        FOP2 39, fmul.d, d, rne, INFD, 0x8000000000000000, QND, NV
        # ---- fmin / fmax: NaNs lose (signaling ones raise NV), -0 < +0
        FMM 50, fmin.s, s, ONES, TWOS, ONES, 0
        FMM 51, fmax.s, s, ONES, TWOS, TWOS, 0
        FMM 52, fmin.s, s, 0x80000000, 0, 0x80000000, 0
        FMM 53, fmin.s, s, 0, 0x80000000, 0x80000000, 0
        FMM 54, fmax.s, s, 0x80000000, 0, 0, 0
        FMM 55, fmax.s, s, 0, 0x80000000, 0, 0
        FMM 56, fmin.s, s, QNS, ONES, ONES, 0
        FMM 57, fmax.s, s, ONES, QNSP, ONES, 0
        FMM 58, fmin.s, s, SNS, ONES, ONES, NV
        FMM 59, fmin.s, s, QNSP, QNSP, QNS, 0
        FMM 60, fmax.s, s, SNS, QNS, QNS, NV
        FMM 61, fmin.s, s, NINFS, ONES, NINFS, 0
        FMM 62, fmax.s, s, 0xffc12345, NINFS, NINFS, 0
        FMM 63, fmin.d, d, 0x8000000000000000, 0, 0x8000000000000000, 0
        FMM 64, fmax.d, d, 0x8000000000000000, 0, 0, 0
        FMM 65, fmin.d, d, QNDP, ONED, ONED, 0
        FMM 66, fmax.d, d, ONED, SND, ONED, NV
        FMM 67, fmax.d, d, QNDP, SND, QND, NV
        FMM 68, fmin.d, d, 0xbff0000000000000, ONED, 0xbff0000000000000, 0
        # ---- comparisons: feq is quiet, flt/fle signal on any NaN
        FCMP 80, feq.s, s, ONES, ONES, 1, 0
        FCMP 81, feq.s, s, QNS, ONES, 0, 0
        FCMP 82, feq.s, s, SNS, ONES, 0, NV
        FCMP 83, flt.s, s, QNS, ONES, 0, NV
        FCMP 84, fle.s, s, ONES, QNS, 0, NV
        FCMP 85, flt.s, s, SNS, ONES, 0, NV
        FCMP 86, feq.s, s, 0x80000000, 0, 1, 0
        FCMP 87, flt.s, s, 0x80000000, 0, 0, 0
        FCMP 88, fle.s, s, 0x80000000, 0, 1, 0
        FCMP 89, flt.s, s, ONES, TWOS, 1, 0
        FCMP 90, fle.s, s, TWOS, ONES, 0, 0
        FCMP 91, flt.s, s, NINFS, INFS, 1, 0
        FCMP 92, feq.s, s, QNS, QNS, 0, 0
        FCMP 93, feq.d, d, QND, QND, 0, 0
        FCMP 94, feq.d, d, ONED, SND, 0, NV
        FCMP 95, flt.d, d, QND, ONED, 0, NV
        FCMP 96, fle.d, d, 0x8000000000000000, 0, 1, 0
        FCMP 97, flt.d, d, 0xbff0000000000000, ONED, 1, 0
        FCMP 98, fle.d, d, ONED, 0x3ff0000000000001, 1, 0
        FCMP 99, feq.d, d, ONED, 0x3ff0000000000001, 0, 0
        # ---- fclass
        FCLS 110, fclass.s, s, NINFS, 1 << 0
        FCLS 111, fclass.s, s, 0xbf800000, 1 << 1
        FCLS 112, fclass.s, s, 0x80000001, 1 << 2
        FCLS 113, fclass.s, s, 0x80000000, 1 << 3
        FCLS 114, fclass.s, s, 0, 1 << 4
        FCLS 115, fclass.s, s, 0x007fffff, 1 << 5
        FCLS 116, fclass.s, s, ONES, 1 << 6
        FCLS 117, fclass.s, s, INFS, 1 << 7
        FCLS 118, fclass.s, s, SNS, 1 << 8
        FCLS 119, fclass.s, s, QNS, 1 << 9
        FCLS 120, fclass.s, s, 0xffc00000, 1 << 9
        FCLS 121, fclass.s, s, 0xffbfffff, 1 << 8
        FCLS 122, fclass.d, d, NINFD, 1 << 0
        FCLS 123, fclass.d, d, 0xc000000000000000, 1 << 1
        FCLS 124, fclass.d, d, 0x800fffffffffffff, 1 << 2
        FCLS 125, fclass.d, d, 0x8000000000000000, 1 << 3
        FCLS 126, fclass.d, d, 0, 1 << 4
        FCLS 127, fclass.d, d, 1, 1 << 5
        FCLS 128, fclass.d, d, 0x0010000000000000, 1 << 6
        FCLS 129, fclass.d, d, INFD, 1 << 7
        FCLS 130, fclass.d, d, SND, 1 << 8
        FCLS 131, fclass.d, d, QND, 1 << 9
        # ---- sign injection: bits move untouched, NaNs included, no flags
        FMM 140, fsgnj.s, s, ONES, 0xc0000000, 0xbf800000, 0
        FMM 141, fsgnjn.s, s, ONES, 0xc0000000, ONES, 0
        FMM 142, fsgnjx.s, s, 0xbf800000, 0xc0000000, ONES, 0
        FMM 143, fsgnj.s, s, 0xffc12345, ONES, QNSP, 0
        FMM 144, fsgnj.s, s, SNS, 0xbf800000, 0xff800001, 0
        FMM 145, fsgnjn.s, s, 0x40400000, 0x40400000, 0xc0400000, 0
        FMM 146, fsgnjx.s, s, 0xc0400000, 0xc0400000, 0x40400000, 0
        FMM 147, fsgnj.d, d, ONED, 0x8000000000000000, 0xbff0000000000000, 0
        FMM 148, fsgnjn.d, d, SND, SND, 0xfff0000000000001, 0
        FMM 149, fsgnjx.d, d, 0xbff0000000000000, 0xbff0000000000000, ONED, 0
        # ---- moves
        TEST 160                        # fmv.x.w sign-extends
        LDFs fa0, 0x80000000
        fmv.x.w a0, fa0
        CHECK a0, 0xffffffff80000000
        TEST 161
        LDFs fa0, 0x7fffffff
        fmv.x.w a0, fa0
        CHECK a0, 0x7fffffff
        TEST 162                        # fmv.w.x takes the low word and boxes it
        li a1, 0x123456783f800000
        fmv.w.x fa0, a1
        RESFs fa0, ONES
        TEST 163                        # fmv.d.x / fmv.x.d: 64 bits, sNaN kept
        li a1, SND
        fmv.d.x fa0, a1
        fmv.x.d a0, fa0
        CHECK a0, SND
        TEST 164                        # fmv.x.w of a non-boxed register: the low word
        li a1, 0x123456789abcdef0
        fmv.d.x fa0, a1
        fmv.x.w a0, fa0
        CHECK a0, 0xffffffff9abcdef0
        # ---- NaN-boxing: a single operand that is not boxed is the canonical NaN
        li s1, 0x000000003f800000       # 1.0f, not boxed
        fmv.d.x fs1, s1
        li s2, 0xfffffffe3f800000       # nearly boxed
        fmv.d.x fs2, s2
        LDFs fs3, ONES
        TEST 170
        csrwi fflags, 0
        fadd.s fa2, fs1, fs3
        RESFs fa2, QNS
        FLAGS 0
        TEST 171
        fclass.s a0, fs1
        CHECK a0, 1 << 9
        fclass.s a0, fs2
        CHECK a0, 1 << 9
        TEST 172
        fcvt.d.s fa2, fs1
        RESFd fa2, QND
        FLAGS 0
        TEST 173
        feq.s a0, fs1, fs1
        CHECK a0, 0
        FLAGS 0
        TEST 174
        fsgnj.s fa2, fs1, fs3
        RESFs fa2, QNS
        TEST 175                        # fsw stores the low word as it is
        lla a1, fbuf
        fsw fs1, 0(a1)
        lwu a0, 0(a1)
        CHECK a0, 0x3f800000
        TEST 176
        LDFs fa1, TWOS
        fmin.s fa2, fs1, fa1
        RESFs fa2, TWOS
        FLAGS 0
        TEST 177
        fcvt.w.s a0, fs1, rtz
        CHECK a0, 0x7fffffff
        FLAGS NV
        TEST 178                        # a double read of a boxed single is just a (NaN) double
        fclass.d a0, fs3
        CHECK a0, 1 << 9
        # ---- loads and stores
        TEST 180
        lla a1, fbuf
        li a2, 0x40490fdb
        sw a2, 0(a1)
        flw fa0, 0(a1)
        RESFs fa0, 0x40490fdb
        TEST 181                        # no canonicalization, no flags
        li a2, SNS
        sw a2, 4(a1)
        csrwi fflags, 0
        flw fa0, 4(a1)
        RESFs fa0, SNS
        FLAGS 0
        TEST 182                        # fsw writes 4 bytes
        li a2, 0xaaaaaaaaaaaaaaaa
        sd a2, 8(a1)
        LDFs fa0, ONES
        fsw fa0, 8(a1)
        ld a0, 8(a1)
        CHECK a0, 0xaaaaaaaa3f800000
        TEST 183
        li a2, 0x0123456789abcdef
        fmv.d.x fa0, a2
        fsd fa0, 16(a1)
        ld a0, 16(a1)
        CHECK a0, 0x0123456789abcdef
        TEST 184
        li a2, SND
        sd a2, 24(a1)
        fld fa1, 24(a1)
        RESFd fa1, SND
        FLAGS 0
        TEST 185                        # negative offsets
        addi a3, a1, 32
        fld fa1, -16(a3)
        RESFd fa1, 0x0123456789abcdef
        flw fa0, -24(a3)
        RESFs fa0, ONES
        fsw fa0, -4(a3)
        lwu a0, 28(a1)
        CHECK a0, ONES
        # ---- conversions between formats
        F2F 190, fcvt.s.d, rne, QNDP, QNS, 0
        F2F 191, fcvt.s.d, rne, SND, QNS, NV
        F2F 192, fcvt.s.d, rne, NINFD, NINFS, 0
        F2F 193, fcvt.s.d, rne, 0x8000000000000000, 0x80000000, 0
        S2D 194, SNS, QND, NV
        S2D 195, 0x00000001, 0x36a0000000000000, 0
        S2D 196, NINFS, NINFD, 0
        S2D 197, 0xffc12345, QND, 0
        S2D 198, 0x80000000, 0x8000000000000000, 0
        # ---- to integer: NaN and infinities saturate, with NV
        F2I 200, fcvt.w.s, s, rtz, QNS, 0x7fffffff, NV
        F2I 201, fcvt.w.s, s, rtz, NINFS, 0xffffffff80000000, NV
        F2I 202, fcvt.w.s, s, rtz, INFS, 0x7fffffff, NV
        F2I 203, fcvt.wu.s, s, rtz, QNS, 0xffffffffffffffff, NV
        F2I 204, fcvt.wu.s, s, rtz, NINFS, 0, NV
        F2I 205, fcvt.l.s, s, rtz, QNS, 0x7fffffffffffffff, NV
        F2I 206, fcvt.l.s, s, rtz, NINFS, 0x8000000000000000, NV
        F2I 207, fcvt.lu.s, s, rtz, QNS, 0xffffffffffffffff, NV
        F2I 208, fcvt.lu.s, s, rtz, INFS, 0xffffffffffffffff, NV
        F2I 209, fcvt.lu.s, s, rtz, NINFS, 0, NV
        F2I 210, fcvt.w.d, d, rtz, SND, 0x7fffffff, NV
        F2I 211, fcvt.l.d, d, rtz, 0xfff8000000000000, 0x7fffffffffffffff, NV
        F2I 212, fcvt.wu.d, d, rtz, INFD, 0xffffffffffffffff, NV
        F2I 213, fcvt.w.s, s, rtz, 0x80000000, 0, 0
        F2I 214, fcvt.lu.d, d, rtz, 0xfff8000000000000, 0xffffffffffffffff, NV
        F2I 215, fcvt.l.d, d, rtz, NINFD, 0x8000000000000000, NV
        # ---- fcsr, frm, fflags
        TEST 220                        # fcsr holds 8 bits
        li a1, -1
        csrw fcsr, a1
        csrr a0, fcsr
        CHECK a0, 0xff
        csrr a0, frm
        CHECK a0, 7
        csrr a0, fflags
        CHECK a0, 0x1f
        TEST 221
        csrwi fcsr, 0
        csrwi frm, 2
        csrr a0, fcsr
        CHECK a0, 2 << 5
        csrsi fflags, NX
        csrr a0, fcsr
        CHECK a0, (2 << 5) | NX
        csrrci a0, fflags, NX
        CHECK a0, NX
        csrrw a0, frm, zero
        CHECK a0, 2
        csrr a0, fcsr
        CHECK a0, 0
        TEST 222                        # flags accumulate
        LDFs fa0, ONES
        LDFs fa1, 0x40400000
        LDFs fa3, 0
        fdiv.s fa2, fa0, fa1
        fdiv.s fa2, fa0, fa3
        csrr a0, fflags
        CHECK a0, NX | DZ
        fadd.s fa2, fa0, fa0            # exact: adds nothing
        FLAGS NX | DZ
        # dynamic rounding: 1 + 2^-24 is a tie
        LDFs fa1, 0x33800000
        TEST 223
        csrwi frm, 3                    # rup
        fadd.s fa2, fa0, fa1
        RESFs fa2, 0x3f800001
        TEST 224
        csrwi frm, 2                    # rdn
        fadd.s fa2, fa0, fa1, dyn
        RESFs fa2, 0x3f800000
        TEST 225
        csrwi frm, 4                    # rmm
        fadd.s fa2, fa0, fa1
        RESFs fa2, 0x3f800001
        TEST 226
        csrwi frm, 1                    # rtz
        fadd.s fa2, fa0, fa1
        RESFs fa2, 0x3f800000
        TEST 227
        csrwi frm, 0                    # rne: the tie goes to even
        LDFs fa3, 0x3f800001
        fadd.s fa2, fa3, fa1
        RESFs fa2, 0x3f800002
        TEST 228                        # a static mode wins over frm
        csrwi frm, 3
        fadd.s fa2, fa0, fa1, rne
        RESFs fa2, 0x3f800000
        TEST 229                        # frm drives conversions too
        csrwi frm, 2
        LDFs fa0, 0xc0200000            # -2.5
        fcvt.w.s a0, fa0
        CHECK a0, -3
        csrwi frm, 3
        fcvt.l.s a0, fa0
        CHECK a0, -2
        LDFd fa0, 0x4004000000000000    # 2.5
        csrwi frm, 4
        fcvt.w.d a0, fa0
        CHECK a0, 3
        csrwi frm, 0
        fcvt.w.d a0, fa0
        CHECK a0, 2
        li a1, 16777217
        csrwi frm, 3
        fcvt.s.w fa2, a1
        RESFs fa2, 0x4b800001
        csrwi fcsr, 0
        # ---- reserved rounding modes
        ILLEGAL 230, .insn r OP_FP, 5, 0, fa2, fa0, fa1     # fadd.s, rm = 5
        ILLEGAL 231, .insn r OP_FP, 6, 1, fa2, fa0, fa1     # fadd.d, rm = 6
        csrwi frm, 5
        ILLEGAL 232, fadd.s fa2, fa0, fa1
        csrwi frm, 6
        ILLEGAL 233, fmul.d fa2, fa0, fa1, dyn
        csrwi frm, 7
        ILLEGAL 234, fcvt.w.s a0, fa0
        TEST 235                        # no rounding, no trap: sign injection, moves, compares
        fsgnj.s fa2, fa0, fa1
        fmv.x.w a0, fa0
        feq.s a0, fa0, fa1
        fmin.d fa2, fa0, fa1
        csrwi fcsr, 0
        # ---- mstatus.FS
        li s3, MSTATUS_FS
        csrc mstatus, s3                # Off
        ILLEGAL 240, flw fa0, 0(a1)
        ILLEGAL 241, fadd.s fa0, fa1, fa2
        ILLEGAL 242, fmv.x.w a0, fa0
        ILLEGAL 243, fmv.d.x fa0, a0
        ILLEGAL 244, csrr a0, fflags
        ILLEGAL 245, csrr a0, fcsr
        ILLEGAL 246, csrwi frm, 0
        ILLEGAL 247, fsd fa0, 0(a1)
        ILLEGAL 248, fcvt.d.w fa0, a0
        ILLEGAL 249, fclass.d a0, fa0
        TEST 250                        # Initial, then a write: Dirty, and SD
        li a0, 1 << 13
        csrs mstatus, a0
        fmv.w.x fa0, zero
        csrr a0, mstatus
        and a1, a0, s3
        CHECK a1, MSTATUS_FS
        bgez a0, fail_sd
        TEST 251                        # Clean, then an arithmetic result: Dirty
        csrc mstatus, s3
        li a0, 2 << 13
        csrs mstatus, a0
        csrr a0, mstatus
        bltz a0, fail_sd                # clean: no SD
        fadd.d fa0, fa1, fa1
        csrr a0, mstatus
        and a1, a0, s3
        CHECK a1, MSTATUS_FS
        TEST 252                        # Clean, then a load: Dirty
        csrc mstatus, s3
        li a0, 2 << 13
        csrs mstatus, a0
        lla a1, fbuf
        fld fa0, 0(a1)
        csrr a0, mstatus
        and a1, a0, s3
        CHECK a1, MSTATUS_FS
        TEST 253                        # Clean, then a write to fcsr: Dirty
        csrc mstatus, s3
        li a0, 2 << 13
        csrs mstatus, a0
        csrwi fflags, 1
        csrr a0, mstatus
        and a1, a0, s3
        CHECK a1, MSTATUS_FS
        csrwi fcsr, 0
        # ---- numeric cases in every rounding mode (generated)
        FOP2 301, fadd.s, s, rne, 0x3f800000, 0x40000000, 0x40400000, 0x0
        FOP2 302, fadd.s, s, rtz, 0x3f800000, 0x40000000, 0x40400000, 0x0
        FOP2 303, fadd.s, s, rdn, 0x3f800000, 0x40000000, 0x40400000, 0x0
        FOP2 304, fadd.s, s, rup, 0x3f800000, 0x40000000, 0x40400000, 0x0
        FOP2 305, fadd.s, s, rmm, 0x3f800000, 0x40000000, 0x40400000, 0x0
        FOP2 306, fadd.s, s, rne, 0x3f800000, 0x33800000, 0x3f800000, 0x1
        FOP2 307, fadd.s, s, rtz, 0x3f800000, 0x33800000, 0x3f800000, 0x1
        FOP2 308, fadd.s, s, rdn, 0x3f800000, 0x33800000, 0x3f800000, 0x1
        FOP2 309, fadd.s, s, rup, 0x3f800000, 0x33800000, 0x3f800001, 0x1
        FOP2 310, fadd.s, s, rmm, 0x3f800000, 0x33800000, 0x3f800001, 0x1
        FOP2 311, fadd.s, s, rne, 0x3f800001, 0x33800000, 0x3f800002, 0x1
        FOP2 312, fadd.s, s, rtz, 0x3f800001, 0x33800000, 0x3f800001, 0x1
        FOP2 313, fadd.s, s, rdn, 0x3f800001, 0x33800000, 0x3f800001, 0x1
        FOP2 314, fadd.s, s, rup, 0x3f800001, 0x33800000, 0x3f800002, 0x1
        FOP2 315, fadd.s, s, rmm, 0x3f800001, 0x33800000, 0x3f800002, 0x1
        FOP2 316, fadd.s, s, rne, 0xbf800000, 0xb3800000, 0xbf800000, 0x1
        FOP2 317, fadd.s, s, rtz, 0xbf800000, 0xb3800000, 0xbf800000, 0x1
        FOP2 318, fadd.s, s, rdn, 0xbf800000, 0xb3800000, 0xbf800001, 0x1
        FOP2 319, fadd.s, s, rup, 0xbf800000, 0xb3800000, 0xbf800000, 0x1
        FOP2 320, fadd.s, s, rmm, 0xbf800000, 0xb3800000, 0xbf800001, 0x1
        FOP2 321, fadd.s, s, rne, 0x3f800000, 0x33000001, 0x3f800000, 0x1
        FOP2 322, fadd.s, s, rtz, 0x3f800000, 0x33000001, 0x3f800000, 0x1
        FOP2 323, fadd.s, s, rdn, 0x3f800000, 0x33000001, 0x3f800000, 0x1
        FOP2 324, fadd.s, s, rup, 0x3f800000, 0x33000001, 0x3f800001, 0x1
        FOP2 325, fadd.s, s, rmm, 0x3f800000, 0x33000001, 0x3f800000, 0x1
        FOP2 326, fsub.s, s, rne, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP2 327, fsub.s, s, rtz, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP2 328, fsub.s, s, rdn, 0x3f800000, 0x3f800000, 0x80000000, 0x0
        FOP2 329, fsub.s, s, rup, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP2 330, fsub.s, s, rmm, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP2 331, fsub.s, s, rne, 0x3f800000, 0x33800001, 0x3f7fffff, 0x1
        FOP2 332, fsub.s, s, rtz, 0x3f800000, 0x33800001, 0x3f7ffffe, 0x1
        FOP2 333, fsub.s, s, rdn, 0x3f800000, 0x33800001, 0x3f7ffffe, 0x1
        FOP2 334, fsub.s, s, rup, 0x3f800000, 0x33800001, 0x3f7fffff, 0x1
        FOP2 335, fsub.s, s, rmm, 0x3f800000, 0x33800001, 0x3f7fffff, 0x1
        FOP2 336, fmul.s, s, rne, 0x40400000, 0x3f000000, 0x3fc00000, 0x0
        FOP2 337, fmul.s, s, rtz, 0x40400000, 0x3f000000, 0x3fc00000, 0x0
        FOP2 338, fmul.s, s, rdn, 0x40400000, 0x3f000000, 0x3fc00000, 0x0
        FOP2 339, fmul.s, s, rup, 0x40400000, 0x3f000000, 0x3fc00000, 0x0
        FOP2 340, fmul.s, s, rmm, 0x40400000, 0x3f000000, 0x3fc00000, 0x0
        FOP2 341, fmul.s, s, rne, 0x7f7fffff, 0x40000000, 0x7f800000, 0x5
        FOP2 342, fmul.s, s, rtz, 0x7f7fffff, 0x40000000, 0x7f7fffff, 0x5
        FOP2 343, fmul.s, s, rdn, 0x7f7fffff, 0x40000000, 0x7f7fffff, 0x5
        FOP2 344, fmul.s, s, rup, 0x7f7fffff, 0x40000000, 0x7f800000, 0x5
        FOP2 345, fmul.s, s, rmm, 0x7f7fffff, 0x40000000, 0x7f800000, 0x5
        FOP2 346, fmul.s, s, rne, 0xff7fffff, 0x40000000, 0xff800000, 0x5
        FOP2 347, fmul.s, s, rtz, 0xff7fffff, 0x40000000, 0xff7fffff, 0x5
        FOP2 348, fmul.s, s, rdn, 0xff7fffff, 0x40000000, 0xff800000, 0x5
        FOP2 349, fmul.s, s, rup, 0xff7fffff, 0x40000000, 0xff7fffff, 0x5
        FOP2 350, fmul.s, s, rmm, 0xff7fffff, 0x40000000, 0xff800000, 0x5
        FOP2 351, fmul.s, s, rne, 0x1, 0x3f000000, 0x0, 0x3
        FOP2 352, fmul.s, s, rtz, 0x1, 0x3f000000, 0x0, 0x3
        FOP2 353, fmul.s, s, rdn, 0x1, 0x3f000000, 0x0, 0x3
        FOP2 354, fmul.s, s, rup, 0x1, 0x3f000000, 0x1, 0x3
        FOP2 355, fmul.s, s, rmm, 0x1, 0x3f000000, 0x1, 0x3
        FOP2 356, fmul.s, s, rne, 0x800000, 0x3f000000, 0x400000, 0x0
        FOP2 357, fmul.s, s, rtz, 0x800000, 0x3f000000, 0x400000, 0x0
        FOP2 358, fmul.s, s, rdn, 0x800000, 0x3f000000, 0x400000, 0x0
        FOP2 359, fmul.s, s, rup, 0x800000, 0x3f000000, 0x400000, 0x0
        FOP2 360, fmul.s, s, rmm, 0x800000, 0x3f000000, 0x400000, 0x0
        FOP2 361, fmul.s, s, rne, 0x3f7fffff, 0x800000, 0x800000, 0x3
        FOP2 362, fmul.s, s, rtz, 0x3f7fffff, 0x800000, 0x7fffff, 0x3
        FOP2 363, fmul.s, s, rdn, 0x3f7fffff, 0x800000, 0x7fffff, 0x3
        FOP2 364, fmul.s, s, rup, 0x3f7fffff, 0x800000, 0x800000, 0x3
        FOP2 365, fmul.s, s, rmm, 0x3f7fffff, 0x800000, 0x800000, 0x3
        FOP2 366, fmul.s, s, rne, 0x3f800001, 0x3f7fffff, 0x3f800000, 0x1
        FOP2 367, fmul.s, s, rtz, 0x3f800001, 0x3f7fffff, 0x3f800000, 0x1
        FOP2 368, fmul.s, s, rdn, 0x3f800001, 0x3f7fffff, 0x3f800000, 0x1
        FOP2 369, fmul.s, s, rup, 0x3f800001, 0x3f7fffff, 0x3f800001, 0x1
        FOP2 370, fmul.s, s, rmm, 0x3f800001, 0x3f7fffff, 0x3f800000, 0x1
        FOP2 371, fdiv.s, s, rne, 0x3f800000, 0x40400000, 0x3eaaaaab, 0x1
        FOP2 372, fdiv.s, s, rtz, 0x3f800000, 0x40400000, 0x3eaaaaaa, 0x1
        FOP2 373, fdiv.s, s, rdn, 0x3f800000, 0x40400000, 0x3eaaaaaa, 0x1
        FOP2 374, fdiv.s, s, rup, 0x3f800000, 0x40400000, 0x3eaaaaab, 0x1
        FOP2 375, fdiv.s, s, rmm, 0x3f800000, 0x40400000, 0x3eaaaaab, 0x1
        FOP2 376, fdiv.s, s, rne, 0xbf800000, 0x40400000, 0xbeaaaaab, 0x1
        FOP2 377, fdiv.s, s, rtz, 0xbf800000, 0x40400000, 0xbeaaaaaa, 0x1
        FOP2 378, fdiv.s, s, rdn, 0xbf800000, 0x40400000, 0xbeaaaaab, 0x1
        FOP2 379, fdiv.s, s, rup, 0xbf800000, 0x40400000, 0xbeaaaaaa, 0x1
        FOP2 380, fdiv.s, s, rmm, 0xbf800000, 0x40400000, 0xbeaaaaab, 0x1
        FOP2 381, fdiv.s, s, rne, 0x40e00000, 0x40000000, 0x40600000, 0x0
        FOP2 382, fdiv.s, s, rtz, 0x40e00000, 0x40000000, 0x40600000, 0x0
        FOP2 383, fdiv.s, s, rdn, 0x40e00000, 0x40000000, 0x40600000, 0x0
        FOP2 384, fdiv.s, s, rup, 0x40e00000, 0x40000000, 0x40600000, 0x0
        FOP2 385, fdiv.s, s, rmm, 0x40e00000, 0x40000000, 0x40600000, 0x0
        FOP2 386, fdiv.s, s, rne, 0x800000, 0x4b000000, 0x1, 0x0
        FOP2 387, fdiv.s, s, rtz, 0x800000, 0x4b000000, 0x1, 0x0
        FOP2 388, fdiv.s, s, rdn, 0x800000, 0x4b000000, 0x1, 0x0
        FOP2 389, fdiv.s, s, rup, 0x800000, 0x4b000000, 0x1, 0x0
        FOP2 390, fdiv.s, s, rmm, 0x800000, 0x4b000000, 0x1, 0x0
        FOP1 391, fsqrt.s, s, rne, 0x40800000, 0x40000000, 0x0
        FOP1 392, fsqrt.s, s, rtz, 0x40800000, 0x40000000, 0x0
        FOP1 393, fsqrt.s, s, rdn, 0x40800000, 0x40000000, 0x0
        FOP1 394, fsqrt.s, s, rup, 0x40800000, 0x40000000, 0x0
        FOP1 395, fsqrt.s, s, rmm, 0x40800000, 0x40000000, 0x0
        FOP1 396, fsqrt.s, s, rne, 0x40000000, 0x3fb504f3, 0x1
        FOP1 397, fsqrt.s, s, rtz, 0x40000000, 0x3fb504f3, 0x1
        FOP1 398, fsqrt.s, s, rdn, 0x40000000, 0x3fb504f3, 0x1
        FOP1 399, fsqrt.s, s, rup, 0x40000000, 0x3fb504f4, 0x1
        FOP1 400, fsqrt.s, s, rmm, 0x40000000, 0x3fb504f3, 0x1
        FOP1 401, fsqrt.s, s, rne, 0x1, 0x1a3504f3, 0x1
        FOP1 402, fsqrt.s, s, rtz, 0x1, 0x1a3504f3, 0x1
        FOP1 403, fsqrt.s, s, rdn, 0x1, 0x1a3504f3, 0x1
        FOP1 404, fsqrt.s, s, rup, 0x1, 0x1a3504f4, 0x1
        FOP1 405, fsqrt.s, s, rmm, 0x1, 0x1a3504f3, 0x1
        FOP3 406, fmadd.s, s, rne, 0x3f800001, 0x3f7fffff, 0xbf800000, 0x337ffffe, 0x0
        FOP3 407, fmadd.s, s, rtz, 0x3f800001, 0x3f7fffff, 0xbf800000, 0x337ffffe, 0x0
        FOP3 408, fmadd.s, s, rdn, 0x3f800001, 0x3f7fffff, 0xbf800000, 0x337ffffe, 0x0
        FOP3 409, fmadd.s, s, rup, 0x3f800001, 0x3f7fffff, 0xbf800000, 0x337ffffe, 0x0
        FOP3 410, fmadd.s, s, rmm, 0x3f800001, 0x3f7fffff, 0xbf800000, 0x337ffffe, 0x0
        FOP3 411, fmadd.s, s, rne, 0x3f800000, 0x40000000, 0x40400000, 0x40a00000, 0x0
        FOP3 412, fmadd.s, s, rtz, 0x3f800000, 0x40000000, 0x40400000, 0x40a00000, 0x0
        FOP3 413, fmadd.s, s, rdn, 0x3f800000, 0x40000000, 0x40400000, 0x40a00000, 0x0
        FOP3 414, fmadd.s, s, rup, 0x3f800000, 0x40000000, 0x40400000, 0x40a00000, 0x0
        FOP3 415, fmadd.s, s, rmm, 0x3f800000, 0x40000000, 0x40400000, 0x40a00000, 0x0
        FOP3 416, fmsub.s, s, rne, 0x3f800000, 0x40000000, 0x40400000, 0xbf800000, 0x0
        FOP3 417, fmsub.s, s, rtz, 0x3f800000, 0x40000000, 0x40400000, 0xbf800000, 0x0
        FOP3 418, fmsub.s, s, rdn, 0x3f800000, 0x40000000, 0x40400000, 0xbf800000, 0x0
        FOP3 419, fmsub.s, s, rup, 0x3f800000, 0x40000000, 0x40400000, 0xbf800000, 0x0
        FOP3 420, fmsub.s, s, rmm, 0x3f800000, 0x40000000, 0x40400000, 0xbf800000, 0x0
        FOP3 421, fnmsub.s, s, rne, 0x3f800000, 0x40000000, 0x40400000, 0x3f800000, 0x0
        FOP3 422, fnmsub.s, s, rtz, 0x3f800000, 0x40000000, 0x40400000, 0x3f800000, 0x0
        FOP3 423, fnmsub.s, s, rdn, 0x3f800000, 0x40000000, 0x40400000, 0x3f800000, 0x0
        FOP3 424, fnmsub.s, s, rup, 0x3f800000, 0x40000000, 0x40400000, 0x3f800000, 0x0
        FOP3 425, fnmsub.s, s, rmm, 0x3f800000, 0x40000000, 0x40400000, 0x3f800000, 0x0
        FOP3 426, fnmadd.s, s, rne, 0x3f800000, 0x40000000, 0x40400000, 0xc0a00000, 0x0
        FOP3 427, fnmadd.s, s, rtz, 0x3f800000, 0x40000000, 0x40400000, 0xc0a00000, 0x0
        FOP3 428, fnmadd.s, s, rdn, 0x3f800000, 0x40000000, 0x40400000, 0xc0a00000, 0x0
        FOP3 429, fnmadd.s, s, rup, 0x3f800000, 0x40000000, 0x40400000, 0xc0a00000, 0x0
        FOP3 430, fnmadd.s, s, rmm, 0x3f800000, 0x40000000, 0x40400000, 0xc0a00000, 0x0
        FOP3 431, fmadd.s, s, rne, 0x0, 0xbf800000, 0x0, 0x0, 0x0
        FOP3 432, fmadd.s, s, rtz, 0x0, 0xbf800000, 0x0, 0x0, 0x0
        FOP3 433, fmadd.s, s, rdn, 0x0, 0xbf800000, 0x0, 0x80000000, 0x0
        FOP3 434, fmadd.s, s, rup, 0x0, 0xbf800000, 0x0, 0x0, 0x0
        FOP3 435, fmadd.s, s, rmm, 0x0, 0xbf800000, 0x0, 0x0, 0x0
        FOP3 436, fmsub.s, s, rne, 0x3f800000, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP3 437, fmsub.s, s, rtz, 0x3f800000, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP3 438, fmsub.s, s, rdn, 0x3f800000, 0x3f800000, 0x3f800000, 0x80000000, 0x0
        FOP3 439, fmsub.s, s, rup, 0x3f800000, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP3 440, fmsub.s, s, rmm, 0x3f800000, 0x3f800000, 0x3f800000, 0x0, 0x0
        FOP3 441, fnmadd.s, s, rne, 0x3f800001, 0x3f800001, 0x33800000, 0xbf800003, 0x1
        FOP3 442, fnmadd.s, s, rtz, 0x3f800001, 0x3f800001, 0x33800000, 0xbf800002, 0x1
        FOP3 443, fnmadd.s, s, rdn, 0x3f800001, 0x3f800001, 0x33800000, 0xbf800003, 0x1
        FOP3 444, fnmadd.s, s, rup, 0x3f800001, 0x3f800001, 0x33800000, 0xbf800002, 0x1
        FOP3 445, fnmadd.s, s, rmm, 0x3f800001, 0x3f800001, 0x33800000, 0xbf800003, 0x1
        F2I 446, fcvt.w.s, s, rne, 0x40200000, 0x2, 0x1
        F2I 447, fcvt.w.s, s, rtz, 0x40200000, 0x2, 0x1
        F2I 448, fcvt.w.s, s, rdn, 0x40200000, 0x2, 0x1
        F2I 449, fcvt.w.s, s, rup, 0x40200000, 0x3, 0x1
        F2I 450, fcvt.w.s, s, rmm, 0x40200000, 0x3, 0x1
        F2I 451, fcvt.w.s, s, rne, 0xc0200000, 0xfffffffffffffffe, 0x1
        F2I 452, fcvt.w.s, s, rtz, 0xc0200000, 0xfffffffffffffffe, 0x1
        F2I 453, fcvt.w.s, s, rdn, 0xc0200000, 0xfffffffffffffffd, 0x1
        F2I 454, fcvt.w.s, s, rup, 0xc0200000, 0xfffffffffffffffe, 0x1
        F2I 455, fcvt.w.s, s, rmm, 0xc0200000, 0xfffffffffffffffd, 0x1
        F2I 456, fcvt.w.s, s, rne, 0x3fc00000, 0x2, 0x1
        F2I 457, fcvt.w.s, s, rtz, 0x3fc00000, 0x1, 0x1
        F2I 458, fcvt.w.s, s, rdn, 0x3fc00000, 0x1, 0x1
        F2I 459, fcvt.w.s, s, rup, 0x3fc00000, 0x2, 0x1
        F2I 460, fcvt.w.s, s, rmm, 0x3fc00000, 0x2, 0x1
        F2I 461, fcvt.w.s, s, rne, 0xbf000000, 0x0, 0x1
        F2I 462, fcvt.w.s, s, rtz, 0xbf000000, 0x0, 0x1
        F2I 463, fcvt.w.s, s, rdn, 0xbf000000, 0xffffffffffffffff, 0x1
        F2I 464, fcvt.w.s, s, rup, 0xbf000000, 0x0, 0x1
        F2I 465, fcvt.w.s, s, rmm, 0xbf000000, 0xffffffffffffffff, 0x1
        F2I 466, fcvt.wu.s, s, rne, 0xbf000000, 0x0, 0x1
        F2I 467, fcvt.wu.s, s, rtz, 0xbf000000, 0x0, 0x1
        F2I 468, fcvt.wu.s, s, rdn, 0xbf000000, 0x0, 0x10
        F2I 469, fcvt.wu.s, s, rup, 0xbf000000, 0x0, 0x1
        F2I 470, fcvt.wu.s, s, rmm, 0xbf000000, 0x0, 0x10
        F2I 471, fcvt.wu.s, s, rne, 0xbf800000, 0x0, 0x10
        F2I 472, fcvt.wu.s, s, rtz, 0xbf800000, 0x0, 0x10
        F2I 473, fcvt.wu.s, s, rdn, 0xbf800000, 0x0, 0x10
        F2I 474, fcvt.wu.s, s, rup, 0xbf800000, 0x0, 0x10
        F2I 475, fcvt.wu.s, s, rmm, 0xbf800000, 0x0, 0x10
        F2I 476, fcvt.w.s, s, rne, 0x4f000000, 0x7fffffff, 0x10
        F2I 477, fcvt.w.s, s, rtz, 0x4f000000, 0x7fffffff, 0x10
        F2I 478, fcvt.w.s, s, rdn, 0x4f000000, 0x7fffffff, 0x10
        F2I 479, fcvt.w.s, s, rup, 0x4f000000, 0x7fffffff, 0x10
        F2I 480, fcvt.w.s, s, rmm, 0x4f000000, 0x7fffffff, 0x10
        F2I 481, fcvt.w.s, s, rne, 0xcf000000, 0xffffffff80000000, 0x0
        F2I 482, fcvt.w.s, s, rtz, 0xcf000000, 0xffffffff80000000, 0x0
        F2I 483, fcvt.w.s, s, rdn, 0xcf000000, 0xffffffff80000000, 0x0
        F2I 484, fcvt.w.s, s, rup, 0xcf000000, 0xffffffff80000000, 0x0
        F2I 485, fcvt.w.s, s, rmm, 0xcf000000, 0xffffffff80000000, 0x0
        F2I 486, fcvt.w.s, s, rne, 0xcf000001, 0xffffffff80000000, 0x10
        F2I 487, fcvt.w.s, s, rtz, 0xcf000001, 0xffffffff80000000, 0x10
        F2I 488, fcvt.w.s, s, rdn, 0xcf000001, 0xffffffff80000000, 0x10
        F2I 489, fcvt.w.s, s, rup, 0xcf000001, 0xffffffff80000000, 0x10
        F2I 490, fcvt.w.s, s, rmm, 0xcf000001, 0xffffffff80000000, 0x10
        F2I 491, fcvt.wu.s, s, rne, 0x4f32d05e, 0xffffffffb2d05e00, 0x0
        F2I 492, fcvt.wu.s, s, rtz, 0x4f32d05e, 0xffffffffb2d05e00, 0x0
        F2I 493, fcvt.wu.s, s, rdn, 0x4f32d05e, 0xffffffffb2d05e00, 0x0
        F2I 494, fcvt.wu.s, s, rup, 0x4f32d05e, 0xffffffffb2d05e00, 0x0
        F2I 495, fcvt.wu.s, s, rmm, 0x4f32d05e, 0xffffffffb2d05e00, 0x0
        F2I 496, fcvt.wu.s, s, rne, 0x4f800000, 0xffffffffffffffff, 0x10
        F2I 497, fcvt.wu.s, s, rtz, 0x4f800000, 0xffffffffffffffff, 0x10
        F2I 498, fcvt.wu.s, s, rdn, 0x4f800000, 0xffffffffffffffff, 0x10
        F2I 499, fcvt.wu.s, s, rup, 0x4f800000, 0xffffffffffffffff, 0x10
        F2I 500, fcvt.wu.s, s, rmm, 0x4f800000, 0xffffffffffffffff, 0x10
        F2I 501, fcvt.l.s, s, rne, 0x5f000000, 0x7fffffffffffffff, 0x10
        F2I 502, fcvt.l.s, s, rtz, 0x5f000000, 0x7fffffffffffffff, 0x10
        F2I 503, fcvt.l.s, s, rdn, 0x5f000000, 0x7fffffffffffffff, 0x10
        F2I 504, fcvt.l.s, s, rup, 0x5f000000, 0x7fffffffffffffff, 0x10
        F2I 505, fcvt.l.s, s, rmm, 0x5f000000, 0x7fffffffffffffff, 0x10
        F2I 506, fcvt.l.s, s, rne, 0xdf000000, 0x8000000000000000, 0x0
        F2I 507, fcvt.l.s, s, rtz, 0xdf000000, 0x8000000000000000, 0x0
        F2I 508, fcvt.l.s, s, rdn, 0xdf000000, 0x8000000000000000, 0x0
        F2I 509, fcvt.l.s, s, rup, 0xdf000000, 0x8000000000000000, 0x0
        F2I 510, fcvt.l.s, s, rmm, 0xdf000000, 0x8000000000000000, 0x0
        F2I 511, fcvt.lu.s, s, rne, 0x5f7fffff, 0xffffff0000000000, 0x0
        F2I 513, fcvt.lu.s, s, rtz, 0x5f7fffff, 0xffffff0000000000, 0x0
        F2I 514, fcvt.lu.s, s, rdn, 0x5f7fffff, 0xffffff0000000000, 0x0
        F2I 515, fcvt.lu.s, s, rup, 0x5f7fffff, 0xffffff0000000000, 0x0
        F2I 516, fcvt.lu.s, s, rmm, 0x5f7fffff, 0xffffff0000000000, 0x0
        F2I 517, fcvt.lu.s, s, rne, 0xbf800000, 0x0, 0x10
        F2I 518, fcvt.lu.s, s, rtz, 0xbf800000, 0x0, 0x10
        F2I 519, fcvt.lu.s, s, rdn, 0xbf800000, 0x0, 0x10
        F2I 520, fcvt.lu.s, s, rup, 0xbf800000, 0x0, 0x10
        F2I 521, fcvt.lu.s, s, rmm, 0xbf800000, 0x0, 0x10
        I2F 522, fcvt.s.w, s, rne, 0x1000001, 0x4b800000, 0x1
        I2F 523, fcvt.s.w, s, rtz, 0x1000001, 0x4b800000, 0x1
        I2F 524, fcvt.s.w, s, rdn, 0x1000001, 0x4b800000, 0x1
        I2F 525, fcvt.s.w, s, rup, 0x1000001, 0x4b800001, 0x1
        I2F 526, fcvt.s.w, s, rmm, 0x1000001, 0x4b800001, 0x1
        I2F 527, fcvt.s.w, s, rne, 0xfffffffffeffffff, 0xcb800000, 0x1
        I2F 528, fcvt.s.w, s, rtz, 0xfffffffffeffffff, 0xcb800000, 0x1
        I2F 529, fcvt.s.w, s, rdn, 0xfffffffffeffffff, 0xcb800001, 0x1
        I2F 530, fcvt.s.w, s, rup, 0xfffffffffeffffff, 0xcb800000, 0x1
        I2F 531, fcvt.s.w, s, rmm, 0xfffffffffeffffff, 0xcb800001, 0x1
        I2F 532, fcvt.s.w, s, rne, 0x100000001, 0x3f800000, 0x0
        I2F 533, fcvt.s.w, s, rtz, 0x100000001, 0x3f800000, 0x0
        I2F 534, fcvt.s.w, s, rdn, 0x100000001, 0x3f800000, 0x0
        I2F 535, fcvt.s.w, s, rup, 0x100000001, 0x3f800000, 0x0
        I2F 536, fcvt.s.w, s, rmm, 0x100000001, 0x3f800000, 0x0
        I2F 537, fcvt.s.wu, s, rne, 0xffffffff, 0x4f800000, 0x1
        I2F 538, fcvt.s.wu, s, rtz, 0xffffffff, 0x4f7fffff, 0x1
        I2F 539, fcvt.s.wu, s, rdn, 0xffffffff, 0x4f7fffff, 0x1
        I2F 540, fcvt.s.wu, s, rup, 0xffffffff, 0x4f800000, 0x1
        I2F 541, fcvt.s.wu, s, rmm, 0xffffffff, 0x4f800000, 0x1
        I2F 542, fcvt.s.wu, s, rne, 0xffffffff80000000, 0x4f000000, 0x0
        I2F 543, fcvt.s.wu, s, rtz, 0xffffffff80000000, 0x4f000000, 0x0
        I2F 544, fcvt.s.wu, s, rdn, 0xffffffff80000000, 0x4f000000, 0x0
        I2F 545, fcvt.s.wu, s, rup, 0xffffffff80000000, 0x4f000000, 0x0
        I2F 546, fcvt.s.wu, s, rmm, 0xffffffff80000000, 0x4f000000, 0x0
        I2F 547, fcvt.s.l, s, rne, 0x7fffffffffffffff, 0x5f000000, 0x1
        I2F 548, fcvt.s.l, s, rtz, 0x7fffffffffffffff, 0x5effffff, 0x1
        I2F 549, fcvt.s.l, s, rdn, 0x7fffffffffffffff, 0x5effffff, 0x1
        I2F 550, fcvt.s.l, s, rup, 0x7fffffffffffffff, 0x5f000000, 0x1
        I2F 551, fcvt.s.l, s, rmm, 0x7fffffffffffffff, 0x5f000000, 0x1
        I2F 552, fcvt.s.l, s, rne, 0x8000000000000000, 0xdf000000, 0x0
        I2F 553, fcvt.s.l, s, rtz, 0x8000000000000000, 0xdf000000, 0x0
        I2F 554, fcvt.s.l, s, rdn, 0x8000000000000000, 0xdf000000, 0x0
        I2F 555, fcvt.s.l, s, rup, 0x8000000000000000, 0xdf000000, 0x0
        I2F 556, fcvt.s.l, s, rmm, 0x8000000000000000, 0xdf000000, 0x0
        I2F 557, fcvt.s.lu, s, rne, 0xffffffffffffffff, 0x5f800000, 0x1
        I2F 558, fcvt.s.lu, s, rtz, 0xffffffffffffffff, 0x5f7fffff, 0x1
        I2F 559, fcvt.s.lu, s, rdn, 0xffffffffffffffff, 0x5f7fffff, 0x1
        I2F 560, fcvt.s.lu, s, rup, 0xffffffffffffffff, 0x5f800000, 0x1
        I2F 561, fcvt.s.lu, s, rmm, 0xffffffffffffffff, 0x5f800000, 0x1
        I2F 562, fcvt.s.l, s, rne, 0x0, 0x0, 0x0
        I2F 563, fcvt.s.l, s, rtz, 0x0, 0x0, 0x0
        I2F 564, fcvt.s.l, s, rdn, 0x0, 0x0, 0x0
        I2F 565, fcvt.s.l, s, rup, 0x0, 0x0, 0x0
        I2F 566, fcvt.s.l, s, rmm, 0x0, 0x0, 0x0
        F2F 567, fcvt.s.d, rne, 0x3ff0000010000000, 0x3f800000, 0x1
        F2F 568, fcvt.s.d, rtz, 0x3ff0000010000000, 0x3f800000, 0x1
        F2F 569, fcvt.s.d, rdn, 0x3ff0000010000000, 0x3f800000, 0x1
        F2F 570, fcvt.s.d, rup, 0x3ff0000010000000, 0x3f800001, 0x1
        F2F 571, fcvt.s.d, rmm, 0x3ff0000010000000, 0x3f800001, 0x1
        F2F 572, fcvt.s.d, rne, 0x3fd5555555555555, 0x3eaaaaab, 0x1
        F2F 573, fcvt.s.d, rtz, 0x3fd5555555555555, 0x3eaaaaaa, 0x1
        F2F 574, fcvt.s.d, rdn, 0x3fd5555555555555, 0x3eaaaaaa, 0x1
        F2F 575, fcvt.s.d, rup, 0x3fd5555555555555, 0x3eaaaaab, 0x1
        F2F 576, fcvt.s.d, rmm, 0x3fd5555555555555, 0x3eaaaaab, 0x1
        F2F 577, fcvt.s.d, rne, 0x7e37e43c8800759c, 0x7f800000, 0x5
        F2F 578, fcvt.s.d, rtz, 0x7e37e43c8800759c, 0x7f7fffff, 0x5
        F2F 579, fcvt.s.d, rdn, 0x7e37e43c8800759c, 0x7f7fffff, 0x5
        F2F 580, fcvt.s.d, rup, 0x7e37e43c8800759c, 0x7f800000, 0x5
        F2F 581, fcvt.s.d, rmm, 0x7e37e43c8800759c, 0x7f800000, 0x5
        F2F 582, fcvt.s.d, rne, 0x380fffffff000000, 0x800000, 0x1
        F2F 583, fcvt.s.d, rtz, 0x380fffffff000000, 0x7fffff, 0x3
        F2F 584, fcvt.s.d, rdn, 0x380fffffff000000, 0x7fffff, 0x3
        F2F 585, fcvt.s.d, rup, 0x380fffffff000000, 0x800000, 0x1
        F2F 586, fcvt.s.d, rmm, 0x380fffffff000000, 0x800000, 0x1
        F2F 587, fcvt.s.d, rne, 0x36a8000000000000, 0x2, 0x3
        F2F 588, fcvt.s.d, rtz, 0x36a8000000000000, 0x1, 0x3
        F2F 589, fcvt.s.d, rdn, 0x36a8000000000000, 0x1, 0x3
        F2F 590, fcvt.s.d, rup, 0x36a8000000000000, 0x2, 0x3
        F2F 591, fcvt.s.d, rmm, 0x36a8000000000000, 0x2, 0x3
        F2F 592, fcvt.s.d, rne, 0xb6a0000000000000, 0x80000001, 0x0
        F2F 593, fcvt.s.d, rtz, 0xb6a0000000000000, 0x80000001, 0x0
        F2F 594, fcvt.s.d, rdn, 0xb6a0000000000000, 0x80000001, 0x0
        F2F 595, fcvt.s.d, rup, 0xb6a0000000000000, 0x80000001, 0x0
        F2F 596, fcvt.s.d, rmm, 0xb6a0000000000000, 0x80000001, 0x0
        F2F 597, fcvt.s.d, rne, 0x3690000000000000, 0x0, 0x3
        F2F 598, fcvt.s.d, rtz, 0x3690000000000000, 0x0, 0x3
        F2F 599, fcvt.s.d, rdn, 0x3690000000000000, 0x0, 0x3
        F2F 600, fcvt.s.d, rup, 0x3690000000000000, 0x1, 0x3
        F2F 601, fcvt.s.d, rmm, 0x3690000000000000, 0x1, 0x3
        FOP2 602, fadd.d, d, rne, 0x3ff0000000000000, 0x4000000000000000, 0x4008000000000000, 0x0
        FOP2 603, fadd.d, d, rtz, 0x3ff0000000000000, 0x4000000000000000, 0x4008000000000000, 0x0
        FOP2 604, fadd.d, d, rdn, 0x3ff0000000000000, 0x4000000000000000, 0x4008000000000000, 0x0
        FOP2 605, fadd.d, d, rup, 0x3ff0000000000000, 0x4000000000000000, 0x4008000000000000, 0x0
        FOP2 606, fadd.d, d, rmm, 0x3ff0000000000000, 0x4000000000000000, 0x4008000000000000, 0x0
        FOP2 607, fadd.d, d, rne, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000000, 0x1
        FOP2 608, fadd.d, d, rtz, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000000, 0x1
        FOP2 609, fadd.d, d, rdn, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000000, 0x1
        FOP2 610, fadd.d, d, rup, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000001, 0x1
        FOP2 611, fadd.d, d, rmm, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000001, 0x1
        FOP2 612, fadd.d, d, rne, 0x3ff0000000000001, 0x3ca0000000000000, 0x3ff0000000000002, 0x1
        FOP2 613, fadd.d, d, rtz, 0x3ff0000000000001, 0x3ca0000000000000, 0x3ff0000000000001, 0x1
        FOP2 614, fadd.d, d, rdn, 0x3ff0000000000001, 0x3ca0000000000000, 0x3ff0000000000001, 0x1
        FOP2 615, fadd.d, d, rup, 0x3ff0000000000001, 0x3ca0000000000000, 0x3ff0000000000002, 0x1
        FOP2 616, fadd.d, d, rmm, 0x3ff0000000000001, 0x3ca0000000000000, 0x3ff0000000000002, 0x1
        FOP2 617, fsub.d, d, rne, 0x4000000000000000, 0x4000000000000000, 0x0, 0x0
        FOP2 618, fsub.d, d, rtz, 0x4000000000000000, 0x4000000000000000, 0x0, 0x0
        FOP2 619, fsub.d, d, rdn, 0x4000000000000000, 0x4000000000000000, 0x8000000000000000, 0x0
        FOP2 620, fsub.d, d, rup, 0x4000000000000000, 0x4000000000000000, 0x0, 0x0
        FOP2 621, fsub.d, d, rmm, 0x4000000000000000, 0x4000000000000000, 0x0, 0x0
        FOP2 622, fmul.d, d, rne, 0x7fefffffffffffff, 0x4000000000000000, 0x7ff0000000000000, 0x5
        FOP2 623, fmul.d, d, rtz, 0x7fefffffffffffff, 0x4000000000000000, 0x7fefffffffffffff, 0x5
        FOP2 624, fmul.d, d, rdn, 0x7fefffffffffffff, 0x4000000000000000, 0x7fefffffffffffff, 0x5
        FOP2 625, fmul.d, d, rup, 0x7fefffffffffffff, 0x4000000000000000, 0x7ff0000000000000, 0x5
        FOP2 626, fmul.d, d, rmm, 0x7fefffffffffffff, 0x4000000000000000, 0x7ff0000000000000, 0x5
        FOP2 627, fmul.d, d, rne, 0x1, 0x3fe0000000000000, 0x0, 0x3
        FOP2 628, fmul.d, d, rtz, 0x1, 0x3fe0000000000000, 0x0, 0x3
        FOP2 629, fmul.d, d, rdn, 0x1, 0x3fe0000000000000, 0x0, 0x3
        FOP2 630, fmul.d, d, rup, 0x1, 0x3fe0000000000000, 0x1, 0x3
        FOP2 631, fmul.d, d, rmm, 0x1, 0x3fe0000000000000, 0x1, 0x3
        FOP2 632, fmul.d, d, rne, 0x3fefffffffffffff, 0x10000000000000, 0x10000000000000, 0x3
        FOP2 633, fmul.d, d, rtz, 0x3fefffffffffffff, 0x10000000000000, 0xfffffffffffff, 0x3
        FOP2 634, fmul.d, d, rdn, 0x3fefffffffffffff, 0x10000000000000, 0xfffffffffffff, 0x3
        FOP2 635, fmul.d, d, rup, 0x3fefffffffffffff, 0x10000000000000, 0x10000000000000, 0x3
        FOP2 636, fmul.d, d, rmm, 0x3fefffffffffffff, 0x10000000000000, 0x10000000000000, 0x3
        FOP2 637, fdiv.d, d, rne, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555555, 0x1
        FOP2 638, fdiv.d, d, rtz, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555555, 0x1
        FOP2 639, fdiv.d, d, rdn, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555555, 0x1
        FOP2 640, fdiv.d, d, rup, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555556, 0x1
        FOP2 641, fdiv.d, d, rmm, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555555, 0x1
        FOP2 642, fdiv.d, d, rne, 0xc01c000000000000, 0x4000000000000000, 0xc00c000000000000, 0x0
        FOP2 643, fdiv.d, d, rtz, 0xc01c000000000000, 0x4000000000000000, 0xc00c000000000000, 0x0
        FOP2 644, fdiv.d, d, rdn, 0xc01c000000000000, 0x4000000000000000, 0xc00c000000000000, 0x0
        FOP2 645, fdiv.d, d, rup, 0xc01c000000000000, 0x4000000000000000, 0xc00c000000000000, 0x0
        FOP2 646, fdiv.d, d, rmm, 0xc01c000000000000, 0x4000000000000000, 0xc00c000000000000, 0x0
        FOP1 647, fsqrt.d, d, rne, 0x4000000000000000, 0x3ff6a09e667f3bcd, 0x1
        FOP1 648, fsqrt.d, d, rtz, 0x4000000000000000, 0x3ff6a09e667f3bcc, 0x1
        FOP1 649, fsqrt.d, d, rdn, 0x4000000000000000, 0x3ff6a09e667f3bcc, 0x1
        FOP1 650, fsqrt.d, d, rup, 0x4000000000000000, 0x3ff6a09e667f3bcd, 0x1
        FOP1 651, fsqrt.d, d, rmm, 0x4000000000000000, 0x3ff6a09e667f3bcd, 0x1
        FOP1 652, fsqrt.d, d, rne, 0x4022000000000000, 0x4008000000000000, 0x0
        FOP1 653, fsqrt.d, d, rtz, 0x4022000000000000, 0x4008000000000000, 0x0
        FOP1 654, fsqrt.d, d, rdn, 0x4022000000000000, 0x4008000000000000, 0x0
        FOP1 655, fsqrt.d, d, rup, 0x4022000000000000, 0x4008000000000000, 0x0
        FOP1 656, fsqrt.d, d, rmm, 0x4022000000000000, 0x4008000000000000, 0x0
        FOP3 657, fmadd.d, d, rne, 0x3ff0000000000001, 0x3fefffffffffffff, 0xbff0000000000000, 0x3c9ffffffffffffe, 0x0
        FOP3 658, fmadd.d, d, rtz, 0x3ff0000000000001, 0x3fefffffffffffff, 0xbff0000000000000, 0x3c9ffffffffffffe, 0x0
        FOP3 659, fmadd.d, d, rdn, 0x3ff0000000000001, 0x3fefffffffffffff, 0xbff0000000000000, 0x3c9ffffffffffffe, 0x0
        FOP3 660, fmadd.d, d, rup, 0x3ff0000000000001, 0x3fefffffffffffff, 0xbff0000000000000, 0x3c9ffffffffffffe, 0x0
        FOP3 661, fmadd.d, d, rmm, 0x3ff0000000000001, 0x3fefffffffffffff, 0xbff0000000000000, 0x3c9ffffffffffffe, 0x0
        FOP3 662, fnmsub.d, d, rne, 0x4000000000000000, 0x4008000000000000, 0x3ff8000000000000, 0xc012000000000000, 0x0
        FOP3 663, fnmsub.d, d, rtz, 0x4000000000000000, 0x4008000000000000, 0x3ff8000000000000, 0xc012000000000000, 0x0
        FOP3 664, fnmsub.d, d, rdn, 0x4000000000000000, 0x4008000000000000, 0x3ff8000000000000, 0xc012000000000000, 0x0
        FOP3 665, fnmsub.d, d, rup, 0x4000000000000000, 0x4008000000000000, 0x3ff8000000000000, 0xc012000000000000, 0x0
        FOP3 666, fnmsub.d, d, rmm, 0x4000000000000000, 0x4008000000000000, 0x3ff8000000000000, 0xc012000000000000, 0x0
        FOP3 667, fmadd.d, d, rne, 0x7fefffffffffffff, 0x4000000000000000, 0xffefffffffffffff, 0x7fefffffffffffff, 0x0
        FOP3 668, fmadd.d, d, rtz, 0x7fefffffffffffff, 0x4000000000000000, 0xffefffffffffffff, 0x7fefffffffffffff, 0x0
        FOP3 669, fmadd.d, d, rdn, 0x7fefffffffffffff, 0x4000000000000000, 0xffefffffffffffff, 0x7fefffffffffffff, 0x0
        FOP3 670, fmadd.d, d, rup, 0x7fefffffffffffff, 0x4000000000000000, 0xffefffffffffffff, 0x7fefffffffffffff, 0x0
        FOP3 671, fmadd.d, d, rmm, 0x7fefffffffffffff, 0x4000000000000000, 0xffefffffffffffff, 0x7fefffffffffffff, 0x0
        F2I 672, fcvt.w.d, d, rne, 0x41dfffffffe00000, 0x7fffffff, 0x10
        F2I 673, fcvt.w.d, d, rtz, 0x41dfffffffe00000, 0x7fffffff, 0x1
        F2I 674, fcvt.w.d, d, rdn, 0x41dfffffffe00000, 0x7fffffff, 0x1
        F2I 675, fcvt.w.d, d, rup, 0x41dfffffffe00000, 0x7fffffff, 0x10
        F2I 676, fcvt.w.d, d, rmm, 0x41dfffffffe00000, 0x7fffffff, 0x10
        F2I 677, fcvt.w.d, d, rne, 0xc1e0000000100000, 0xffffffff80000000, 0x1
        F2I 678, fcvt.w.d, d, rtz, 0xc1e0000000100000, 0xffffffff80000000, 0x1
        F2I 679, fcvt.w.d, d, rdn, 0xc1e0000000100000, 0xffffffff80000000, 0x10
        F2I 680, fcvt.w.d, d, rup, 0xc1e0000000100000, 0xffffffff80000000, 0x1
        F2I 681, fcvt.w.d, d, rmm, 0xc1e0000000100000, 0xffffffff80000000, 0x10
        F2I 682, fcvt.wu.d, d, rne, 0xbfeccccccccccccd, 0x0, 0x10
        F2I 683, fcvt.wu.d, d, rtz, 0xbfeccccccccccccd, 0x0, 0x1
        F2I 684, fcvt.wu.d, d, rdn, 0xbfeccccccccccccd, 0x0, 0x10
        F2I 685, fcvt.wu.d, d, rup, 0xbfeccccccccccccd, 0x0, 0x1
        F2I 686, fcvt.wu.d, d, rmm, 0xbfeccccccccccccd, 0x0, 0x10
        F2I 687, fcvt.l.d, d, rne, 0x4004000000000000, 0x2, 0x1
        F2I 688, fcvt.l.d, d, rtz, 0x4004000000000000, 0x2, 0x1
        F2I 689, fcvt.l.d, d, rdn, 0x4004000000000000, 0x2, 0x1
        F2I 690, fcvt.l.d, d, rup, 0x4004000000000000, 0x3, 0x1
        F2I 691, fcvt.l.d, d, rmm, 0x4004000000000000, 0x3, 0x1
        F2I 692, fcvt.l.d, d, rne, 0xc004000000000000, 0xfffffffffffffffe, 0x1
        F2I 693, fcvt.l.d, d, rtz, 0xc004000000000000, 0xfffffffffffffffe, 0x1
        F2I 694, fcvt.l.d, d, rdn, 0xc004000000000000, 0xfffffffffffffffd, 0x1
        F2I 695, fcvt.l.d, d, rup, 0xc004000000000000, 0xfffffffffffffffe, 0x1
        F2I 696, fcvt.l.d, d, rmm, 0xc004000000000000, 0xfffffffffffffffd, 0x1
        F2I 697, fcvt.lu.d, d, rne, 0x43f0000000000000, 0xffffffffffffffff, 0x10
        F2I 698, fcvt.lu.d, d, rtz, 0x43f0000000000000, 0xffffffffffffffff, 0x10
        F2I 699, fcvt.lu.d, d, rdn, 0x43f0000000000000, 0xffffffffffffffff, 0x10
        F2I 700, fcvt.lu.d, d, rup, 0x43f0000000000000, 0xffffffffffffffff, 0x10
        F2I 701, fcvt.lu.d, d, rmm, 0x43f0000000000000, 0xffffffffffffffff, 0x10
        F2I 702, fcvt.l.d, d, rne, 0x43e0000000000000, 0x7fffffffffffffff, 0x10
        F2I 703, fcvt.l.d, d, rtz, 0x43e0000000000000, 0x7fffffffffffffff, 0x10
        F2I 704, fcvt.l.d, d, rdn, 0x43e0000000000000, 0x7fffffffffffffff, 0x10
        F2I 705, fcvt.l.d, d, rup, 0x43e0000000000000, 0x7fffffffffffffff, 0x10
        F2I 706, fcvt.l.d, d, rmm, 0x43e0000000000000, 0x7fffffffffffffff, 0x10
        F2I 707, fcvt.lu.d, d, rne, 0x43efffffffffffff, 0xfffffffffffff800, 0x0
        F2I 708, fcvt.lu.d, d, rtz, 0x43efffffffffffff, 0xfffffffffffff800, 0x0
        F2I 709, fcvt.lu.d, d, rdn, 0x43efffffffffffff, 0xfffffffffffff800, 0x0
        F2I 710, fcvt.lu.d, d, rup, 0x43efffffffffffff, 0xfffffffffffff800, 0x0
        F2I 711, fcvt.lu.d, d, rmm, 0x43efffffffffffff, 0xfffffffffffff800, 0x0
        I2F 712, fcvt.d.l, d, rne, 0x20000000000001, 0x4340000000000000, 0x1
        I2F 713, fcvt.d.l, d, rtz, 0x20000000000001, 0x4340000000000000, 0x1
        I2F 714, fcvt.d.l, d, rdn, 0x20000000000001, 0x4340000000000000, 0x1
        I2F 715, fcvt.d.l, d, rup, 0x20000000000001, 0x4340000000000001, 0x1
        I2F 716, fcvt.d.l, d, rmm, 0x20000000000001, 0x4340000000000001, 0x1
        I2F 717, fcvt.d.l, d, rne, 0xffdffffffffffffd, 0xc340000000000002, 0x1
        I2F 718, fcvt.d.l, d, rtz, 0xffdffffffffffffd, 0xc340000000000001, 0x1
        I2F 719, fcvt.d.l, d, rdn, 0xffdffffffffffffd, 0xc340000000000002, 0x1
        I2F 720, fcvt.d.l, d, rup, 0xffdffffffffffffd, 0xc340000000000001, 0x1
        I2F 721, fcvt.d.l, d, rmm, 0xffdffffffffffffd, 0xc340000000000002, 0x1
        I2F 722, fcvt.d.lu, d, rne, 0xffffffffffffffff, 0x43f0000000000000, 0x1
        I2F 723, fcvt.d.lu, d, rtz, 0xffffffffffffffff, 0x43efffffffffffff, 0x1
        I2F 724, fcvt.d.lu, d, rdn, 0xffffffffffffffff, 0x43efffffffffffff, 0x1
        I2F 725, fcvt.d.lu, d, rup, 0xffffffffffffffff, 0x43f0000000000000, 0x1
        I2F 726, fcvt.d.lu, d, rmm, 0xffffffffffffffff, 0x43f0000000000000, 0x1
        I2FX 727, fcvt.d.w, d, 0xffffffff80000000, 0xc1e0000000000000, 0x0
        I2FX 728, fcvt.d.wu, d, 0xffffffff, 0x41efffffffe00000, 0x0
        j pass

fail_sd:
        li a1, 0
        j fail_check

        .data
        .balign 16
fbuf:   .fill 8, 8, 0

        .section .rodata
        .globl test_name
test_name: .asciz "fd"
