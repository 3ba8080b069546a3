# fill: writes OTHER_VM_PATTERN into every word of its RAM from the end of its image up to
# the device tree the machine put near the top of RAM (a1), says so once, and goes on
# rewriting it forever: the other VM whose memory test/guests/probe must never see.
        .include "common.inc"
        .include "pattern.inc"
        .text
main:   mv s0, a1
        li s1, OTHER_VM_PATTERN
        lla a0, banner
        call puts
        li s2, 0                        # passes done
1:      lla t0, image_end
        mv t1, s0
2:      sd s1, 0(t0)
        addi t0, t0, 8
        bltu t0, t1, 2b
        addi s2, s2, 1
        li t0, 1
        bne s2, t0, 1b
        lla a0, filled
        call puts
        j 1b

        .section .rodata
banner: .asciz "fill: running\n"
filled: .asciz "fill: RAM filled with the pattern\n"

        .bss
        .balign 8
image_end:
