# csr: CSRRW/RS/RC/RWI/RSI/RCI semantics (old value to rd; RS/RC with rs1 = x0 or
# uimm = 0 never write, so they do not trap on read-only CSRs), misa, mhartid,
# mstatus WARL fields and the sstatus/sie views, mideleg/medeleg/satp/mtvec WARL,
# writes to read-only CSRs and unknown or RV32-only CSRs trap (illegal instruction),
# counters cycle/time/instret readable and moving, time agrees with CLINT mtime,
# mcounteren/scounteren gate S and U reads, S/U cannot touch more privileged CSRs.
        .include "common.inc"

# `insn` (which names no label 1) must raise an illegal-instruction trap, resuming in M
.macro ILLEGAL n, insn:vararg
        TEST \n
        TRY .Lr\@, PRV_M
        \insn
.Lr\@:  CAUGHT CAUSE_ILLEGAL
.endm

# `insn` must not trap
.macro LEGAL n, insn:vararg
        TEST \n
        \insn
.endm

        .text
        .globl test_main
test_main:
        csrr s11, mscratch              # the M trap handler's; borrowed by tests 1-9
        # ---- the six instructions
        TEST 1
        li a1, 0x1234
        csrw mscratch, a1
        li a2, 0x5678
        csrrw a0, mscratch, a2
        CHECK a0, 0x1234
        csrr a0, mscratch
        CHECK a0, 0x5678
        TEST 2
        li a1, 0xf0
        csrw mscratch, a1
        li a2, 0x0f
        csrrs a0, mscratch, a2
        CHECK a0, 0xf0
        csrr a0, mscratch
        CHECK a0, 0xff
        TEST 3
        li a2, 0x3c
        csrrc a0, mscratch, a2
        CHECK a0, 0xff
        csrr a0, mscratch
        CHECK a0, 0xc3
        TEST 4
        csrrwi a0, mscratch, 0x1f
        CHECK a0, 0xc3
        csrr a0, mscratch
        CHECK a0, 0x1f
        TEST 5
        li a1, 0x100
        csrw mscratch, a1
        csrrsi a0, mscratch, 5
        CHECK a0, 0x100
        csrr a0, mscratch
        CHECK a0, 0x105
        TEST 6
        csrrci a0, mscratch, 1
        CHECK a0, 0x105
        csrr a0, mscratch
        CHECK a0, 0x104
        TEST 7                          # rd == rs1: a swap
        li a1, 77
        csrrw a1, mscratch, a1
        CHECK a1, 0x104
        csrr a0, mscratch
        CHECK a0, 77
        TEST 8                          # all 64 bits
        li a1, 0x8000000000000001
        csrw mscratch, a1
        csrr a0, mscratch
        CHECK a0, 0x8000000000000001
        TEST 9                          # csrrs/csrrc with x0, csrrsi/ci with 0: no write
        li a1, 0x55
        csrw mscratch, a1
        csrrs a0, mscratch, x0
        csrrc a0, mscratch, x0
        csrrsi a0, mscratch, 0
        csrrci a0, mscratch, 0
        csrr a0, mscratch
        CHECK a0, 0x55
        TEST 10                         # ... so they are legal on read-only CSRs
        csrrs a0, mhartid, x0
        csrrc a0, mvendorid, x0
        csrrsi a0, marchid, 0
        csrrci a0, mimpid, 0
        csrrs a0, cycle, x0
        csrrc a0, instret, x0
        csrrsi a0, time, 0
        csrw mscratch, s11
        # ---- writes to read-only CSRs
        ILLEGAL 11, csrw mhartid, a0
        TEST 12                         # mtval: 0 or the instruction bits (QEMU: the bits)
        ld a0, trap_tval
        beqz a0, 1f
        CHECK a0, 0xf1451073            # csrw mhartid, a0
1:      ILLEGAL 13, csrrwi x0, mvendorid, 0
        ILLEGAL 14, csrw cycle, a0
        ILLEGAL 15, csrrw x0, time, x0  # csrrw always writes, even from x0
        ILLEGAL 16, csrrsi a0, instret, 1
        ILLEGAL 17, csrrci a0, mimpid, 2
        TEST 18
        li a1, 1
        TRY 1f, PRV_M
        csrrs a0, marchid, a1
1:      CAUGHT CAUSE_ILLEGAL
        .if SPEC_STRICT                 # QEMU 7.2: no trap (it looks at the value)
        TEST 19                         # csrrs/csrrc with rs1 != x0 write, even a 0
        li a1, 0
        TRY 1f, PRV_M
        csrrs a0, marchid, a1
1:      CAUGHT CAUSE_ILLEGAL
        TRY 1f, PRV_M
        csrrc a0, cycle, a1
1:      CAUGHT CAUSE_ILLEGAL
        .endif
        # ---- unknown CSRs, and RV32-only ones
        ILLEGAL 20, csrr a0, 0x0ff
        ILLEGAL 21, csrr a0, 0x1ff
        ILLEGAL 22, csrr a0, 0x3ff
        ILLEGAL 23, csrw 0xbff, a0
        ILLEGAL 24, csrr a0, 0xcff
        ILLEGAL 25, csrr a0, cycleh
        ILLEGAL 26, csrr a0, instreth
        ILLEGAL 27, csrr a0, 0x310      # mstatush
        # ---- identity
        TEST 30                         # misa: RV64, IMAFDC + S + U
        csrr a0, misa
        srli a1, a0, 62
        CHECK a1, 2
        li a2, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
        and a1, a0, a2
        CHECKR a1, a2
        TEST 31                         # not E
        andi a1, a0, 1 << 4
        CHECK a1, 0
        TEST 32
        csrr a0, mhartid
        CHECK a0, 0
        # ---- mstatus
        TEST 40                         # UXL = SXL = 2 (64-bit)
        csrr a0, mstatus
        srli a1, a0, 32
        andi a1, a1, 0xf
        CHECK a1, 0xa
        TEST 41                         # XS = 0
        srli a1, a0, 15
        andi a1, a1, 3
        CHECK a1, 0
        TEST 42                         # MPP holds M, S, U
        li a2, MSTATUS_MPP
        csrc mstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECK a1, 0
        li a3, PRV_S << 11
        csrs mstatus, a3
        csrr a0, mstatus
        and a1, a0, a2
        CHECK a1, PRV_S << 11
        csrs mstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECK a1, PRV_M << 11
        .if SPEC_STRICT                 # QEMU 7.2 keeps MPP = 2
        TEST 39                         # MPP = 2 (no such mode) does not stick
        li a3, 2 << 11
        csrc mstatus, a2
        csrs mstatus, a3
        csrr a0, mstatus
        and a1, a0, a2
        li t5, 2 << 11
        bne a1, t5, 1f
        mv a0, a1
        li a1, 0
        j fail_check
1:      csrs mstatus, a2
        .endif
        TEST 43                         # single-bit fields read back
        li a2, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
        csrs mstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECKR a1, a2
        csrc mstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECK a1, 0
        TEST 44                         # MPRV (harmless with MPP = M)
        li a2, MSTATUS_MPRV
        csrs mstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECKR a1, a2
        csrc mstatus, a2
        TEST 45                         # FS = Dirty sets SD
        li a2, MSTATUS_FS
        csrs mstatus, a2
        csrr a0, mstatus
        bgez a0, fail_sd
        TEST 46                         # FS = Off or Initial: SD clear (nothing else dirty)
        csrc mstatus, a2
        csrr a0, mstatus
        bltz a0, fail_sd
        li a1, 1 << 13
        csrs mstatus, a1
        csrr a0, mstatus
        bltz a0, fail_sd
        TEST 47                         # sstatus hides the M-only fields ...
        li a2, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
        csrs mstatus, a2
        csrr a0, sstatus
        and a1, a0, a2
        CHECK a1, 0
        TEST 48                         # ... and writes to it leave them alone
        csrc sstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECKR a1, a2
        csrc mstatus, a2
        li a3, MSTATUS_MPP
        csrs mstatus, a3                # MPP = M again
        TEST 49                         # the S fields go through sstatus both ways
        li a2, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR
        csrs sstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECKR a1, a2
        csrr a0, sstatus
        and a1, a0, a2
        CHECKR a1, a2
        csrc sstatus, a2
        csrr a0, mstatus
        and a1, a0, a2
        CHECK a1, 0
        TEST 50                         # sstatus shows UXL = 2
        csrr a0, sstatus
        srli a1, a0, 32
        andi a1, a1, 3
        CHECK a1, 2
        # ---- delegation registers and the S views of mie/mip
        TEST 51                         # mideleg: the S interrupts are delegable, M ones are not
        li a0, -1
        csrw mideleg, a0
        csrr a0, mideleg
        andi a1, a0, 0x222
        CHECK a1, 0x222
        li a2, 0x888
        and a1, a0, a2
        CHECK a1, 0
        csrw mideleg, zero
        TEST 52                         # sie shows only delegated interrupts
        li a0, 0x222
        csrw mie, a0
        csrr a1, sie
        CHECK a1, 0
        li a0, 0x20
        csrw mideleg, a0
        csrr a1, sie
        CHECK a1, 0x20
        TEST 53                         # writing sie changes only delegated bits of mie
        csrw sie, zero
        csrr a1, mie
        CHECK a1, 0x202
        TEST 54                         # sip: SSIP is writable from S when delegated
        li a0, 0x2
        csrw mideleg, a0
        csrw mie, zero
        csrs sip, a0
        csrr a1, mip
        andi a1, a1, 2
        CHECK a1, 2
        csrc sip, a0
        csrr a1, mip
        andi a1, a1, 2
        CHECK a1, 0
        csrw mideleg, zero
        TEST 55                         # medeleg: the usual exceptions are delegable
        li a0, -1
        csrw medeleg, a0
        csrr a0, medeleg
        li a2, 0xb3ff                   # 0-9, 12, 13, 15
        and a1, a0, a2
        CHECKR a1, a2
        csrw medeleg, zero
        csrr a0, medeleg
        CHECK a0, 0
        TEST 56                         # satp: a write with an unsupported MODE is ignored
        csrw satp, zero
        li a0, (15 << 60) | 0x80123
        csrw satp, a0
        csrr a1, satp
        CHECK a1, 0
        TEST 57                         # Sv39 and Sv48 are accepted
        li a0, (8 << 60) | 0x80123
        csrw satp, a0
        csrr a1, satp
        li a2, 0xf0000fffffffffff       # MODE and PPN (ASID bits are WARL)
        and a1, a1, a2
        CHECKR a1, a0
        li a0, (9 << 60) | 0x80456
        csrw satp, a0
        csrr a1, satp
        and a1, a1, a2
        CHECKR a1, a0
        csrw satp, zero
        TEST 58                         # mtvec: direct and vectored modes
        csrr s0, mtvec
        lla a0, vectbl
        csrw mtvec, a0
        csrr a1, mtvec
        CHECKR a1, a0
        ori a0, a0, 1
        csrw mtvec, a0
        csrr a1, mtvec
        CHECKR a1, a0
        csrw mtvec, s0
        TEST 59                         # stvec likewise
        csrr s0, stvec
        lla a0, vectbl
        ori a0, a0, 1
        csrw stvec, a0
        csrr a1, stvec
        CHECKR a1, a0
        csrw stvec, s0
        TEST 60                         # mepc/sepc hold an address
        li a0, 0x80001234
        csrw mepc, a0
        csrr a1, mepc
        CHECK a1, 0x80001234
        csrw sepc, a0
        csrr a1, sepc
        CHECK a1, 0x80001234
        .if SPEC_STRICT                 # QEMU 7.2 keeps bit 0
        TEST 61                         # mepc[0] and sepc[0] read 0 (IALIGN 16)
        li a0, 0x80001235
        csrw mepc, a0
        csrr a1, mepc
        CHECK a1, 0x80001234
        csrw sepc, a0
        csrr a1, sepc
        CHECK a1, 0x80001234
        .endif
        # ---- counters
        TEST 70                         # cycle, instret, mcycle, minstret move forward
        csrr a0, cycle
        csrr a1, instret
        csrr a4, mcycle
        csrr a5, minstret
        nop
        nop
        nop
        csrr a2, cycle
        csrr a3, instret
        bleu a2, a0, fail_counter
        bleu a3, a1, fail_counter
        csrr a6, mcycle
        csrr a7, minstret
        bleu a6, a4, fail_counter
        bleu a7, a5, fail_counter
        TEST 71                         # time lies between two reads of the CLINT's mtime
        li a5, CLINT_MTIME
        ld a0, 0(a5)
        csrr a1, time
        ld a2, 0(a5)
        bltu a1, a0, fail_counter
        bltu a2, a1, fail_counter
        TEST 72                         # time moves
        li a3, 100000
1:      csrr a2, time
        bne a2, a1, 2f
        addi a3, a3, -1
        bnez a3, 1b
        j fail_counter
2:      TEST 73                         # minstret and mcycle are writable
        li a0, 1 << 40
        csrw minstret, a0
        csrr a1, minstret
        bltu a1, a0, fail_counter
        li a2, (1 << 40) + (1 << 32)
        bgeu a1, a2, fail_counter
        csrw mcycle, a0
        csrr a1, mcycle
        bltu a1, a0, fail_counter
        bgeu a1, a2, fail_counter
        # ---- mcounteren / scounteren gate the user counters
        csrw mcounteren, zero
        csrw scounteren, zero
        GOTO PRV_S
        ILLEGAL 80, csrr a0, cycle
        GOTO PRV_S
        ILLEGAL 81, csrr a0, time
        GOTO PRV_S
        ILLEGAL 82, csrr a0, instret
        li a0, 7
        csrw mcounteren, a0
        GOTO PRV_S
        TEST 83                         # S: allowed by mcounteren alone
        csrr a0, cycle
        csrr a0, time
        csrr a0, instret
        csrr a0, scounteren             # S owns scounteren
        CHECK a0, 0
        GOTO_M
        GOTO PRV_U                      # U: needs scounteren too
        ILLEGAL 84, csrr a0, cycle
        GOTO PRV_U
        ILLEGAL 85, csrr a0, time
        GOTO PRV_U
        ILLEGAL 86, csrr a0, instret
        li a0, 7
        csrw scounteren, a0
        GOTO PRV_U
        TEST 87
        csrr a0, cycle
        csrr a0, time
        csrr a0, instret
        GOTO_M
        li a0, 1                        # CY only
        csrw mcounteren, a0
        GOTO PRV_S
        TEST 88
        csrr a0, cycle
        ILLEGAL 89, csrr a0, time
        GOTO PRV_S
        ILLEGAL 90, csrr a0, instret
        li a0, 7
        csrw mcounteren, a0
        li a0, 2                        # TM only in scounteren
        csrw scounteren, a0
        GOTO PRV_U
        TEST 91
        csrr a0, time
        ILLEGAL 92, csrr a0, cycle
        GOTO PRV_U
        ILLEGAL 93, csrr a0, instret
        GOTO PRV_S                      # scounteren does not gate S itself
        TEST 94
        csrr a0, cycle
        csrr a0, instret
        GOTO_M
        csrw mcounteren, zero
        csrw scounteren, zero
        # ---- privilege of CSRs
        GOTO PRV_S
        ILLEGAL 100, csrr a0, mstatus
        GOTO PRV_S
        ILLEGAL 101, csrr a0, mhartid
        GOTO PRV_S
        ILLEGAL 102, csrw mscratch, a0
        GOTO PRV_S
        ILLEGAL 103, csrr a0, mvendorid
        GOTO PRV_S
        ILLEGAL 104, csrr a0, medeleg
        GOTO PRV_S
        TEST 105                        # S: its own CSRs work
        li a1, 0x99
        csrw sscratch, a1
        csrr a0, sscratch
        CHECK a0, 0x99
        csrr a0, sstatus
        csrr a0, sie
        csrr a0, stvec
        csrr a0, satp
        GOTO_M
        GOTO PRV_U
        ILLEGAL 106, csrr a0, sstatus
        GOTO PRV_U
        ILLEGAL 107, csrr a0, sscratch
        GOTO PRV_U
        ILLEGAL 108, csrr a0, satp
        GOTO PRV_U
        ILLEGAL 109, csrr a0, mstatus
        GOTO PRV_U
        TEST 110                        # U: fcsr is a user CSR
        csrr a0, fcsr
        GOTO_M
        TEST 111                        # back in M: the trap came from U
        CHECK_PREV PRV_U
        j pass

fail_sd:
        mv a0, a0
        li a1, 0
        j fail_check
fail_counter:
        li a0, 0
        li a1, 1
        j fail_check

        .balign 256
vectbl: .word 0

        .section .rodata
        .globl test_name
test_name: .asciz "csr"
