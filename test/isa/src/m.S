# m: MUL/MULH/MULHSU/MULHU/DIV/DIVU/REM/REMU and the W-forms: signs, the high half
# of 128-bit products, truncating division, division by zero (quotient all ones,
# remainder = dividend) and overflow (INT_MIN / -1 = INT_MIN, remainder 0) as the
# spec's table gives them, W-forms ignoring upper input bits and sign-extending.
        .include "common.inc"

.macro RR n, op, exp, a, b
        TEST \n
        li a1, \a
        li a2, \b
        \op a0, a1, a2
        CHECK a0, \exp
.endm

        .text
        .globl test_main
test_main:
        RR 1, mul, 0x0000000000000000, 0x0, 0x0
        RR 2, mul, 0x0000000000000015, 0x3, 0x7
        RR 3, mul, 0xffffffffffffffeb, 0xfffffffffffffffd, 0x7
        RR 4, mul, 0x0000000000000015, 0xfffffffffffffffd, 0xfffffffffffffff9
        RR 5, mul, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
        RR 6, mul, 0x0000000000000001, 0x7fffffffffffffff, 0x7fffffffffffffff
        RR 7, mul, 0x236d88fe5618cf00, 0x123456789abcdef0, 0xfedcba9876543210
        RR 8, mul, 0xfffffffe00000001, 0xffffffff, 0xffffffff
        RR 9, mulh, 0x0000000000000000, 0xffffffffffffffff, 0xffffffffffffffff
        RR 10, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000
        RR 11, mulh, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff
        RR 12, mulh, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
        RR 13, mulh, 0x0000000000000000, 0x8000000000000000, 0xffffffffffffffff
        RR 14, mulh, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff
        RR 15, mulh, 0xffeb49923cc09532, 0x123456789abcdef0, 0xfedcba9876543210
        RR 16, mulh, 0x0000000000000000, 0x2, 0x3
        RR 17, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff
        RR 18, mulhu, 0x0000000000000001, 0x8000000000000000, 0x2
        RR 19, mulhu, 0x0000000000000000, 0x1, 0xffffffffffffffff
        RR 20, mulhu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210
        RR 21, mulhu, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000
        RR 22, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff
        RR 23, mulhsu, 0x0000000000000000, 0x1, 0xffffffffffffffff
        RR 24, mulhsu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
        RR 25, mulhsu, 0x7ffffffffffffffe, 0x7fffffffffffffff, 0xffffffffffffffff
        RR 26, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
        RR 27, mulhsu, 0xffffffffffffffff, 0xfffffffffffffffe, 0x8000000000000000
        RR 28, mulhsu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210
        RR 29, mulw, 0xfffffffffffffffe, 0x7fffffff, 0x2
        RR 30, mulw, 0x000000000000000f, 0x100000003, 0x200000005
        RR 31, mulw, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff
        RR 32, mulw, 0xffffffff80000000, 0x80000000, 0xffffffffffffffff
        RR 33, mulw, 0x0000000000000000, 0x10000, 0x10000
        RR 34, mulw, 0x00000000242d2080, 0x12345678, 0x9abcdef0
        RR 35, div, 0x0000000000000003, 0x7, 0x2
        RR 36, div, 0xfffffffffffffffd, 0xfffffffffffffff9, 0x2
        RR 37, div, 0xfffffffffffffffd, 0x7, 0xfffffffffffffffe
        RR 38, div, 0x0000000000000003, 0xfffffffffffffff9, 0xfffffffffffffffe
        RR 39, div, 0xffffffffffffffff, 0x5, 0x0
        RR 40, div, 0xffffffffffffffff, 0xfffffffffffffffb, 0x0
        RR 41, div, 0xffffffffffffffff, 0x0, 0x0
        RR 42, div, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
        RR 43, div, 0x8000000000000000, 0x8000000000000000, 0x1
        RR 44, div, 0xc000000000000000, 0x8000000000000000, 0x2
        RR 45, div, 0x0000000000000000, 0x1, 0x8000000000000000
        RR 46, div, 0x8000000000000001, 0x7fffffffffffffff, 0xffffffffffffffff
        RR 47, divu, 0x0000000000000003, 0x7, 0x2
        RR 48, divu, 0x7ffffffffffffffc, 0xfffffffffffffff9, 0x2
        RR 49, divu, 0xffffffffffffffff, 0x5, 0x0
        RR 50, divu, 0xffffffffffffffff, 0x0, 0x0
        RR 51, divu, 0x0000000000000000, 0x8000000000000000, 0xffffffffffffffff
        RR 52, divu, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff
        RR 53, divu, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
        RR 54, divu, 0x7fffffffffffffff, 0xffffffffffffffff, 0x2
        RR 55, rem, 0x0000000000000001, 0x7, 0x2
        RR 56, rem, 0xffffffffffffffff, 0xfffffffffffffff9, 0x2
        RR 57, rem, 0x0000000000000001, 0x7, 0xfffffffffffffffe
        RR 58, rem, 0xffffffffffffffff, 0xfffffffffffffff9, 0xfffffffffffffffe
        RR 59, rem, 0x0000000000000005, 0x5, 0x0
        RR 60, rem, 0xfffffffffffffffb, 0xfffffffffffffffb, 0x0
        RR 61, rem, 0x0000000000000000, 0x8000000000000000, 0xffffffffffffffff
        RR 62, rem, 0xfffffffffffffffe, 0x8000000000000000, 0x3
        RR 63, rem, 0x0000000000000003, 0x3, 0x8000000000000000
        RR 64, remu, 0x0000000000000001, 0x7, 0x2
        RR 65, remu, 0x0000000000000001, 0xfffffffffffffff9, 0x2
        RR 66, remu, 0x0000000000000005, 0x5, 0x0
        RR 67, remu, 0xfffffffffffffffb, 0xfffffffffffffffb, 0x0
        RR 68, remu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
        RR 69, remu, 0x7fffffffffffffff, 0xffffffffffffffff, 0x8000000000000000
        RR 70, divw, 0x0000000000000003, 0x7, 0x2
        RR 71, divw, 0xfffffffffffffffd, 0xfffffffffffffff9, 0x2
        RR 72, divw, 0xffffffff80000000, 0x80000000, 0xffffffffffffffff
        RR 73, divw, 0xffffffff80000000, 0xffffffff80000000, 0xffffffffffffffff
        RR 74, divw, 0xffffffffffffffff, 0x5, 0x0
        RR 75, divw, 0xffffffffffffffff, 0x123400000005, 0x0
        RR 76, divw, 0x0000000000000003, 0x100000007, 0x200000002
        RR 77, divw, 0xffffffff80000000, 0x80000000, 0x1
        RR 78, divw, 0xfffffffffffffffd, 0xfffffff9, 0x2
        RR 79, divuw, 0xffffffffffffffff, 0xffffffff, 0x1
        RR 80, divuw, 0xffffffffffffffff, 0x5, 0x0
        RR 81, divuw, 0x0000000040000000, 0x80000000, 0x2
        RR 82, divuw, 0x0000000000000001, 0xffffffff, 0xffffffff
        RR 83, divuw, 0x000000007fffffff, 0x1ffffffff, 0x100000002
        RR 84, divuw, 0xffffffffffffffff, 0x80000000, 0x100000000
        RR 85, remw, 0xffffffffffffffff, 0xfffffffffffffff9, 0x2
        RR 86, remw, 0x0000000000000001, 0x7, 0xfffffffffffffffe
        RR 87, remw, 0x0000000000000000, 0x80000000, 0xffffffffffffffff
        RR 88, remw, 0x0000000000000005, 0x5, 0x0
        RR 89, remw, 0xffffffff80000000, 0x80000000, 0x0
        RR 90, remw, 0xffffffff80000005, 0x1234567880000005, 0x0
        RR 91, remw, 0x0000000000000001, 0x100000007, 0x200000002
        RR 92, remuw, 0xffffffff80000000, 0x80000000, 0x0
        RR 93, remuw, 0x0000000000000005, 0x5, 0x0
        RR 94, remuw, 0x0000000000000000, 0xffffffff, 0x5
        RR 95, remuw, 0x000000007fffffff, 0xffffffff, 0x80000000
        RR 96, remuw, 0xfffffffffffffffe, 0xfffffffe, 0xffffffff
        RR 97, remuw, 0xfffffffffffffff8, 0x12345678fffffff8, 0x100000000
        # register aliasing: rd == rs1 == rs2, rd == rs2
        TEST 120
        li a1, -9
        mul a1, a1, a1
        CHECK a1, 81
        TEST 121
        li a1, 100
        li a2, 7
        div a2, a1, a2
        CHECK a2, 14
        TEST 122
        li a1, 100
        li a2, 7
        remu a1, a1, a2
        CHECK a1, 2
        TEST 123
        li a1, -1
        mulhu a1, a1, a1
        CHECK a1, 0xfffffffffffffffe
        TEST 124                        # x0 as divisor and as destination
        li a1, 42
        divu a0, a1, zero
        CHECK a0, -1
        rem a0, a1, zero
        CHECK a0, 42
        div zero, a1, a1
        mv a0, zero
        CHECK a0, 0
        j pass

        .section .rodata
        .globl test_name
test_name: .asciz "m"
