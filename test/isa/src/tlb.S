# tlb: translations cached across changes of privilege and of mstatus answer as the new
# context requires (privileged spec 4.3.1: SUM, MXR and MPRV/MPP take effect at once,
# with no SFENCE.VMA; the U bit is checked against the privilege of each access):
# a U page loaded and stored with SUM = 1 faults with SUM = 0, an execute-only page
# read with MXR = 1 faults without it, an S page read in S faults in U, U code
# fetched in U faults in S, a page translated for M-mode loads through MPRV/MPP = S is
# not translated once MPRV = 0. And SFENCE.VMA of one address inside a 2 MiB page
# drops the translations of all of that page, not only of the 4 KiB piece named.
        .include "common.inc"

        .equ PTE_V, 1
        .equ PTE_R, 2
        .equ PTE_W, 4
        .equ PTE_X, 8
        .equ PTE_U, 0x10
        .equ PTE_A, 0x40
        .equ PTE_D, 0x80
        .equ RWAD, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        .equ SATP_SV39, 8 << 60

        .equ VA_S, 0x100000000          # root[4] -> l1[0] -> l0[0]: an S page
        .equ VA_U, 0x100001000          # l0[1]: a U page
        .equ VA_X, 0x100002000          # l0[2]: execute-only
        .equ VA_UCODE, 0x100003000      # l0[3]: U code: li a0, 0x5a; ecall
        .equ VA_2M, 0x100200000         # l1[1]: a 2M page -> MEGA_A, then MEGA_B
        .equ MEGA_A, 0x80800000
        .equ MEGA_B, 0x80a00000

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

# `insn` (address in a1) must page-fault with `cause`, stval = a1; resumes in the same mode
.macro FAULT n, cause, insn:vararg
        TEST \n
        TRY .Lr\@
        \insn
.Lr\@:  CAUGHT \cause
        ld t5, trap_tval
        CHECKR t5, a1
.endm

        .text
        .globl test_main
test_main:
        li t2, 0
        SETPTE pt_root, 0, t2, RWAD                 # 0..1G: devices
        li t2, 0x80000000
        SETPTE pt_root, 2, t2, RWAD | PTE_X         # RAM, identity (S)
        MAP pt_root, 4, pt_l1, PTE_V
        MAP pt_l1, 0, pt_l0, PTE_V
        MAPPA pt_l1, 1, MEGA_A, RWAD                # 2M page
        MAP pt_l0, 0, page_s, RWAD
        MAP pt_l0, 1, page_u, RWAD | PTE_U
        MAP pt_l0, 2, page_x, PTE_V | PTE_X | PTE_A
        MAP pt_l0, 3, ucode, PTE_V | PTE_X | PTE_U | PTE_A
        li a0, 0x1111111111111111
        lla a1, page_s
        sd a0, 0(a1)
        li a0, 0x2222222222222222
        lla a1, page_u
        sd a0, 0(a1)
        li a0, 0x3333333333333333
        lla a1, page_x
        sd a0, 8(a1)
        li a0, 0x4444444444444444
        li a1, MEGA_A + 0x3000
        sd a0, 0(a1)
        li a0, 0x5555555555555555
        li a1, MEGA_B + 0x3000
        sd a0, 0(a1)
        sfence.vma
        lla a0, pt_root
        srli a0, a0, 12
        li a1, SATP_SV39
        or a0, a0, a1
        csrw satp, a0
        sfence.vma
        GOTO PRV_S

        # ---- SUM: what S loaded and stored with SUM = 1 faults with SUM = 0
        TEST 1
        li a0, MSTATUS_SUM
        csrs sstatus, a0
        li a1, VA_U
        ld a0, 0(a1)
        CHECK a0, 0x2222222222222222
        sd a0, 8(a1)
        li a0, MSTATUS_SUM
        csrc sstatus, a0
        FAULT 2, CAUSE_LOAD_PAGE, ld a0, 0(a1)
        FAULT 3, CAUSE_STORE_PAGE, sd a0, 0(a1)
        # ---- MXR: an execute-only page read with MXR = 1 faults with MXR = 0
        TEST 4
        li a0, MSTATUS_MXR
        csrs sstatus, a0
        li a1, VA_X
        ld a0, 8(a1)
        CHECK a0, 0x3333333333333333
        li a0, MSTATUS_MXR
        csrc sstatus, a0
        FAULT 5, CAUSE_LOAD_PAGE, ld a0, 0(a1)
        # ---- an S page read in S faults in U
        TEST 6
        li a1, VA_S
        ld a0, 0(a1)
        CHECK a0, 0x1111111111111111
        TEST 7
        TRY 1f, PRV_S
        li a2, VA_UCODE + 8             # U: ld a0, 0(a1) (a fault, back to S)
        csrw sepc, a2
        li a2, MSTATUS_SPP
        csrc sstatus, a2
        sret
1:      CAUGHT CAUSE_LOAD_PAGE
        CHECK_PREV PRV_U
        CHECK_TVALR a1
        # ---- U code fetched in U faults when S jumps to it (SUM or not)
        TEST 8
        TRY 1f, PRV_S
        li a2, VA_UCODE                 # U: li a0, 0x5a; ecall
        csrw sepc, a2
        li a2, MSTATUS_SPP
        csrc sstatus, a2
        li a0, 0
        sret
1:      CAUGHT CAUSE_ECALL_U
        CHECK a0, 0x5a
        TEST 9
        li a0, MSTATUS_SUM
        csrs sstatus, a0
        li a1, VA_UCODE
        TRY 1f
        jalr ra, 0(a1)
1:      CAUGHT CAUSE_FETCH_PAGE
        CHECK_TVALR a1
        li a0, MSTATUS_SUM
        csrc sstatus, a0
        # ---- SFENCE.VMA of one address drops all of a 2M page
        TEST 10
        li a1, VA_2M + 0x3000
        ld a0, 0(a1)
        CHECK a0, 0x4444444444444444
        li a1, VA_2M + 0x1000
        ld a0, 0(a1)
        li a2, ((MEGA_B >> 12) << 10) | RWAD
        lla a3, pt_l1
        sd a2, 8(a3)
        li a1, VA_2M + 0x7000           # a piece never touched
        sfence.vma a1, zero
        li a1, VA_2M + 0x3000
        ld a0, 0(a1)
        CHECK a0, 0x5555555555555555
        GOTO_M
        # ---- MPRV: an M-mode load through MPP = S, then MPRV = 0: untranslated
        TEST 11
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV | (PRV_S << 11)
        csrs mstatus, t0
        li a1, VA_S
        ld a0, 0(a1)
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CHECK a0, 0x1111111111111111
        TEST 12                         # VA_S as a physical address: no device there
        TRY 1f
        ld a0, 0(a1)
1:      CAUGHT CAUSE_LOAD_ACCESS
        CHECK_TVALR a1
        TEST 13                         # and back through MPP = U: the S page faults
        TRY 1f
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPRV | (PRV_U << 11)
        csrs mstatus, t0
        ld a0, 0(a1)
1:      li t0, MSTATUS_MPRV
        csrc mstatus, t0
        CAUGHT CAUSE_LOAD_PAGE
        CHECK_TVALR a1
        csrw satp, zero
        sfence.vma
        j pass

        .data
        .balign 4096
ucode:  li a0, 0x5a                     # VA_UCODE
        ecall
        ld a0, 0(a1)                    # VA_UCODE + 8
        ecall
        .balign 4096
page_x: .skip 4096

        .bss
        .balign 4096
pt_root:  .skip 4096
pt_l1:    .skip 4096
pt_l0:    .skip 4096
page_s:   .skip 4096
page_u:   .skip 4096

        .section .rodata
        .globl test_name
test_name: .asciz "tlb"
