# vm: Sv39 and Sv48 from S-mode (tables built in M-mode): 4K, 2M, 1G (and Sv48 512G)
# pages, misaligned superpages fault, non-canonical addresses fault, invalid PTEs and
# W-without-R fault, hardware A/D updates (read back from the PTE), R/W/X
# permissions, U pages against S (SUM) and S pages against U, execute-only pages
# and MXR, page faults 12/13/15 with stval = the faulting address, SFENCE.VMA
# making a changed PTE visible, an instruction that straddles two pages (both mapped,
# to non-adjacent frames; second unmapped: stval = second page), misaligned loads and
# stores (emulated, as QEMU does; across pages too), mstatus.MPRV with MPP = S/U.
        .include "common.inc"

        .equ PTE_V, 1
        .equ PTE_R, 2
        .equ PTE_W, 4
        .equ PTE_X, 8
        .equ PTE_U, 0x10
        .equ PTE_G, 0x20
        .equ PTE_A, 0x40
        .equ PTE_D, 0x80
        .equ RWAD, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        .equ SATP_SV39, 8 << 60
        .equ SATP_SV48, 9 << 60

        .equ VA4K, 0x100000000          # root[4] -> l1[0] -> l0: 4K pages
        .equ VA2M, 0x100200000          # root[4] -> l1[1]: 2M page -> MEGA_PA
        .equ VA2M_BAD, 0x100400000      # l1[2]: 2M page at a frame not 2M-aligned
        .equ VA1G, 0x140000000          # root[5]: 1G page -> 0x80000000
        .equ VA1G_BAD, 0x180000000      # root[6]: 1G page at 0x80200000 (misaligned)
        .equ VA_NONE, 0x1c0000000       # root[7]: invalid
        .equ MEGA_PA, 0x80400000

# table[idx] = leaf/pointer to physical address in register `pa`, with `flags`
.macro SETPTE table, idx, pa, flags
        srli t0, \pa, 12
        slli t0, t0, 10
        li t1, \flags
        or t0, t0, t1
        lla t1, \table
        sd t0, (\idx * 8)(t1)
.endm
.macro MAP table, idx, label, flags
        lla t2, \label
        SETPTE \table, \idx, t2, \flags
.endm
.macro MAPPA table, idx, pa, flags
        li t2, \pa
        SETPTE \table, \idx, t2, \flags
.endm

# in S: `insn` (using a1 as the address) must page-fault with `cause`, stval = a1 + off
.macro FAULT n, cause, off, insn:vararg
        TEST \n
        TRY .Lr\@
        \insn
.Lr\@:  CAUGHT \cause
        ld t5, trap_tval
        addi t6, a1, \off
        CHECKR t5, t6
.endm

        .text
        .globl test_main
test_main:
        # ---- page tables (Sv39), built in M
        li t2, 0
        SETPTE pt_root, 0, t2, RWAD                 # 0..1G: devices (UART, finisher, CLINT)
        li t2, 0x80000000
        SETPTE pt_root, 2, t2, RWAD | PTE_X         # RAM, identity
        MAP pt_root, 4, pt_l1, PTE_V
        MAPPA pt_root, 5, 0x80000000, RWAD | PTE_X  # 1G page, RAM alias
        MAPPA pt_root, 6, 0x80200000, RWAD          # 1G page, misaligned
        MAP pt_l1, 0, pt_l0, PTE_V
        MAPPA pt_l1, 1, MEGA_PA, RWAD               # 2M page
        MAPPA pt_l1, 2, MEGA_PA + 0x1000, RWAD      # 2M page, misaligned
        MAP pt_l0, 0, page_a, RWAD                  # plain read/write
        MAP pt_l0, 1, page_b, PTE_V | PTE_R | PTE_A # read-only
        MAP pt_l0, 2, page_c, PTE_V | PTE_R | PTE_W # A = D = 0
        MAP pt_l0, 3, page_a, RWAD | PTE_U          # user
        MAP pt_l0, 4, xpage, PTE_V | PTE_X | PTE_A  # execute-only
        MAP pt_l0, 5, xpage, RWAD                   # not executable
        MAP pt_l0, 6, xpage, PTE_V | PTE_X | PTE_U | PTE_A # user code
        MAP pt_l0, 7, page_a, PTE_V | PTE_W | PTE_A | PTE_D # W without R: reserved
        MAP pt_l0, 9, page_d, RWAD                  # 9 and 10: adjacent pages, frames apart
        MAP pt_l0, 10, page_e, RWAD
        MAP pt_l0, 12, page_f, RWAD                 # remapped by the sfence test
        MAP pt_l0, 13, page_a, RWAD | (1 << 54)     # a reserved bit set
        MAP pt_l0, 19, page_a, RWAD | (1 << 61)     # PBMT without Svpbmt
        MAP pt_l0, 14, xpage2, PTE_V | PTE_R | PTE_X | PTE_A # ends with half an instruction; 15 unmapped
        MAP pt_l0, 16, xpage3, PTE_V | PTE_X | PTE_A # ends with half an instruction ...
        MAP pt_l0, 17, xpage4, PTE_V | PTE_X | PTE_A # ... which ends here
        MAP pt_l0, 18, upage, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A # user code: lw a0, 0(a1); ecall
        # ---- Sv48: root48[0] -> pt_root (all of the above), plus higher addresses
        MAP pt48_root, 0, pt_root, PTE_V
        MAP pt48_root, 1, pt48_l2, PTE_V                     # 512G..1T
        MAPPA pt48_l2, 0, 0x80000000, RWAD                   # 512G -> RAM (1G page)
        MAPPA pt48_root, 2, 0, RWAD                          # 1T..1.5T: a 512G page -> 0
        MAPPA pt48_root, 3, 0x80000000, RWAD                 # 512G page, misaligned
        # ---- data
        li a0, 0xa0a1a2a3a4a5a6a7
        lla a1, page_a
        sd a0, 0(a1)
        li a0, 0xb0b1b2b3b4b5b6b7
        lla a1, page_b
        sd a0, 0(a1)
        li a0, 0xc0c1c2c3c4c5c6c7
        lla a1, page_c
        sd a0, 0(a1)
        li a0, 0x8877665544332211
        lla a1, page_d + 2048
        sd a0, 2040(a1)
        li a0, 0xffeeddccbbaa9988
        lla a1, page_e
        sd a0, 0(a1)
        li a0, 0xf0f1f2f3f4f5f6f7
        lla a1, page_f
        sd a0, 0(a1)
        li a0, 0x2222222233333333
        li a1, MEGA_PA + 0x1238
        sd a0, 0(a1)
        sfence.vma
        lla a0, pt_root
        srli a0, a0, 12
        li a1, SATP_SV39
        or a0, a0, a1
        csrw satp, a0
        sfence.vma
        GOTO PRV_S

        # ---- translation, S-mode, Sv39
        TEST 1                          # 4K page
        li a1, VA4K
        ld a0, 0(a1)
        CHECK a0, 0xa0a1a2a3a4a5a6a7
        TEST 2                          # store through it, read back physically
        li a0, 0x0102030405060708
        sd a0, 8(a1)
        lla a2, page_a
        ld a3, 8(a2)
        CHECK a3, 0x0102030405060708
        TEST 3                          # 2M page
        li a1, VA2M + 0x1238
        ld a0, 0(a1)
        CHECK a0, 0x2222222233333333
        li a0, 0x4444
        sd a0, 8(a1)
        li a2, MEGA_PA + 0x1240
        ld a3, 0(a2)
        CHECK a3, 0x4444
        TEST 4                          # 1G page
        lla a2, page_b
        li a3, 0x80000000
        sub a2, a2, a3
        li a1, VA1G
        add a1, a1, a2
        ld a0, 0(a1)
        CHECK a0, 0xb0b1b2b3b4b5b6b7
        TEST 5                          # code through the 1G alias
        lla a2, xfunc
        li a3, 0x80000000
        sub a2, a2, a3
        li a1, VA1G
        add a1, a1, a2
        li a0, 0
        jalr ra, 0(a1)
        CHECK a0, 0x5a
        # ---- faults: stval is the address
        li a1, VA2M_BAD + 0x10
        FAULT 10, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        FAULT 11, CAUSE_STORE_PAGE, 0, sd a0, 0(a1)
        li a1, VA1G_BAD + 0x20
        FAULT 12, CAUSE_LOAD_PAGE, 0, lw a0, 0(a1)
        li a1, VA_NONE + 0x123
        FAULT 13, CAUSE_LOAD_PAGE, 0, lb a0, 0(a1)
        FAULT 14, CAUSE_STORE_PAGE, 0, sb a0, 0(a1)
        li a1, VA4K + 0x8000 + 0x124    # invalid 4K PTE
        FAULT 15, CAUSE_LOAD_PAGE, 0, lh a0, 0(a1)
        FAULT 16, CAUSE_STORE_PAGE, 0, sh a0, 0(a1)
        li a1, VA4K + 0x7000 + 8        # W without R
        FAULT 17, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        FAULT 18, CAUSE_STORE_PAGE, 0, sd a0, 0(a1)
        li a1, VA4K + 0x1000 + 0x10     # read-only
        FAULT 19, CAUSE_STORE_PAGE, 0, sw a0, 0(a1)
        FAULT 20, CAUSE_STORE_PAGE, 0, amoadd.w a0, a0, (a1)
        TEST 21
        ld a0, -0x10(a1)
        CHECK a0, 0xb0b1b2b3b4b5b6b7
        li a1, 0x0000008000000000       # not canonical for Sv39 (bit 39 set, 63..38 differ)
        FAULT 22, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        li a1, 0xffffffc000000000       # canonical, but root[256] is invalid
        FAULT 23, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        li a1, 0x4000000080000000       # RAM's address with junk above bit 38
        FAULT 24, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        li a1, VA4K + 0xd000 + 8        # reserved PTE bits 60..54 set
        FAULT 25, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        li a1, VA4K + 0x13000 + 8       # PBMT set, no Svpbmt
        FAULT 26, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        # ---- execute permission
        TEST 30                         # execute-only page runs
        li a1, VA4K + 0x4000
        li a0, 0
        jalr ra, 0(a1)
        CHECK a0, 0x5a
        li a1, VA4K + 0x4000            # ... but is not readable
        FAULT 31, CAUSE_LOAD_PAGE, 0, lw a0, 0(a1)
        TEST 32                         # unless MXR
        li a0, MSTATUS_MXR
        csrs sstatus, a0
        lw a0, 0(a1)
        CHECK a0, 0x05a00513            # li a0, 0x5a
        li a0, MSTATUS_MXR
        csrc sstatus, a0
        li a1, VA4K + 0x5000            # readable, not executable
        TEST 33
        TRY 1f
        jalr ra, 0(a1)
1:      CAUGHT CAUSE_FETCH_PAGE
        CHECK_TVALR a1
        ld a0, trap_epc
        CHECKR a0, a1
        # ---- U pages and S pages
        li a1, VA4K + 0x3000            # U page, SUM = 0
        FAULT 40, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        FAULT 41, CAUSE_STORE_PAGE, 0, sd a0, 0(a1)
        TEST 42                         # SUM = 1: S may load and store
        li a0, MSTATUS_SUM
        csrs sstatus, a0
        ld a0, 0(a1)
        CHECK a0, 0xa0a1a2a3a4a5a6a7
        sd a0, 16(a1)
        TEST 43                         # but never execute U code, SUM or not
        li a1, VA4K + 0x6000
        TRY 1f
        jalr ra, 0(a1)
1:      CAUGHT CAUSE_FETCH_PAGE
        CHECK_TVALR a1
        li a0, MSTATUS_SUM
        csrc sstatus, a0
        TEST 44                         # U code on a U page loads from a U page
        li a1, VA4K + 0x3000
        li a0, 0
        TRY 1f, PRV_S
        li a2, VA4K + 0x12000
        csrw sepc, a2
        li a2, MSTATUS_SPP
        csrc sstatus, a2
        sret                            # to U: lw a0, 0(a1); ecall
1:      CAUGHT CAUSE_ECALL_U
        CHECK a0, 0xffffffffa4a5a6a7
        TEST 45                         # U may not touch an S page
        li a1, VA4K
        TRY 1f, PRV_S
        li a2, VA4K + 0x12000
        csrw sepc, a2
        sret
1:      CAUGHT CAUSE_LOAD_PAGE
        CHECK_TVALR a1
        CHECK_PREV PRV_U
        TEST 46                         # U may not execute an S page
        li a1, VA4K + 0x4000
        TRY 1f, PRV_S
        csrw sepc, a1
        sret
1:      CAUGHT CAUSE_FETCH_PAGE
        CHECK_TVALR a1
        # ---- accessed and dirty bits, set by the hart
        lla s0, pt_l0
        TEST 50                         # a load sets A, not D
        li a1, VA4K + 0x2000
        ld a0, 0(a1)
        CHECK a0, 0xc0c1c2c3c4c5c6c7
        ld a2, 16(s0)
        andi a3, a2, PTE_A | PTE_D
        CHECK a3, PTE_A
        TEST 51                         # a store sets D
        sd a0, 8(a1)
        ld a2, 16(s0)
        andi a3, a2, PTE_A | PTE_D
        CHECK a3, PTE_A | PTE_D
        TEST 52                         # a store to a fresh page sets both
        andi a2, a2, ~(PTE_A | PTE_D)
        sd a2, 16(s0)
        sfence.vma a1
        sw a0, 12(a1)
        ld a2, 16(s0)
        andi a3, a2, PTE_A | PTE_D
        CHECK a3, PTE_A | PTE_D
        TEST 53                         # an AMO likewise
        andi a2, a2, ~(PTE_A | PTE_D)
        sd a2, 16(s0)
        sfence.vma
        amoor.d a0, zero, (a1)
        ld a2, 16(s0)
        andi a3, a2, PTE_A | PTE_D
        CHECK a3, PTE_A | PTE_D
        TEST 54                         # fetch sets A on the page it runs
        ld a2, 32(s0)                   # pt_l0[4]: the execute-only page, A set: clear it
        andi a2, a2, ~PTE_A
        sd a2, 32(s0)
        sfence.vma
        li a1, VA4K + 0x4000
        jalr ra, 0(a1)
        ld a2, 32(s0)
        andi a3, a2, PTE_A | PTE_D
        CHECK a3, PTE_A
        # ---- SFENCE.VMA makes a changed PTE visible
        TEST 60
        li a1, VA4K + 0xc000
        ld a0, 0(a1)
        CHECK a0, 0xf0f1f2f3f4f5f6f7
        lla a2, page_a                  # remap to page_a
        srli a2, a2, 12
        slli a2, a2, 10
        ori a2, a2, RWAD
        ld s1, 96(s0)
        sd a2, 96(s0)
        sfence.vma a1, zero
        ld a0, 0(a1)
        CHECK a0, 0xa0a1a2a3a4a5a6a7
        TEST 61                         # and back, with a global sfence
        sd s1, 96(s0)
        sfence.vma
        ld a0, 0(a1)
        CHECK a0, 0xf0f1f2f3f4f5f6f7
        TEST 62                         # an unmapped page mapped: no stale fault
        li a1, VA4K + 0x8000
        TRY 1f
        ld a0, 0(a1)
1:      CAUGHT CAUSE_LOAD_PAGE
        lla a2, page_b
        srli a2, a2, 12
        slli a2, a2, 10
        ori a2, a2, RWAD
        sd a2, 64(s0)
        sfence.vma a1
        ld a0, 0(a1)
        CHECK a0, 0xb0b1b2b3b4b5b6b7
        sd zero, 64(s0)
        sfence.vma
        # ---- instructions across a page boundary
        TEST 70                         # both pages mapped, frames not adjacent
        li a1, VA4K + 0x10ffe
        li a0, 0
        jalr ra, 0(a1)
        CHECK a0, 0x77
        TEST 71                         # second page unmapped: fault on its address, epc at the start
        li a1, VA4K + 0xeffe
        TRY 1f
        jalr ra, 0(a1)
1:      CAUGHT CAUSE_FETCH_PAGE
        ld a0, trap_epc
        CHECKR a0, a1
        CHECK_TVAL VA4K + 0xf000
        # ---- misaligned loads and stores (emulated)
        TEST 80
        li a1, VA4K
        lw a0, 1(a1)
        CHECK a0, 0xffffffffa3a4a5a6
        TEST 81
        lwu a0, 1(a1)
        CHECK a0, 0xa3a4a5a6
        TEST 82
        ld a0, 3(a1)
        CHECK a0, 0x060708a0a1a2a3a4
        TEST 83
        lh a0, 7(a1)
        CHECK a0, 0x08a0
        lhu a0, 5(a1)
        CHECK a0, 0xa1a2
        lh a0, 5(a1)
        CHECK a0, 0xffffffffffffa1a2
        TEST 84
        li a0, 0x1122334455667788
        sd a0, 33(a1)
        lla a2, page_a
        ld a3, 32(a2)
        CHECK a3, 0x2233445566778800
        ld a3, 40(a2)
        CHECK a3, 0x11
        TEST 85
        sw a0, 46(a1)
        ld a3, 40(a2)
        CHECK a3, 0x7788000000000011
        sh a0, 51(a1)
        ld a3, 48(a2)
        CHECK a3, 0x0000007788005566
        TEST 86                         # across two pages mapped to frames apart
        li a1, VA4K + 0x9ffc
        ld a0, 0(a1)
        CHECK a0, 0xbbaa998888776655
        TEST 87
        li a1, VA4K + 0x9fff
        lh a0, 0(a1)
        CHECK a0, 0xffffffffffff8888
        TEST 88
        li a1, VA4K + 0x9ffa
        li a0, 0x0102030405060708
        sd a0, 0(a1)
        lla a2, page_d + 2048
        ld a3, 2040(a2)
        CHECK a3, 0x0304050607082211
        lla a2, page_e
        ld a3, 0(a2)
        CHECK a3, 0xffeeddccbbaa0102
        TEST 89                         # across into an unmapped page: fault, stval in the access
        li a1, VA4K + 0xaffc
        TRY 1f
        ld a0, 0(a1)
1:      CAUGHT CAUSE_LOAD_PAGE
        ld a0, trap_tval
        bltu a0, a1, fail_tval
        addi a2, a1, 8
        bgeu a0, a2, fail_tval
        TEST 90
        TRY 1f
        sw a0, 2(a1)
1:      CAUGHT CAUSE_STORE_PAGE
        ld a0, trap_tval
        addi a2, a1, 2
        bltu a0, a2, fail_tval
        addi a2, a1, 6
        bgeu a0, a2, fail_tval
        # ---- Sv48
        TEST 100
        lla a0, pt48_root
        srli a0, a0, 12
        li a1, SATP_SV48
        or a0, a0, a1
        csrw satp, a0
        sfence.vma
        li a1, VA4K                     # the Sv39 mappings, one level down
        ld a0, 0(a1)
        CHECK a0, 0xa0a1a2a3a4a5a6a7
        TEST 101                        # above 2^39: only Sv48 has it
        lla a2, page_b
        li a3, 0x80000000
        sub a2, a2, a3
        li a1, 0x8000000000
        add a1, a1, a2
        ld a0, 0(a1)
        CHECK a0, 0xb0b1b2b3b4b5b6b7
        TEST 102                        # a 512G page
        lla a2, page_c
        li a1, 0x10000000000
        add a1, a1, a2
        ld a0, 0(a1)
        CHECK a0, 0xc0c1c2c3c4c5c6c7
        li a1, 0x18000000000 + 0x80     # a misaligned 512G page
        FAULT 103, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        li a1, 0x0001000000000000       # not canonical for Sv48
        FAULT 104, CAUSE_LOAD_PAGE, 0, ld a0, 0(a1)
        li a1, 0xffff800000000000       # canonical, root[256] invalid
        FAULT 105, CAUSE_STORE_PAGE, 0, sd a0, 0(a1)
        TEST 106                        # back to Sv39: 2^39 is no longer there
        lla a0, pt_root
        srli a0, a0, 12
        li a1, SATP_SV39
        or a0, a0, a1
        csrw satp, a0
        sfence.vma
        li a1, 0x8000000000
        TRY 1f
        ld a0, 0(a1)
1:      CAUGHT CAUSE_LOAD_PAGE
        GOTO_M
        # ---- MPRV: M-mode loads and stores with the privilege in MPP
        TEST 110                        # MPP = S: translated
        li a1, VA4K
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV | (PRV_S << 11)
        csrs mstatus, t0
        ld a0, 0(a1)
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CHECK a0, 0xa0a1a2a3a4a5a6a7
        TEST 111                        # MPP = U: an S page faults, trap to M with the address
        TRY 1f, PRV_M
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV | (PRV_U << 11)
        csrs mstatus, t0
        ld a0, 0(a1)
1:      li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CAUGHT CAUSE_LOAD_PAGE
        CHECK_LEVEL PRV_M
        CHECK_PREV PRV_M
        CHECK_TVALR a1
        TEST 112                        # MPP = U: a U page works
        li a1, VA4K + 0x3000
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV | (PRV_U << 11)
        csrs mstatus, t0
        ld a0, 0(a1)
        sd a0, 24(a1)
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CHECK a0, 0xa0a1a2a3a4a5a6a7
        TEST 113                        # MPP = S, SUM = 0: a U page faults (store: 15)
        TRY 1f, PRV_M
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV | (PRV_S << 11)
        csrs mstatus, t0
        sd a0, 0(a1)
1:      li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CAUGHT CAUSE_STORE_PAGE
        CHECK_TVALR a1
        TEST 114                        # MPRV = 0: M ignores satp
        lla a1, page_c
        ld a0, 0(a1)
        CHECK a0, 0xc0c1c2c3c4c5c6c7
        # ---- misaligned in M-mode, no translation
        TEST 120
        lla a1, page_d + 2048
        ld a0, 2041(a1)
        CHECK a0, 0xa703040506070822     # the last byte: page_a, next in memory
        TEST 121
        li a0, -1
        sw a0, 2045(a1)
        ld a0, 2040(a1)
        CHECK a0, 0xffffff0607082211
        lla a1, page_a
        ld a0, 0(a1)
        CHECK a0, 0xa0a1a2a3a4a5a6ff
        csrw satp, zero
        sfence.vma
        j pass

fail_tval:
        mv a0, a0
        mv a1, a1
        j fail_check

# ---- code pages
        .data
        .balign 4096
xpage:                                  # pt_l0[4..6]: li a0, 0x5a; ret
xfunc:  li a0, 0x5a
        ret
        .balign 4096
xpage4:                                 # pt_l0[17]: second half of li a0, 0x77; then ret
        .half 0x0770
        ret
        .balign 4096
xpage3:                                 # pt_l0[16]: first half of li a0, 0x77 at the very end
        .skip 4094, 0
        .half 0x0513
        .balign 4096
xpage2:                                 # pt_l0[14]: the same, pt_l0[15] is unmapped
        .skip 4094, 0
        .half 0x0513
        .balign 4096
upage:  lw a0, 0(a1)                    # pt_l0[18], user code
        ecall

        .bss
        .balign 4096
pt_root:  .skip 4096
pt_l1:    .skip 4096
pt_l0:    .skip 4096
pt48_root: .skip 4096
pt48_l2:  .skip 4096
page_d:   .skip 4096                    # page_d and page_e are adjacent in the
page_a:   .skip 4096                    # address space, not in memory
page_e:   .skip 4096
page_b:   .skip 4096
page_c:   .skip 4096
page_f:   .skip 4096

        .section .rodata
        .globl test_name
test_name: .asciz "vm"
