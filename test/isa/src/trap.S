# trap: ECALL from M/S/U (11/9/8) and EBREAK (3) with mepc/mtval; illegal
# instructions (reserved encodings that lazy decoders accept) with mtval = 0 or the
# instruction bits (QEMU writes the bits); a 32-bit instruction at a 2-aligned
# address is fine with C; load/store/fetch access faults (5/7/1) on addresses no
# device answers; delegation to S via medeleg/mideleg (scause, sepc, stval, SPP,
# SPIE/SIE); MRET/SRET: MPP/SPP/MPIE/SPIE/MIE/SIE updates, MPRV cleared when leaving
# M (strict build only), privilege checks (MRET in S, SRET in U, TSR, TW, TVM); interrupts: CLINT
# mtimecmp (MTI) and msip (MSI), WFI wake-up with MIE = 0 and with MIE = 1 (mepc
# after the WFI), vectored mtvec, the priority order MEI > MSI > MTI > SEI > SSI >
# STI (MEI/SEI from the UART through the PLIC; the normal build also accepts QEMU
# 7.2's lowest-number-first order, the strict build does not), M interrupts taken in S regardless of
# MIE, delegated interrupts not taken in M and always taken in U.
        .include "common.inc"

.macro ILLEGAL n, insn:vararg
        TEST \n
        TRY .Lr\@, PRV_M
.Li\@:  \insn
.Lr\@:  CAUGHT CAUSE_ILLEGAL
        CHECK_EPC .Li\@
.endm

# illegal raw instruction word: also check mtval is 0 or the word
.macro ILLWORD n, word
        TEST \n
        TRY .Lr\@, PRV_M
.Li\@:  .word \word
.Lr\@:  CAUGHT CAUSE_ILLEGAL
        CHECK_EPC .Li\@
        ld t5, trap_tval
        beqz t5, .Lz\@
        CHECK t5, \word
.Lz\@:
.endm

# spin until m_irq_count reaches n (bounded)
.macro WAIT_IRQ n
        li t5, 2000000
.Lw\@:  ld t6, m_irq_count
        addi t6, t6, -(\n)
        bgez t6, .Ld\@
        addi t5, t5, -1
        bnez t5, .Lw\@
.Ld\@:
.endm

.macro CHECK_IRQ idx, cause
        lla t5, m_irq_log
        ld t5, (\idx * 8)(t5)
        CHECK t5, \cause
.endm

.macro RESET_IRQ
        sd zero, m_irq_count, t5
        sd zero, s_irq_count, t5
.endm

        .text
        .globl test_main
test_main:
        # ---- ECALL / EBREAK
        TEST 1
        TRY 1f
2:      ecall
1:      CAUGHT CAUSE_ECALL_M
        CHECK_EPC 2b
        CHECK_TVAL 0
        CHECK_LEVEL PRV_M
        CHECK_PREV PRV_M
        TEST 2
        GOTO PRV_S
        TRY 1f, PRV_M
2:      ecall
1:      CAUGHT CAUSE_ECALL_S
        CHECK_EPC 2b
        CHECK_TVAL 0
        CHECK_PREV PRV_S
        TEST 3
        GOTO PRV_U
        TRY 1f, PRV_M
2:      ecall
1:      CAUGHT CAUSE_ECALL_U
        CHECK_EPC 2b
        CHECK_TVAL 0
        CHECK_PREV PRV_U
        TEST 4                          # the trap left M with interrupts off: MIE=0, MPIE=old MIE
        ld a0, trap_status
        andi a1, a0, MSTATUS_MIE
        CHECK a1, 0
        TEST 5
        TRY 1f
2:      ebreak
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_EPC 2b
        ld a0, trap_tval                # 0 or the address of the ebreak
        beqz a0, 3f
        lla a1, 2b
        CHECKR a0, a1
3:      TEST 6
        GOTO PRV_U
        TRY 1f, PRV_M
2:      ebreak
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_PREV PRV_U
        # ---- illegal instructions
        ILLWORD 10, 0x1234500b          # custom-0
        ILLWORD 11, 0x04000033          # OP, funct7 = 2
        ILLWORD 12, 0x04051513          # slli with imm[11:6] = 1
        ILLWORD 13, 0x0205151b          # slliw a0, a0, 32 (shamt[5] set: reserved)
        ILLWORD 14, 0x0205551b          # srliw a0, a0, 32
        ILLWORD 15, 0x0000703b          # OP-32, funct3 = 7
        ILLWORD 16, 0x00007003          # load, funct3 = 7
        ILLWORD 17, 0x00004023          # store, funct3 = 4
        ILLWORD 18, 0x00002063          # branch, funct3 = 2
        ILLWORD 19, 0x00001067          # jalr, funct3 = 1
        ILLWORD 20, 0x00000000          # all zeros (a 16-bit illegal instruction)
        ILLWORD 21, 0x8000002f          # AMO, funct5 = 0x10 (reserved)
        ILLWORD 22, 0x0000500f          # MISC-MEM, funct3 = 5
        ILLWORD 23, 0x10100073          # SYSTEM, funct3 = 0, unknown funct12
        ILLWORD 24, 0x0000401b          # OP-IMM-32, funct3 = 4
        # ---- a 32-bit instruction at a 2-aligned address (C is there: no misaligned fetch)
        TEST 30
        lla a1, half_target
        li a0, 0
        jalr ra, 0(a1)
        CHECK a0, 42
        # ---- access faults where nothing answers
        TEST 31
        li a1, UNMAPPED
        TRY 1f
2:      lw a0, 0(a1)
1:      CAUGHT CAUSE_LOAD_ACCESS
        CHECK_EPC 2b
        CHECK_TVAL UNMAPPED
        TEST 32
        TRY 1f
2:      sd a0, 8(a1)
1:      CAUGHT CAUSE_STORE_ACCESS
        CHECK_EPC 2b
        CHECK_TVAL UNMAPPED + 8
        TEST 33
        TRY 1f
        jalr ra, 0(a1)
1:      CAUGHT CAUSE_FETCH_ACCESS
        CHECK_EPC UNMAPPED
        ld a0, trap_tval                # 0 or the address
        beqz a0, 3f
        CHECK a0, UNMAPPED
3:      TEST 34                         # address 0: nothing there either
        TRY 1f
        ld a0, 0(zero)
1:      CAUGHT CAUSE_LOAD_ACCESS
        CHECK_TVAL 0
        TEST 35                         # the same from U
        GOTO PRV_U
        TRY 1f, PRV_M
        lb a0, 0(a1)
1:      CAUGHT CAUSE_LOAD_ACCESS
        CHECK_PREV PRV_U
        # ---- delegation to S
        li a0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL) | (1 << CAUSE_LOAD_ACCESS)
        csrw medeleg, a0
        TEST 40                         # ecall from U goes to S
        GOTO PRV_U
        TRY 1f, PRV_S
2:      ecall
1:      CAUGHT CAUSE_ECALL_U
        CHECK_LEVEL PRV_S
        CHECK_PREV PRV_U
        CHECK_EPC 2b
        TEST 41                         # illegal from S goes to S
        TRY 1f
2:      .word 0x1234500b
1:      CAUGHT CAUSE_ILLEGAL
        CHECK_LEVEL PRV_S
        CHECK_PREV PRV_S
        CHECK_EPC 2b
        ld a0, trap_tval
        beqz a0, 3f
        CHECK a0, 0x1234500b
3:      TEST 42                         # load access fault from S goes to S, stval = address
        li a1, UNMAPPED
        TRY 1f
        lw a0, 4(a1)
1:      CAUGHT CAUSE_LOAD_ACCESS
        CHECK_LEVEL PRV_S
        CHECK_TVAL UNMAPPED + 4
        TEST 43                         # ecall from S is not delegated: M
        TRY 1f, PRV_M
        ecall
1:      CAUGHT CAUSE_ECALL_S
        CHECK_LEVEL PRV_M
        TEST 44                         # traps in M are never delegated
        TRY 1f
        .word 0x1234500b
1:      CAUGHT CAUSE_ILLEGAL
        CHECK_LEVEL PRV_M
        TEST 45                         # S trap: SPIE = old SIE, SIE = 0; M state untouched
        li a0, MSTATUS_MPIE
        csrc mstatus, a0
        GOTO PRV_S
        csrsi sstatus, MSTATUS_SIE      # no S interrupt is enabled in sie
        TRY 1f
        .word 0x1234500b
1:      CAUGHT CAUSE_ILLEGAL
        CHECK_LEVEL PRV_S
        ld a0, trap_status
        andi a1, a0, MSTATUS_SPIE
        CHECK a1, MSTATUS_SPIE
        andi a1, a0, MSTATUS_SIE
        CHECK a1, 0
        TEST 46                         # and sret restored SIE from SPIE
        csrr a0, sstatus
        andi a1, a0, MSTATUS_SIE
        CHECK a1, MSTATUS_SIE
        csrci sstatus, MSTATUS_SIE
        GOTO_M
        csrw medeleg, zero
        # ---- MRET
        TEST 50                         # mret to M: MIE = MPIE, MPIE = 1, MPP = U
        li a0, MSTATUS_MIE
        csrc mstatus, a0
        li a0, MSTATUS_MPIE | MSTATUS_MPP
        csrs mstatus, a0
        lla a0, 1f
        csrw mepc, a0
        mret
        j fail_flow
1:      csrr a0, mstatus
        li a1, MSTATUS_MIE
        csrc mstatus, a1
        andi a1, a0, MSTATUS_MIE
        CHECK a1, MSTATUS_MIE
        andi a1, a0, MSTATUS_MPIE
        CHECK a1, MSTATUS_MPIE
        li a2, MSTATUS_MPP
        and a1, a0, a2
        CHECK a1, 0
        TEST 51                         # MPIE = 0 gives MIE = 0
        li a0, MSTATUS_MPIE
        csrc mstatus, a0
        li a0, MSTATUS_MPP
        csrs mstatus, a0
        lla a0, 1f
        csrw mepc, a0
        mret
        j fail_flow
1:      csrr a0, mstatus
        andi a1, a0, MSTATUS_MIE
        CHECK a1, 0
        andi a1, a0, MSTATUS_MPIE
        CHECK a1, MSTATUS_MPIE
        .if SPEC_STRICT                 # QEMU 7.2 leaves MPRV set (see README)
        TEST 52                         # mret to U clears MPRV (privileged spec 1.12)
        li a0, MSTATUS_MPRV
        csrs mstatus, a0
        GOTO PRV_U
        GOTO_M
        ld a0, trap_status
        li a1, MSTATUS_MPRV
        and a0, a0, a1
        CHECK a0, 0
        TEST 53                         # sret (executed in M) to S clears MPRV too
        li a0, MSTATUS_MPRV
        csrs mstatus, a0
        li a0, MSTATUS_SPP
        csrs mstatus, a0
        lla a0, 1f
        csrw sepc, a0
        sret
        j fail_flow
1:      GOTO_M
        CHECK_PREV PRV_S
        ld a0, trap_status
        li a1, MSTATUS_MPRV
        and a0, a0, a1
        CHECK a0, 0
        .endif
        # ---- SRET in S
        TEST 54                         # sret to S: SIE = SPIE, SPIE = 1, SPP = U
        GOTO PRV_S
        csrci sstatus, MSTATUS_SIE
        li a0, MSTATUS_SPIE | MSTATUS_SPP
        csrs sstatus, a0
        lla a0, 1f
        csrw sepc, a0
        sret
        j fail_flow
1:      csrr a0, sstatus
        csrci sstatus, MSTATUS_SIE
        andi a1, a0, MSTATUS_SIE
        CHECK a1, MSTATUS_SIE
        andi a1, a0, MSTATUS_SPIE
        CHECK a1, MSTATUS_SPIE
        andi a1, a0, MSTATUS_SPP
        CHECK a1, 0
        TEST 55                         # sret to U
        lla a0, 1f
        csrw sepc, a0
        sret
        j fail_flow
1:      TRY 2f, PRV_M
        ecall
2:      CAUGHT CAUSE_ECALL_U
        # ---- privileged instructions in the wrong mode
        GOTO PRV_S
        ILLEGAL 60, mret
        GOTO PRV_U
        ILLEGAL 61, sret
        GOTO PRV_U
        ILLEGAL 62, mret
        GOTO PRV_U
        ILLEGAL 63, sfence.vma
        li a0, MSTATUS_TSR
        csrs mstatus, a0
        GOTO PRV_S
        ILLEGAL 64, sret
        li a0, MSTATUS_TSR
        csrc mstatus, a0
        li a0, MSTATUS_TW
        csrs mstatus, a0
        GOTO PRV_S
        ILLEGAL 65, wfi
        li a0, MSTATUS_TW
        csrc mstatus, a0
        li a0, MSTATUS_TVM
        csrs mstatus, a0
        GOTO PRV_S
        ILLEGAL 66, csrr a0, satp
        GOTO PRV_S
        ILLEGAL 67, sfence.vma
        GOTO PRV_S
        ILLEGAL 68, csrw satp, zero
        li a0, MSTATUS_TVM
        csrc mstatus, a0
        GOTO PRV_S
        TEST 69                         # TVM = 0: allowed again
        csrr a0, satp
        sfence.vma
        GOTO_M
        # ---- machine timer interrupt
        RESET_IRQ
        TEST 70
        li s0, CLINT_MTIME
        li s1, CLINT_MTIMECMP
        ld a0, 0(s0)
        addi a0, a0, 50
        sd a0, 0(s1)
        li a0, 1 << 7
        csrs mie, a0
        csrsi mstatus, MSTATUS_MIE
        WAIT_IRQ 1
        csrci mstatus, MSTATUS_MIE
        ld a0, m_irq_count
        CHECK a0, 1
        CHECK_IRQ 0, INTR | 7
        TEST 71                         # MTIP follows mtimecmp
        csrr a0, mip
        andi a0, a0, 1 << 7
        CHECK a0, 1 << 7
        li a0, -1
        sd a0, 0(s1)
        csrr a0, mip
        andi a0, a0, 1 << 7
        CHECK a0, 0
        # ---- machine software interrupt
        RESET_IRQ
        TEST 72
        li s2, CLINT_MSIP
        li a0, 1
        sw a0, 0(s2)
        csrr a0, mip
        andi a0, a0, 1 << 3
        CHECK a0, 1 << 3
        csrsi mie, 1 << 3
        csrsi mstatus, MSTATUS_MIE
        WAIT_IRQ 1
        csrci mstatus, MSTATUS_MIE
        CHECK_IRQ 0, INTR | 3
        TEST 73
        sw zero, 0(s2)
        csrr a0, mip
        andi a0, a0, 1 << 3
        CHECK a0, 0
        # ---- WFI wakes on a pending enabled interrupt even with MIE = 0, taking no trap
        RESET_IRQ
        TEST 74
        ld a0, 0(s0)
        li a1, 1000
        add a0, a0, a1
        sd a0, 0(s1)
        li a0, 1 << 7
        csrs mie, a0
        li a2, 100000
1:      wfi
        csrr a0, mip
        andi a0, a0, 1 << 7
        bnez a0, 2f
        addi a2, a2, -1
        bnez a2, 1b
2:      CHECK a0, 1 << 7
        ld a0, m_irq_count
        CHECK a0, 0
        TEST 75                         # with MIE = 1: the trap follows, mepc = after the wfi
        ld a0, 0(s0)
        li a1, 10000
        add a0, a0, a1
        sd a0, 0(s1)
        csrsi mstatus, MSTATUS_MIE
        wfi
2:      WAIT_IRQ 1
        csrci mstatus, MSTATUS_MIE
        CHECK_IRQ 0, INTR | 7
        ld a0, m_irq_epc
        lla a1, 2b
        CHECKR a0, a1
        li a0, -1
        sd a0, 0(s1)
        # ---- vectored mtvec: interrupts to base + 4 * cause, exceptions to base
        RESET_IRQ
        TEST 76
        lla a0, vectbl
        ori a0, a0, 1
        csrw mtvec, a0
        csrr a0, mscratch
        li a1, -1
        sd a1, 40(a0)
        li a1, 1
        sw a1, 0(s2)                    # msip
        csrsi mie, 1 << 3
        csrsi mstatus, MSTATUS_MIE
        WAIT_IRQ 1
        csrci mstatus, MSTATUS_MIE
        sw zero, 0(s2)
        csrr a0, mscratch
        ld a1, 40(a0)
        CHECK a1, 3
        TEST 77
        TRY 1f
        ecall
1:      CAUGHT CAUSE_ECALL_M
        csrr a0, mscratch
        ld a1, 40(a0)
        CHECK a1, 0
        lla a0, trap_entry
        csrw mtvec, a0
        # ---- priority: MEI > MSI > MTI > SEI > SSI > STI
        RESET_IRQ
        TEST 80
        csrw mie, zero
        li a0, PLIC + 4 * UART_IRQ      # UART IRQ: priority 1, enabled for contexts 0 (M) and 1 (S)
        li a1, 1
        sw a1, 0(a0)
        li a0, PLIC_ENABLE
        li a1, 1 << UART_IRQ
        sw a1, 0(a0)
        sw a1, 0x80(a0)
        li a0, PLIC_CONTEXT
        sw zero, 0(a0)
        li a0, PLIC_CONTEXT + 0x1000
        sw zero, 0(a0)
        li a0, UART0
        li a1, 0x02                     # IER: THR empty interrupt
        sb a1, 1(a0)
        li a1, 1
        sw a1, 0(s2)                    # MSIP
        sd zero, 0(s1)                  # MTIP (mtimecmp = 0)
        li a0, (1 << 1) | (1 << 5)      # SSIP, STIP by software
        csrs mip, a0
        li a2, 200000                   # wait for the external interrupts to reach mip
1:      csrr a0, mip
        li a1, 0xaaa
        and a0, a0, a1
        beq a0, a1, 2f
        addi a2, a2, -1
        bnez a2, 1b
2:      CHECK a0, 0xaaa
        li a0, 0xaaa
        csrw mie, a0
        csrsi mstatus, MSTATUS_MIE
        WAIT_IRQ 6
        csrci mstatus, MSTATUS_MIE
        ld a0, m_irq_count
        CHECK a0, 6
        .if !SPEC_STRICT                # QEMU 7.2 takes the lowest cause number first
        lla a0, m_irq_log
        ld a0, 0(a0)
        li a1, INTR | 1
        bne a0, a1, 3f
        CHECK_IRQ 1, INTR | 3
        CHECK_IRQ 2, INTR | 5
        CHECK_IRQ 3, INTR | 7
        CHECK_IRQ 4, INTR | 9
        CHECK_IRQ 5, INTR | 11
        j 4f
3:
        .endif
        CHECK_IRQ 0, INTR | 11
        CHECK_IRQ 1, INTR | 3
        CHECK_IRQ 2, INTR | 7
        CHECK_IRQ 3, INTR | 9
        CHECK_IRQ 4, INTR | 1
        CHECK_IRQ 5, INTR | 5
4:
        TEST 81                         # quiet everything again
        li a0, UART0
        sb zero, 1(a0)
        li a0, PLIC_CONTEXT
        lw a1, 4(a0)                    # claim ...
        sw a1, 4(a0)                    # ... and complete
        li a0, PLIC_CONTEXT + 0x1000
        lw a1, 4(a0)
        sw a1, 4(a0)
        li a0, PLIC_ENABLE
        sw zero, 0(a0)
        sw zero, 0x80(a0)
        sw zero, 0(s2)
        li a0, -1
        sd a0, 0(s1)
        li a0, (1 << 1) | (1 << 5)
        csrc mip, a0
        li a2, 200000
1:      csrr a0, mip
        li a1, 0xaaa
        and a0, a0, a1
        beqz a0, 2f
        addi a2, a2, -1
        bnez a2, 1b
2:      CHECK a0, 0
        # ---- interrupts and privilege
        RESET_IRQ
        TEST 82                         # an M interrupt is taken in S even with MIE = 0
        csrw mie, zero
        li a0, 1
        sw a0, 0(s2)
        csrsi mie, 1 << 3
        GOTO PRV_S
        li a2, 1000
1:      addi a2, a2, -1
        bnez a2, 1b
        GOTO_M
        sw zero, 0(s2)
        ld a0, m_irq_count
        CHECK a0, 1
        CHECK_IRQ 0, INTR | 3
        RESET_IRQ
        TEST 83                         # a delegated interrupt is not taken in M
        csrw mie, zero
        li a0, 1 << 1
        csrw mideleg, a0
        csrs mie, a0
        csrs mip, a0
        csrsi mstatus, MSTATUS_MIE
        li a2, 1000
1:      addi a2, a2, -1
        bnez a2, 1b
        csrci mstatus, MSTATUS_MIE
        ld a0, m_irq_count
        CHECK a0, 0
        TEST 84                         # nor in S with SIE = 0 ...
        li a0, MSTATUS_SIE
        csrc mstatus, a0
        GOTO PRV_S
        li a2, 1000
1:      addi a2, a2, -1
        bnez a2, 1b
        ld a0, s_irq_count
        CHECK a0, 0
        TEST 85                         # ... but in U, whatever SIE says, to the S handler
        lla a0, 1f
        csrw sepc, a0
        li a0, MSTATUS_SPP
        csrc sstatus, a0
        sret
1:      li a2, 1000
2:      addi a2, a2, -1
        bnez a2, 2b
        GOTO_M
        ld a0, s_irq_count
        CHECK a0, 1
        ld a0, s_irq_log
        CHECK a0, INTR | 1
        TEST 86                         # in S with SIE = 1 it is taken too
        sd zero, s_irq_count, t5
        li a0, 1 << 1
        csrs mie, a0
        GOTO PRV_S
        csrsi sstatus, MSTATUS_SIE
        li a2, 1000
1:      addi a2, a2, -1
        bnez a2, 1b
        csrci sstatus, MSTATUS_SIE
        GOTO_M
        ld a0, s_irq_count
        CHECK a0, 1
        TEST 87                         # scause of an interrupt; SSIP cleared through sip
        ld a0, s_irq_log
        CHECK a0, INTR | 1
        csrci sip, 1 << 1
        csrr a0, mip
        andi a0, a0, 1 << 1
        CHECK a0, 0
        csrw mideleg, zero
        csrw mie, zero
        j pass

fail_flow:
        li a0, 0
        li a1, 1
        j fail_check

# a 32-bit instruction at an address that is 2 mod 4
        .balign 4
        .word 0
        .half 0
half_target:
        li a0, 42
        ret

# vectored trap table: each entry records its index in the handler's scratch slot 5
.macro VEC n
vec_\n: csrrw t6, mscratch, t6
        sd t0, 32(t6)
        li t0, \n
        sd t0, 40(t6)
        ld t0, 32(t6)
        csrrw t6, mscratch, t6
        j trap_entry
.endm
        .balign 256
vectbl:
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
        j vec_\n
        .endr
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
        VEC \n
        .endr

        .section .rodata
        .globl test_name
test_name: .asciz "trap"
