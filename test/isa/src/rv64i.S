# rv64i: every RV64I instruction: arithmetic and its W-forms (sign extension of the
# 32-bit result, upper input bits ignored), shifts by 0/31/32/63 and shamt masking,
# SLT/SLTU signed vs unsigned, LUI/AUIPC sign extension, branches taken and not
# taken, JAL/JALR links and JALR's cleared low bit, loads of every width with sign
# or zero extension, stores of every width (only their bytes change), x0, FENCE.I
# after self-modifying code.
        .include "common.inc"

.macro RR n, op, exp, a, b
        TEST \n
        li a1, \a
        li a2, \b
        \op a0, a1, a2
        CHECK a0, \exp
.endm

.macro RI n, op, exp, a, imm
        TEST \n
        li a1, \a
        \op a0, a1, \imm
        CHECK a0, \exp
.endm

# branch: taken (1) or not (0)
.macro BR n, op, a, b, taken
        TEST \n
        li a1, \a
        li a2, \b
        li a0, 1
        \op a1, a2, .Lt\@
        li a0, 0
.Lt\@:  CHECK a0, \taken
.endm

.macro LOAD n, op, exp, off
        TEST \n
        lla a1, ldata
        \op a0, \off(a1)
        CHECK a0, \exp
.endm

        .text
        .globl test_main
test_main:
        # ---- ADD / SUB / ADDI
        RR 1, add, 0, 0, 0
        RR 2, add, 2, 1, 1
        RR 3, add, 10, 3, 7
        RR 4, add, 0x8000000000000000, 0x7fffffffffffffff, 1
        RR 5, add, 0, -1, 1
        RR 6, add, 0x100000000, 0xffffffff, 1
        RR 7, sub, 0xffffffffffffffff, 0, 1
        RR 8, sub, 0x7fffffffffffffff, 0x8000000000000000, 1
        RR 9, sub, 2, 5, 3
        RI 10, addi, 0x8000000000000000, 0x7fffffffffffffff, 1
        RI 11, addi, -2048, 0, -2048
        RI 12, addi, 2047, 0, 2047
        RI 13, addi, 0x100000000, 0xffffffff, 1
        # ---- W-forms: 32-bit result, sign-extended; upper input bits ignored
        RR 14, addw, 0xffffffff80000000, 0x7fffffff, 1
        RR 15, addw, 0, 0xffffffff, 1
        RR 16, addw, 0x23456789, 0x123456789, 0
        RR 17, addw, 0xffffffff80000000, 0x80000000, 0
        RR 18, addw, 3, 0xdeadbeef00000001, 0xcafebabe00000002
        RR 19, subw, 0xffffffffffffffff, 0, 1
        RR 20, subw, 0x7fffffff, 0x80000000, 1
        RR 21, subw, 0xffffffff80000000, 0x7fffffff, -1
        RI 22, addiw, 0xffffffff80000000, 0x7fffffff, 1
        RI 23, addiw, 0x7fffffff, 0x80000000, -1
        RI 24, addiw, 0xffffffff80000000, 0x180000000, 0
        RI 25, addiw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0
        # ---- LUI / AUIPC
        TEST 26
        lui a0, 0x80000
        CHECK a0, 0xffffffff80000000
        TEST 27
        lui a0, 0x7ffff
        CHECK a0, 0x7ffff000
        TEST 28
        lui a0, 0xfffff
        CHECK a0, 0xfffffffffffff000
        TEST 29
        li a0, 55
        lui a0, 0
        CHECK a0, 0
        TEST 30
1:      auipc a0, 0
        lla a1, 1b
        sub a0, a0, a1
        CHECK a0, 0
        TEST 31
1:      auipc a0, 0x80000
        lla a1, 1b
        sub a0, a0, a1
        CHECK a0, 0xffffffff80000000
        TEST 32
1:      auipc a0, 0x7ffff
        lla a1, 1b
        sub a0, a0, a1
        CHECK a0, 0x7ffff000
        # ---- shifts: amount from the low 6 bits (5 for W-forms)
        RR 33, sll, 1, 1, 0
        RR 34, sll, 0x8000000000000000, 1, 63
        RR 35, sll, 1, 1, 64
        RR 36, sll, 2, 1, 65
        RR 37, sll, 0x8000000000000000, -1, -1
        RR 38, sll, 0x2100000000, 0x21, 32
        RR 39, sll, 0x100000000, 0x80000000, 1
        RR 40, srl, 1, 0x8000000000000000, 63
        RR 41, srl, 0x8000000000000000, 0x8000000000000000, 64
        RR 42, srl, 0x7fffffffffffffff, -1, 1
        RR 43, srl, 0xffffffff, -1, 32
        RR 44, sra, -1, 0x8000000000000000, 63
        RR 45, sra, 0xc000000000000000, 0x8000000000000000, 1
        RR 46, sra, 1, 0x7fffffffffffffff, 62
        RR 47, sra, -1, -2, 127
        RR 48, sra, 0x8000000000000000, 0x8000000000000000, 0x40
        RI 49, slli, 0x8000000000000000, 1, 63
        RI 50, slli, 0xffffffff00000000, 0xffffffff, 32
        RI 51, srli, 1, -1, 63
        RI 52, srli, 0x100000000, 0x8000000000000000, 31
        RI 53, srai, -1, 0x8000000000000000, 63
        RI 54, srai, 0xffffffff00000000, 0x8000000000000000, 31
        RI 55, srai, 0, 0x7fffffffffffffff, 63
        RR 56, sllw, 0xffffffff80000000, 1, 31
        RR 57, sllw, 1, 1, 32
        RR 58, sllw, 0xffffffff80000000, 1, 63
        RR 59, sllw, 2, 0xffffffff00000001, 1
        RR 60, sllw, 0xffffffff80000000, 0x40000000, 1
        RR 61, sllw, 0xffffffff80000000, 0x180000000, 0
        RR 62, srlw, 1, 0x80000000, 31
        RR 63, srlw, 0xffffffff80000000, 0xffffffff80000000, 0
        RR 64, srlw, 0x7fffffff, 0xffffffff, 1
        RR 65, srlw, 0x7fffffff, -1, 33
        RR 66, srlw, 1, 0x1234567800000010, 4
        RR 67, sraw, -1, 0x80000000, 31
        RR 68, sraw, 0xffffffff80000000, 0x80000000, 32
        RR 69, sraw, 0x7fffffff, 0xaaaaaaaa7fffffff, 0
        RR 70, sraw, 0, 0x7fffffff, 31
        RR 71, sraw, 0xfffffffff8000000, 0x80000000, 4
        RI 72, slliw, 0xffffffff80000000, 1, 31
        RI 73, slliw, -1, -1, 0
        RI 74, srliw, 0xffffffff80000000, 0x80000000, 0
        RI 75, srliw, 1, 0x80000000, 31
        RI 76, srliw, 0, 0xffffffff00000000, 1
        RI 77, sraiw, -1, 0x80000000, 31
        RI 78, sraiw, 0xffffffffc0000000, 0x80000000, 1
        RI 79, sraiw, 0x7fffffff, 0x17fffffff, 0
        # ---- SLT / SLTU / SLTI / SLTIU
        RR 80, slt, 1, -1, 0
        RR 81, slt, 0, 0, -1
        RR 82, slt, 0, 5, 5
        RR 83, slt, 1, 0x8000000000000000, 0x7fffffffffffffff
        RR 84, slt, 0, 0x7fffffffffffffff, 0x8000000000000000
        RR 85, sltu, 0, -1, 0
        RR 86, sltu, 1, 0, -1
        RR 87, sltu, 0, 5, 5
        RR 88, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff
        TEST 89
        li a2, 7
        sltu a0, zero, a2               # snez
        CHECK a0, 1
        RI 90, slti, 1, -1, 0
        RI 91, slti, 0, 0, -1
        RI 92, slti, 1, 0x8000000000000000, -2048
        RI 93, slti, 0, 2047, 2047
        RI 94, slti, 1, -2049, -2048
        RI 95, sltiu, 1, 0, -1          # the immediate is sign-extended, then unsigned
        RI 96, sltiu, 1, 0xfffffffffffffffe, -1
        RI 97, sltiu, 0, -1, -1
        RI 98, sltiu, 1, 0, 1           # seqz
        RI 99, sltiu, 0, 1, 1
        RI 100, sltiu, 1, 4095, -2048
        # ---- logic
        RR 101, and, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
        RR 102, or, 0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
        RR 103, xor, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
        RI 104, andi, 0xff00ff00ff00ff00, 0xff00ff00ff00ff00, -1
        RI 105, andi, 0x700, 0xff00ff00ff00ff00, 0x7f0
        RI 106, andi, 0xff00ff00ff00f800, 0xff00ff00ff00ff00, -2048
        RI 107, ori, 0xfffffffffffff800, 0, -2048
        RI 108, ori, 0x8000000000000001, 0x8000000000000000, 1
        RI 109, xori, 0x00ff00ff00ff00ff, 0xff00ff00ff00ff00, -1
        RI 110, xori, 0x00ff00ff00ff07f0, 0x00ff00ff00ff00ff, 0x70f
        # ---- x0 reads as zero, writes are dropped; rd == rs
        TEST 111
        addi x0, x0, 5
        add a0, x0, x0
        CHECK a0, 0
        TEST 112
        lui x0, 0x12345
        li a1, 5
        add x0, a1, a1
        sub a0, x0, a1
        CHECK a0, -5
        TEST 113
        mv a0, x0
        CHECK a0, 0
        TEST 114
        li a1, 21
        add a1, a1, a1
        CHECK a1, 42
        TEST 115
        li a1, 3
        li a2, 10
        sub a2, a1, a2
        CHECK a2, -7
        TEST 116
        li a1, 0x80000000
        addw a1, a1, a1
        CHECK a1, 0
        # ---- branches
        BR 120, beq, 1, 1, 1
        BR 121, beq, 1, 2, 0
        BR 122, beq, -1, 0xffffffffffffffff, 1
        BR 123, bne, 1, 1, 0
        BR 124, bne, 1, 2, 1
        BR 125, bne, 0x100000000, 0, 1
        BR 126, blt, -1, 1, 1
        BR 127, blt, 1, -1, 0
        BR 128, blt, 5, 5, 0
        BR 129, blt, 0x8000000000000000, 0, 1
        BR 130, bge, 5, 5, 1
        BR 131, bge, -1, 1, 0
        BR 132, bge, 1, -1, 1
        BR 133, bge, 0, 0x8000000000000000, 1
        BR 134, bltu, -1, 1, 0
        BR 135, bltu, 1, -1, 1
        BR 136, bltu, 5, 5, 0
        BR 137, bgeu, 5, 5, 1
        BR 138, bgeu, -1, 1, 1
        BR 139, bgeu, 1, -1, 0
        BR 140, bgeu, 0, 0, 1
        TEST 141                        # backward taken branch
        li a1, 5
        li a0, 0
1:      addi a0, a0, 3
        addi a1, a1, -1
        bnez a1, 1b
        CHECK a0, 15
        # ---- JAL / JALR
        TEST 142
        jal a0, 1f
2:      j fail_jump
1:      lla a1, 2b
        CHECKR a0, a1
        TEST 143                        # jal backwards
        j 2f
1:      li a0, 77
        j 3f
2:      jal x0, 1b
        j fail_jump
3:      CHECK a0, 77
        TEST 144                        # jalr: link is pc+4
        lla a1, 1f
        jalr a0, 0(a1)
2:      j fail_jump
1:      lla a1, 2b
        CHECKR a0, a1
        TEST 145                        # jalr clears bit 0 of the target
        lla a1, 1f
        addi a1, a1, 1
        jalr a0, 0(a1)
        j fail_jump
1:      li a2, 1
        CHECK a2, 1
        TEST 146                        # jalr with a negative offset
        lla a1, 1f
        addi a1, a1, 8
        jalr a0, -8(a1)
        j fail_jump
1:      TEST 147                        # rd == rs1: the target uses the old rs1
        lla a1, 1f
        jalr a1, 0(a1)
2:      j fail_jump
1:      lla a2, 2b
        CHECKR a1, a2
        TEST 148                        # odd offset, rd == rs1
        lla a1, 1f
        addi a1, a1, -1
        jalr a1, 2(a1)
2:      j fail_jump
        .word 0                          # (skipped)
1:      lla a2, 2b
        CHECKR a1, a2
        # ---- loads: every width, sign and zero extension
        LOAD 150, lb, 0xffffffffffffff88, 0
        LOAD 151, lbu, 0x88, 0
        LOAD 152, lb, 0xffffffffffffff81, 7
        LOAD 153, lh, 0xffffffffffff8788, 0
        LOAD 154, lhu, 0x8788, 0
        LOAD 155, lh, 0xffffffffffff8182, 6
        LOAD 156, lw, 0xffffffff85868788, 0
        LOAD 157, lwu, 0x85868788, 0
        LOAD 158, lw, 0xffffffff81828384, 4
        LOAD 159, ld, 0x8182838485868788, 0
        LOAD 160, lb, 0x08, 8
        LOAD 161, lh, 0x0708, 8
        LOAD 162, lw, 0x05060708, 8
        LOAD 163, lwu, 0x05060708, 8
        LOAD 164, lbu, 0x7f, 16
        LOAD 165, lb, 0x7f, 16
        LOAD 166, lhu, 0xffff, 18
        LOAD 167, lh, -1, 18
        LOAD 168, lwu, 0xffffffff, 20
        LOAD 169, lw, -1, 20
        LOAD 170, lw, 0x7fffffff, 24
        LOAD 171, lh, 0x7fff, 26
        TEST 172                        # negative offsets
        lla a1, ldata + 8
        lw a0, -4(a1)
        CHECK a0, 0xffffffff81828384
        TEST 173
        ld a0, -8(a1)
        CHECK a0, 0x8182838485868788
        TEST 174
        lbu a0, -1(a1)
        CHECK a0, 0x81
        TEST 175                        # a load into x0 is dropped
        lw x0, 0(a1)
        mv a0, x0
        CHECK a0, 0
        # ---- stores: only their bytes change
        TEST 180
        lla a1, sbuf
        sd zero, 0(a1)
        sd zero, 8(a1)
        li a2, 0x123456789abcdeab
        sb a2, 3(a1)
        ld a0, 0(a1)
        CHECK a0, 0x00000000ab000000
        TEST 181
        sh a2, 6(a1)
        ld a0, 0(a1)
        CHECK a0, 0xdeab0000ab000000
        TEST 182
        sw a2, 8(a1)
        ld a0, 8(a1)
        CHECK a0, 0x000000009abcdeab
        TEST 183
        sd a2, 0(a1)
        ld a0, 0(a1)
        CHECK a0, 0x123456789abcdeab
        ld a0, 8(a1)
        CHECK a0, 0x000000009abcdeab
        TEST 184                        # negative offset
        addi a3, a1, 16
        sh a2, -2(a3)
        ld a0, 8(a1)
        CHECK a0, 0xdeab00009abcdeab
        TEST 185
        sb a2, -16(a3)
        lbu a0, 0(a1)
        CHECK a0, 0xab
        lb a0, 0(a1)
        CHECK a0, 0xffffffffffffffab
        TEST 186
        li a2, 0x80
        sb a2, 1(a1)
        lh a0, 0(a1)
        CHECK a0, 0xffffffffffff80ab
        # ---- FENCE, HINTs
        TEST 190
        fence
        fence rw, rw
        fence r, w
        fence.i
        addi x0, x0, 0
        slli x0, x0, 3
        add x0, x0, a1
        li a0, 1
        CHECK a0, 1
        # ---- self-modifying code made visible by FENCE.I
        TEST 191
        lla a1, codebuf
        li a2, 0x00100513               # addi a0, zero, 1
        sw a2, 0(a1)
        li a2, 0x00008067               # ret
        sw a2, 4(a1)
        fence.i
        li a0, 0
        jalr ra, 0(a1)
        CHECK a0, 1
        TEST 192
        li a2, 0x00200513               # addi a0, zero, 2
        sw a2, 0(a1)
        fence.i
        jalr ra, 0(a1)
        CHECK a0, 2
        TEST 193                        # the same, rewritten with a halfword store
        li a2, 0x0030                   # imm bits 23..20 of addi: now 3
        sh a2, 2(a1)
        fence.i
        jalr ra, 0(a1)
        CHECK a0, 3
        j pass

fail_jump:
        li a0, 0
        li a1, 1
        j fail_check

        .data
        .balign 8
ldata:  .dword 0x8182838485868788
        .dword 0x0102030405060708
        .byte 0x7f, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        .dword 0x000000007fffffff
sbuf:   .dword 0, 0
        .balign 16
codebuf: .word 0x00000013, 0x00008067, 0, 0

        .section .rodata
        .globl test_name
test_name: .asciz "rv64i"
