# panic: prints what a Linux kernel prints when it panics, then spins as Linux does
# with panic=0 (the supervisor's panic heuristic, without booting Linux).
        .include "common.inc"
        .text
main:   lla a0, msg
        call puts
        li a0, 5000000
        call delay
        lla a0, end
        call puts
1:      j 1b

        .section .rodata
msg:    .asciz "Kernel panic - not syncing: bare-metal test guest\n"
end:    .asciz "---[ end Kernel panic - not syncing: bare-metal test guest ]---\n"
