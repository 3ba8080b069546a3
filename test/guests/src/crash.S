# crash: jumps to garbage. Nothing answers at address 0, so the fetch faults, and the
# trap handler (mtvec = 0 too) faults on its own first instruction: the hart is lost.
        .include "common.inc"
        .text
main:   lla a0, banner
        call puts
        csrw mtvec, zero
        jr zero

        .section .rodata
banner: .asciz "crash: jumping to garbage\n"
