# trigger: the Sdtrig trigger module (RISC-V debug spec 1.0, chapter 5), after
# riscv-tests' rv64mi breakpoint test: tselect/tinfo, an mcontrol (type 2) trigger that
# matches an address on execute, load or store raises a breakpoint exception (cause 3)
# before the instruction, with mepc at it and mtval the address; a load trigger does not
# fire on stores nor a store trigger on loads; an AMO is a store; the access does not
# happen; triggers are
# per privilege (M, S, U bits); tselect 1 is a second, independent trigger; clearing its
# bits disarms it.
        .include "common.inc"

        .equ MC_TYPE2, (2 << 60)
        .equ MC_M, (1 << 6)
        .equ MC_S, (1 << 4)
        .equ MC_U, (1 << 3)
        .equ MC_EXECUTE, (1 << 2)
        .equ MC_STORE, (1 << 1)
        .equ MC_LOAD, 1

# mtval is the address, or 0 (privileged spec 3.1.16 allows both; QEMU 7.2 writes 0)
.macro CHECK_TVAL0 reg
        ld t5, trap_tval
        beqz t5, .Lz\@
        CHECKR t5, \reg
.Lz\@:
.endm

# disarm the selected trigger: mcontrol with no access kind and no privilege (QEMU 7.2
# ignores a write of type 0)
.macro OFF
        li t6, MC_TYPE2
        csrw tdata1, t6
.endm

        .text
        .globl test_main
test_main:
        TEST 1                          # tselect 0 exists, its trigger is an mcontrol
        csrw tselect, zero
        csrr a0, tselect
        CHECK a0, 0
        csrr a0, tdata1
        srli a0, a0, 60
        CHECK a0, 2
        csrr a0, tinfo
        andi a0, a0, 4
        CHECK a0, 4

        TEST 2                          # an execute trigger in M-mode
        lla a2, 2f
        csrw tdata2, a2
        li a0, MC_TYPE2 | MC_M | MC_EXECUTE
        csrw tdata1, a0
        csrr a1, tdata1
        CHECKR a0, a1
        li a3, 0
        TRY 1f
        .align 2
2:      li a3, 1                        # must not run: the trigger fires before it
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_EPC 2b
        CHECK_TVAL0 a2
        CHECK a3, 0

        TEST 3                          # disarmed, the instruction at tdata2 runs
        OFF
        lla a2, 4f
        csrw tdata2, a2
        li a3, 0
        jal t0, 4f
        CHECK a3, 1
        j 5f
        .align 2
4:      li a3, 1
        jr t0
5:
        TEST 4                          # a load trigger fires on a load, before it
        lla a2, data1
        csrw tdata2, a2
        li a0, MC_TYPE2 | MC_M | MC_LOAD
        csrw tdata1, a0
        csrr a1, tdata1
        CHECKR a0, a1
        li a4, 77
        TRY 1f
2:      lw a4, 0(a2)
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_EPC 2b
        CHECK_TVAL0 a2
        CHECK a4, 77

        TEST 5                          # ...not on a store to the same word
        li a4, 5
        sw a4, 0(a2)
        OFF
        lw a5, 0(a2)
        CHECK a5, 5

        TEST 6                          # a store trigger fires before the store, which does not happen
        li a0, MC_TYPE2 | MC_M | MC_STORE
        csrw tdata1, a0
        li a4, 99
        TRY 1f
2:      sw a4, 0(a2)
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_EPC 2b
        CHECK_TVAL0 a2
        lw a5, 0(a2)                    # loads pass a store trigger
        CHECK a5, 5
        TEST 7                          # an AMO is a store too
        TRY 1f
2:      amoadd.w a5, a4, (a2)
1:      CAUGHT CAUSE_BREAKPOINT
        OFF
        lw a5, 0(a2)
        CHECK a5, 5

        TEST 9                          # a second trigger, independent of the first
        li a0, 1
        csrw tselect, a0
        csrr a1, tselect
        CHECK a1, 1
        lla a2, data2
        csrw tdata2, a2
        li a0, MC_TYPE2 | MC_M | MC_LOAD
        csrw tdata1, a0
        csrw tselect, zero
        csrr a1, tdata1
        li t0, MC_TYPE2
        CHECKR a1, t0                   # trigger 0 is still disarmed
        TRY 1f
2:      ld a5, 0(a2)
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_EPC 2b
        li a0, 1
        csrw tselect, a0
        OFF
        csrw tselect, zero

        TEST 10                         # an S-only trigger does not fire in M, fires in S
        lla a2, data1
        csrw tdata2, a2
        li a0, MC_TYPE2 | MC_S | MC_LOAD
        csrw tdata1, a0
        lw a5, 0(a2)
        CHECK a5, 5
        GOTO PRV_S
        TRY 1f, PRV_M
2:      lw a5, 0(a2)
1:      CAUGHT CAUSE_BREAKPOINT
        CHECK_EPC 2b
        CHECK_PREV PRV_S
        OFF

        j pass

        .section .rodata
        .globl test_name
test_name: .asciz "trigger"

        .data
        .align 3
data1:  .word 0, 0
data2:  .dword 0
