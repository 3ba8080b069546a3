# c: every RV64C instruction (c.addi4spn, c.lw/ld/sw/sd/fld/fsd, c.lwsp/ldsp/fldsp/
# swsp/sdsp/fsdsp, c.addi/addiw/li/lui/addi16sp/srli/srai/andi/sub/xor/or/and/subw/
# addw/j/beqz/bnez/slli/jr/jalr/mv/add/ebreak/nop) with immediates at their limits
# and sign extension; c.jalr links pc+2; HINT encodings do nothing; reserved
# encodings are illegal; mixed 16/32-bit streams, a 32-bit instruction at 2 mod 4,
# and one straddling a page boundary.
        .include "common.inc"
        .option rvc

# 32-bit instruction, even here
.macro W32 insn:vararg
        .option push
        .option norvc
        \insn
        .option pop
.endm

.macro ILLHALF n, half
        TEST \n
        TRY .Lr\@, PRV_M
.Li\@:  .half \half
        c.nop
.Lr\@:  CAUGHT CAUSE_ILLEGAL
        CHECK_EPC .Li\@
        ld t5, trap_tval                # 0 or the 16 instruction bits
        beqz t5, .Lz\@
        CHECK t5, \half
.Lz\@:
.endm

        .text
        .globl test_main
test_main:
        # ---- immediates into a register
        TEST 1
        c.li a0, -32
        CHECK a0, -32
        c.li a0, 31
        CHECK a0, 31
        TEST 2
        c.lui a0, 1
        CHECK a0, 0x1000
        c.lui a0, 0x1f
        CHECK a0, 0x1f000
        c.lui a0, 0xfffe0
        CHECK a0, 0xfffffffffffe0000
        c.lui s1, 0xfffff
        CHECK s1, 0xfffffffffffff000
        TEST 3
        li a0, 100
        c.addi a0, -32
        CHECK a0, 68
        c.addi a0, 31
        CHECK a0, 99
        TEST 4
        li a0, 0x7fffffff
        c.addiw a0, 1
        CHECK a0, 0xffffffff80000000
        li a0, 0x180000000
        c.addiw a0, 0
        CHECK a0, 0xffffffff80000000
        li a1, 0x12345678fffffffe
        c.addiw a1, -1
        CHECK a1, -3
        # ---- stack pointer forms
        TEST 5
        mv s1, sp
        c.addi16sp sp, -512
        sub a0, s1, sp
        CHECK a0, 512
        c.addi16sp sp, 496
        sub a0, s1, sp
        CHECK a0, 16
        c.addi16sp sp, 16
        TEST 6
        c.addi4spn a0, sp, 1020
        sub a0, a0, sp
        CHECK a0, 1020
        c.addi4spn s0, sp, 4
        sub a0, s0, sp
        CHECK a0, 4
        # ---- shifts and logic (x8-x15 forms)
        TEST 7
        li a0, 1
        c.slli a0, 63
        CHECK a0, 0x8000000000000000
        c.srai a0, 63
        CHECK a0, -1
        c.srli a0, 63
        CHECK a0, 1
        li a1, -1
        c.srli a1, 1
        CHECK a1, 0x7fffffffffffffff
        li a1, 0x8000000000000000
        c.srai a1, 32
        CHECK a1, 0xffffffff80000000
        li t2, 3
        c.slli t2, 32                   # c.slli takes any register
        CHECK t2, 0x300000000
        TEST 8
        li a0, 0x123456789abcdef7
        c.andi a0, -32
        CHECK a0, 0x123456789abcdee0
        li a0, 0xff
        c.andi a0, 31
        CHECK a0, 31
        TEST 9
        li a1, 0xf0f0f0f0f0f0f0f0
        li a2, 0xff00ff00ff00ff00
        c.mv a0, a1
        CHECK a0, 0xf0f0f0f0f0f0f0f0
        c.and a0, a2
        CHECK a0, 0xf000f000f000f000
        c.mv a0, a1
        c.or a0, a2
        CHECK a0, 0xfff0fff0fff0fff0
        c.mv a0, a1
        c.xor a0, a2
        CHECK a0, 0x0ff00ff00ff00ff0
        TEST 10
        li a0, 5
        li a1, 7
        c.sub a0, a1
        CHECK a0, -2
        li t3, 40
        li t4, 2
        c.add t3, t4
        CHECK t3, 42
        TEST 11
        li a0, 0x80000000
        li a1, 1
        c.subw a0, a1
        CHECK a0, 0x7fffffff
        li a0, 0x100000000
        c.subw a0, a1
        CHECK a0, -1
        li a0, 0x7fffffff
        c.addw a0, a1
        CHECK a0, 0xffffffff80000000
        # ---- loads and stores, register-based
        lla a1, cbuf
        TEST 20
        li a2, 0x8182838485868788
        sd a2, 248(a1)
        c.ld a0, 248(a1)
        CHECK a0, 0x8182838485868788
        c.lw a0, 124(a1)                # 0 there
        CHECK a0, 0
        sw a2, 124(a1)
        c.lw a0, 124(a1)
        CHECK a0, 0xffffffff85868788
        TEST 21
        li a2, 0x1122334455667788
        c.sw a2, 4(a1)
        ld a0, 0(a1)
        CHECK a0, 0x5566778800000000
        c.sd a2, 240(a1)
        ld a0, 240(a1)
        CHECK a0, 0x1122334455667788
        TEST 22
        c.fld fa0, 240(a1)
        fmv.x.d a0, fa0
        CHECK a0, 0x1122334455667788
        c.fsd fa0, 8(a1)
        ld a0, 8(a1)
        CHECK a0, 0x1122334455667788
        # ---- loads and stores, sp-based
        TEST 23
        mv s1, sp
        lla sp, cbuf
        li a2, 0xa1a2a3a4a5a6a7a8
        c.sdsp a2, 504(sp)
        ld a0, 504(a1)
        CHECK a0, 0xa1a2a3a4a5a6a7a8
        c.ldsp t0, 504(sp)
        CHECK t0, 0xa1a2a3a4a5a6a7a8
        TEST 24
        c.swsp a2, 252(sp)
        lw a0, 252(a1)
        CHECK a0, 0xffffffffa5a6a7a8
        c.lwsp t1, 252(sp)
        CHECK t1, 0xffffffffa5a6a7a8
        TEST 25
        c.fldsp ft0, 504(sp)
        fmv.x.d a0, ft0
        CHECK a0, 0xa1a2a3a4a5a6a7a8
        c.fsdsp ft0, 496(sp)
        ld a0, 496(a1)
        CHECK a0, 0xa1a2a3a4a5a6a7a8
        c.lwsp t1, 0(sp)
        CHECK t1, 0
        mv sp, s1
        # ---- control transfer
        TEST 30
        li a0, 0
        c.j 1f
        li a0, 1
1:      CHECK a0, 0
        TEST 31                         # backwards
        li a0, 3
        li a2, 0
2:      c.addi a2, 5
        c.addi a0, -1
        c.bnez a0, 2b
        CHECK a2, 15
        TEST 32
        li a0, 0
        li a2, 1
        c.beqz a0, 1f
        li a2, 2
1:      CHECK a2, 1
        li a0, 0x100000000              # all 64 bits count
        c.beqz a0, 3f
        c.bnez a0, 1f
3:      li a2, 3
1:      CHECK a2, 1
        li a0, 0
        c.bnez a0, 3b
        TEST 33
        lla a1, 1f
        c.jr a1
        j fail_jump
1:      TEST 34                         # c.jalr links pc + 2
        lla a1, 1f
2:      c.jalr a1
        j fail_jump
1:      lla a2, 2b + 2
        CHECKR ra, a2
        TEST 35                         # c.jalr a1 with a1 = ra: the target is read first
        lla ra, 1f
2:      c.jalr ra
        j fail_jump
1:      lla a2, 2b + 2
        CHECKR ra, a2
        TEST 36
        TRY 1f
2:      c.ebreak
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_EPC 2b
        # ---- HINTs: they decode and do nothing
        TEST 40
        li a0, 7
        c.nop
        .half 0x0005                    # c.nop 1
        .half 0x4015                    # c.li x0, 5
        .half 0x802a                    # c.mv x0, a0
        .half 0x902a                    # c.add x0, a0
        .half 0x0006                    # c.slli x0, 1
        CHECK a0, 7
        mv a1, zero
        CHECK a1, 0
        # ---- reserved encodings
        ILLHALF 41, 0x0000              # all zeros
        ILLHALF 42, 0x0004              # c.addi4spn with nzuimm = 0 (rd' = s1)
        ILLHALF 43, 0x6501              # c.lui a0, 0
        ILLHALF 44, 0x6101              # c.addi16sp sp, 0
        ILLHALF 45, 0x8002              # c.jr x0
        ILLHALF 46, 0x4002              # c.lwsp x0
        ILLHALF 47, 0x6002              # c.ldsp x0
        # ---- mixed streams
        TEST 50
        li a0, 0
        c.addi a0, 1
        W32 addi a0, a0, 2
        c.addi a0, 3
        c.addi a0, 4
        W32 addi a0, a0, 5
        W32 addi a0, a0, 6
        c.slli a0, 1
        W32 slli a0, a0, 1
        CHECK a0, 84
        TEST 51                         # a 32-bit instruction at 2 mod 4
        .balign 4
        c.li a0, 5
        W32 addi a0, a0, 0x123
        c.nop
        CHECK a0, 0x128
        TEST 52                         # ... reached by a jump
        lla a1, odd32
        andi a2, a1, 3
        CHECK a2, 2
        li a0, 0
        jalr ra, 0(a1)
        CHECK a0, 0x321
        TEST 53                         # ... straddling a page boundary
        lla a1, pagecross
        li a2, 0xfff
        and a2, a1, a2
        CHECK a2, 0xffe
        li a0, 1
        jalr ra, 0(a1)
        CHECK a0, 0x78
        TEST 54                         # ... walked into by c.nops from the page before
        lla a1, pagecross - 8
        li a0, 2
        jalr ra, 0(a1)
        CHECK a0, 0x79
        j pass

fail_jump:
        li a0, 0
        li a1, 1
        j fail_check

        .balign 4
        c.nop
odd32:  W32 li a0, 0x321
        c.jr ra

        .balign 4096
        .rept 2047
        c.nop
        .endr
pagecross:
        W32 addi a0, a0, 0x77
        c.jr ra

        .data
        .balign 16
cbuf:   .fill 64, 8, 0

        .section .rodata
        .globl test_name
test_name: .asciz "c"
