# kick: kicks the supervisor's console watchdog five times, about 10 M instructions
# apart, then spins without a word: its watchdog expires.
        .include "common.inc"
        .text
main:   lla a0, banner
        call puts
        li s0, 5
1:      li a0, 5000000
        call delay
        lla a0, kickline
        call puts
        addi s0, s0, -1
        bnez s0, 1b
        lla a0, silent
        call puts
2:      j 2b

        .section .rodata
banner:   .asciz "kick: running\n"
kickline: .asciz "bulkhead-watchdog-kick\n"
silent:   .asciz "kick: no more kicks\n"
