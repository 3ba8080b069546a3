# spin: prints a banner, then counts forever (the load for pause, resume and throttle
# tests). Every 2^16 iterations it polls the UART and answers SysRq as Linux's 8250
# driver does: a break, then 'o', powers off (through the test finisher). It raises
# DTR and RTS first, as Linux does when the tty opens: Bulkhead's host end of the serial
# line sends only while RTS is up.
        .include "common.inc"
        .text
main:   lla a0, banner
        call puts
        li s0, 0                        # iterations
        li s1, 0                        # a break was seen: the next key is a SysRq
        li s2, UART
        li t0, MCR_DTR_RTS
        sb t0, UART_MCR(s2)
loop:   addi s0, s0, 1
        slli t0, s0, 48
        bnez t0, loop
        lbu t1, UART_LSR(s2)            # LSR first: reading it clears BI
        andi t2, t1, LSR_DR
        beqz t2, loop
        lbu t3, 0(s2)
        andi t2, t1, LSR_BI
        bnez t2, brk
        beqz s1, loop
        li s1, 0
        li t2, 'o'
        bne t3, t2, loop
        lla a0, bye
        call puts
        li t0, FINISHER
        li t1, FINISHER_PASS
        sw t1, 0(t0)
        j loop
brk:    li s1, 1
        j loop

        .section .rodata
banner: .asciz "spin: running\n"
bye:    .asciz "spin: SysRq o: powering off\n"
