# echo: prints a banner, then answers every byte it reads on the UART with the same byte,
# lower-case letters made upper-case (so a test can tell the guest's answer from its own
# input): the guest for console input tests. It raises DTR and RTS first, as Linux does
# when the tty opens.
        .include "common.inc"
        .text
main:   lla a0, banner
        call puts
        li s2, UART
        li t0, MCR_DTR_RTS
        sb t0, UART_MCR(s2)
loop:   lbu t1, UART_LSR(s2)
        andi t1, t1, LSR_DR
        beqz t1, loop
        lbu t3, 0(s2)
        li t1, 'a'
        bltu t3, t1, 1f
        li t1, 'z'
        bgtu t3, t1, 1f
        addi t3, t3, 'A' - 'a'
1:      lbu t1, UART_LSR(s2)
        andi t1, t1, LSR_THRE
        beqz t1, 1b
        sb t3, 0(s2)
        j loop

        .section .rodata
banner: .asciz "echo: running\n"
