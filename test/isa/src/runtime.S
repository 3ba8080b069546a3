# Bulkhead ISA tests: the runtime linked into every program.
# _start (M-mode, from the ELF entry), the M and S trap handlers, pass/fail reporting.
        .include "common.inc"

        .section .text.init, "ax"
        .globl _start
_start:
        csrr t0, mhartid
        bnez t0, park                   # one hart runs the test; others wait
        lla sp, stack_top
        lla t0, trap_entry
        csrw mtvec, t0
        lla t0, m_scratch
        csrw mscratch, t0
        # PMP entry 0: NAPOT over the whole address space, RWX, so S and U reach memory
        # (as firmware does). A hart without PMP may trap here: skip it then.
        lla t0, 1f
        csrw mtvec, t0
        li t0, -1
        csrw pmpaddr0, t0
        li t0, 0x1f
        csrw pmpcfg0, t0
1:      lla t0, trap_entry
        csrw mtvec, t0
        lla t0, s_trap_entry
        csrw stvec, t0
        lla t0, s_scratch
        csrw sscratch, t0
        csrw mie, zero
        csrw mideleg, zero
        csrw medeleg, zero
        csrw satp, zero
        li t0, MSTATUS_FS
        csrc mstatus, t0
        li t0, 1 << 13                  # FS = Initial: F and D usable
        csrs mstatus, t0
        csrwi fcsr, 0
        lla t0, __bss_start             # RAM is zero on both machines; do not rely on it
        lla t1, __bss_end
2:      bgeu t0, t1, 3f
        sd zero, 0(t0)
        addi t0, t0, 8
        j 2b
3:      li gp, 0
        j test_main

park:   wfi
        j park

# ---- M-mode trap handler -----------------------------------------------------
        .text
        .balign 4
        .globl trap_entry
trap_entry:
        csrrw t6, mscratch, t6
        sd t0, 0(t6)
        sd t1, 8(t6)
        sd t2, 16(t6)
        ld t0, finish_flag
        bnez t0, finish                 # pass/fail asked from S or U mode
        csrr t0, mcause
        bltz t0, m_irq
        sd t0, trap_cause, t1
        csrr t0, mepc
        sd t0, trap_epc, t1
        csrr t0, mtval
        sd t0, trap_tval, t1
        li t0, PRV_M
        sd t0, trap_level, t1
        csrr t0, mstatus
        sd t0, trap_status, t1
        srli t0, t0, 11
        andi t0, t0, 3
        sd t0, trap_prev, t1
        ld t0, trap_count
        addi t0, t0, 1
        sd t0, trap_count, t1
        ld t1, trap_resume
        beqz t1, m_unexpected
        sd zero, trap_resume, t0
        csrw mepc, t1
        ld t1, trap_resume_mode
        bltz t1, 1f
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        slli t1, t1, 11
        csrs mstatus, t1
1:      ld t0, 0(t6)
        ld t1, 8(t6)
        ld t2, 16(t6)
        csrrw t6, mscratch, t6
        mret

# an interrupt: log mcause, mask its source in mie, return where it hit
m_irq:  ld t1, m_irq_count
        li t2, 16
        bgeu t1, t2, 1f
        slli t2, t1, 3
        sd t1, 24(t6)
        lla t1, m_irq_log
        add t1, t1, t2
        sd t0, 0(t1)
        ld t1, 24(t6)
1:      addi t1, t1, 1
        sd t1, m_irq_count, t2
        csrr t1, mepc
        sd t1, m_irq_epc, t2
        li t1, 1
        sll t1, t1, t0
        csrc mie, t1
        ld t0, 0(t6)
        ld t1, 8(t6)
        ld t2, 16(t6)
        csrrw t6, mscratch, t6
        mret

m_unexpected:
        csrr t0, mcause
        sd t0, fail_cause, t1
        csrr t0, mepc
        sd t0, fail_epc, t1
        csrr t0, mtval
        sd t0, fail_tval, t1
        li t0, PRV_M
        sd t0, fail_level, t1
        li t0, 2
        sd t0, fail_kind, t1
        j report_fail

# ---- S-mode trap handler (used when medeleg/mideleg send traps to S) ---------
        .balign 4
        .globl s_trap_entry
s_trap_entry:
        csrrw t6, sscratch, t6
        sd t0, 0(t6)
        sd t1, 8(t6)
        sd t2, 16(t6)
        ld t0, finish_flag
        bnez t0, finish
        csrr t0, scause
        bltz t0, s_irq
        sd t0, trap_cause, t1
        csrr t0, sepc
        sd t0, trap_epc, t1
        csrr t0, stval
        sd t0, trap_tval, t1
        li t0, PRV_S
        sd t0, trap_level, t1
        csrr t0, sstatus
        sd t0, trap_status, t1
        srli t0, t0, 8
        andi t0, t0, 1
        sd t0, trap_prev, t1
        ld t0, trap_count
        addi t0, t0, 1
        sd t0, trap_count, t1
        ld t1, trap_resume
        beqz t1, s_unexpected
        sd zero, trap_resume, t0
        csrw sepc, t1
        ld t1, trap_resume_mode
        bltz t1, 1f
        li t0, MSTATUS_SPP
        csrc sstatus, t0
        slli t1, t1, 8
        csrs sstatus, t1
1:      ld t0, 0(t6)
        ld t1, 8(t6)
        ld t2, 16(t6)
        csrrw t6, sscratch, t6
        sret

s_irq:  ld t1, s_irq_count
        li t2, 16
        bgeu t1, t2, 1f
        slli t2, t1, 3
        sd t1, 24(t6)
        lla t1, s_irq_log
        add t1, t1, t2
        sd t0, 0(t1)
        ld t1, 24(t6)
1:      addi t1, t1, 1
        sd t1, s_irq_count, t2
        csrr t1, sepc
        sd t1, s_irq_epc, t2
        li t1, 1
        sll t1, t1, t0
        csrc sie, t1
        ld t0, 0(t6)
        ld t1, 8(t6)
        ld t2, 16(t6)
        csrrw t6, sscratch, t6
        sret

s_unexpected:
        csrr t0, scause
        sd t0, fail_cause, t1
        csrr t0, sepc
        sd t0, fail_epc, t1
        csrr t0, stval
        sd t0, fail_tval, t1
        li t0, PRV_S
        sd t0, fail_level, t1
        li t0, 2
        sd t0, fail_kind, t1
        j report_fail

# ---- ending the run ----------------------------------------------------------
# fail_check: a0 = value got, a1 = value expected. Reached from any mode: reading
# mscratch traps outside M-mode, and the handler then finishes (finish_flag is set).
        .globl fail_check
fail_check:
        sd a0, fail_got, t0
        sd a1, fail_exp, t0
        li t0, 1
        sd t0, fail_kind, t1
        li t0, 1
        sd t0, finish_flag, t1
        csrr t0, mscratch
        j report_fail

# fail_trap: a0 = trap cause got (NO_TRAP: none), a1 = cause expected
        .globl fail_trap
fail_trap:
        sd a0, fail_got, t0
        sd a1, fail_exp, t0
        li t0, 3
        sd t0, fail_kind, t1
        li t0, 1
        sd t0, finish_flag, t1
        csrr t0, mscratch
        j report_fail

        .if KEEP_GOING
# keep_going(_trap): tp = return address, kg_got/kg_exp hold the values. Prints the
# FAIL line, counts, and returns with every register but t5, t6 as it was.
        .globl keep_going, keep_going_trap
keep_going_trap:
        sd t5, kg_save + 8 * 30, t6     # t5 is scratch anyway; keep t6 free
        li t5, 3
        j 1f
keep_going:
        li t5, 1
1:      lla t6, kg_save
        .irp r, 1,2,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29
        sd x\r, (\r * 8)(t6)
        .endr
        sd t5, fail_kind, t0
        ld t0, kg_got
        sd t0, fail_got, t1
        ld t0, kg_exp
        sd t0, fail_exp, t1
        ld t0, kg_count
        bnez t0, 2f
        sd gp, kg_first, t1
2:      addi t0, t0, 1
        sd t0, kg_count, t1
        call print_fail
        lla t6, kg_save
        .irp r, 1,2,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29
        ld x\r, (\r * 8)(t6)
        .endr
        jr tp
        .endif

        .globl pass
pass:
        .if KEEP_GOING
        ld t0, kg_count
        beqz t0, 1f
        ld gp, kg_first
        li t0, 4
        sd t0, fail_kind, t1
        li t0, 1
        sd t0, finish_flag, t1
        csrr t0, mscratch
        j report_fail
1:
        .endif
        li t0, 2
        sd t0, finish_flag, t1
        csrr t0, mscratch
        j report_pass

finish: ld t0, finish_flag
        li t1, 2
        beq t0, t1, report_pass
        j report_fail

report_pass:
        PUTS msg_pass
        PUTS test_name
        li a0, '\n'
        call putc
        li t0, FINISHER
        li t1, 0x5555
        sw t1, 0(t0)
1:      wfi
        j 1b

report_fail:
        call print_fail
        li t0, FINISHER
        slli t1, gp, 16
        li t2, 0x3333
        or t1, t1, t2
        sw t1, 0(t0)
3:      wfi
        j 3b

# print_fail: the FAIL line for fail_kind (1 check, 2 unexpected trap, 3 trap cause,
# 4 keep-going summary); clobbers a0, a3-a7, t0-t2, s11
print_fail:
        mv s11, ra
        PUTS msg_fail
        PUTS test_name
        PUTS msg_hash
        mv a0, gp
        call putdec
        ld t0, fail_kind
        li t1, 1
        beq t0, t1, 1f
        li t1, 2
        beq t0, t1, 2f
        li t1, 4
        bne t0, t1, 5f
        PUTS msg_kg
        j 9f
5:      li t1, 3
        bne t0, t1, 9f
        PUTS msg_trap
1:      PUTS msg_got
        ld a0, fail_got
        call puthex
        PUTS msg_exp
        ld a0, fail_exp
        call puthex
        ld t0, fail_kind
        li t1, 3
        bne t0, t1, 9f
        ld t0, fail_got
        li t1, NO_TRAP
        bne t0, t1, 9f
        PUTS msg_notrap
        j 9f
2:      PUTS msg_unexp
        ld a0, fail_level
        call putdec
        PUTS msg_cause
        ld a0, fail_cause
        call puthex
        PUTS msg_epc
        ld a0, fail_epc
        call puthex
        PUTS msg_tval
        ld a0, fail_tval
        call puthex
9:      li a0, '\n'
        call putc
        mv ra, s11
        ret

# putc(a0): clobbers t0, t1. Waits for THR empty, but not forever.
        .globl putc
putc:   li t0, UART0
        li t1, 100000
1:      lbu t2, 5(t0)
        andi t2, t2, 0x20
        bnez t2, 2f
        addi t1, t1, -1
        bnez t1, 1b
2:      sb a0, 0(t0)
        ret

# puts(a0 = string): clobbers a0, a3, a4, t0-t2
        .globl puts
puts:   mv a4, ra
        mv a3, a0
1:      lbu a0, 0(a3)
        beqz a0, 2f
        call putc
        addi a3, a3, 1
        j 1b
2:      mv ra, a4
        ret

# puthex(a0): "0x" and 16 digits; clobbers a0, a3-a5, t0-t2
        .globl puthex, putdec
puthex: mv a4, ra
        mv a3, a0
        li a0, '0'
        call putc
        li a0, 'x'
        call putc
        li a5, 60
1:      srl a0, a3, a5
        andi a0, a0, 15
        addi a0, a0, '0'
        li t0, '9'
        bleu a0, t0, 2f
        addi a0, a0, 'a' - '0' - 10
2:      call putc
        addi a5, a5, -4
        bgez a5, 1b
        mv ra, a4
        ret

# putdec(a0 < 100000): no M extension used; clobbers a0, a3-a7, t0-t2
putdec: mv a4, ra
        mv a3, a0
        lla a5, pow10
        li a7, 0                        # a digit printed yet
1:      ld a6, 0(a5)
        beqz a6, 4f
        li a0, '0'
2:      bltu a3, a6, 3f
        sub a3, a3, a6
        addi a0, a0, 1
        j 2b
3:      addi a5, a5, 8
        li t0, '0'
        bne a0, t0, 5f
        bnez a7, 5f
        li t0, 1                        # leading zero: skip, except for the last digit
        bne a6, t0, 1b
5:      li a7, 1
        call putc
        j 1b
4:      mv ra, a4
        ret

        .section .rodata
        .balign 8
pow10:  .dword 10000, 1000, 100, 10, 1, 0
msg_pass:   .asciz "PASS "
msg_fail:   .asciz "FAIL "
msg_hash:   .asciz " #"
msg_got:    .asciz ": got "
msg_exp:    .asciz " expected "
msg_notrap: .asciz " (no trap)"
msg_trap:   .asciz ": trap cause"
msg_kg:     .asciz " was the first failed check"
msg_unexp:  .asciz ": unexpected trap to level "
msg_cause:  .asciz " cause "
msg_epc:    .asciz " epc "
msg_tval:   .asciz " tval "

        .data
        .balign 8
        .globl trap_cause, trap_epc, trap_tval, trap_level, trap_prev, trap_count, trap_status
        .globl trap_resume, trap_resume_mode
        .globl m_irq_count, m_irq_log, m_irq_epc, s_irq_count, s_irq_log, s_irq_epc
trap_cause:       .dword NO_TRAP
trap_epc:         .dword 0
trap_tval:        .dword 0
trap_level:       .dword 0
trap_prev:        .dword 0
trap_status:      .dword 0
trap_count:       .dword 0
trap_resume:      .dword 0
trap_resume_mode: .dword SAME
m_irq_count:      .dword 0
m_irq_epc:        .dword 0
m_irq_log:        .fill 16, 8, 0
s_irq_count:      .dword 0
s_irq_epc:        .dword 0
s_irq_log:        .fill 16, 8, 0
finish_flag:      .dword 0
fail_kind:        .dword 0
fail_got:         .dword 0
fail_exp:         .dword 0
fail_cause:       .dword 0
fail_epc:         .dword 0
fail_tval:        .dword 0
fail_level:       .dword 0
        .if KEEP_GOING
        .globl kg_got
kg_got:           .dword 0
kg_exp:           .dword 0
kg_count:         .dword 0
kg_first:         .dword 0
kg_save:          .fill 32, 8, 0
        .endif

        .bss
        .balign 16
m_scratch:  .fill 8, 8, 0
s_scratch:  .fill 8, 8, 0
        .balign 16
stack:      .fill 4096, 1, 0
        .globl stack_top
stack_top:
