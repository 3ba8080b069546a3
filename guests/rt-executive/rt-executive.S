# Bulkhead's real-time executive: a cyclic executive for one RV64 hart of the virt machine,
# in M-mode with no firmware (boot: { kernel: rt-executive.elf, firmware: none }).
# See README.md for what it prints and how it measures; build.sh builds it.
#
# Every PERIOD (10 ms) of the CLINT's mtime it runs one activation of a control task (an
# integer PI controller driving a simulated first-order plant) and measures its release
# jitter: the mtime it woke at minus the planned release. An activation that completes
# after its deadline (the next release) is a miss; so is every activation whose whole
# period passed while the executive could not run (a paused VM): those are skipped, not
# run late in a burst. Between activations the hart sleeps in WFI with only the machine
# timer enabled, so an idle executive costs the host almost nothing. Interrupts stay
# globally off (mstatus.MIE = 0): WFI wakes on a pending enabled interrupt regardless, and
# the loop polls mip, so the only traps are unexpected ones.
#
# Once a second of mtime it prints a status line and kicks the RootOS watchdog:
#   rt: t=12s cycles=1200 jitter max=35us misses=0 y=2998
#   bulkhead-watchdog-kick
# It never exits on its own. An unexpected trap prints its cause and fails through the
# test finisher (code 1), so the supervisor sees a crash; SysRq c (a break, then 'c' on
# the UART, as Linux's crash trigger) causes one on purpose. SysRq o powers off (how the
# supervisor's `shutdown` asks). No timebase-frequency in the device tree: fail, code 2.
#
# The timebase frequency is /cpus/timebase-frequency of the device tree whose address
# the boot ROM passes in a1 (flattened devicetree: Devicetree Specification v0.4, ch. 5).

        .equ UART, 0x10000000           # NS16550A
        .equ UART_LSR, 5
        .equ UART_MCR, 4
        .equ MCR_DTR_RTS, 0x03          # Bulkhead's host end sends only while RTS is up
        .equ LSR_DR, 0x01
        .equ LSR_BI, 0x10
        .equ LSR_THRE, 0x20
        .equ FINISHER, 0x100000         # sifive,test0
        .equ FINISHER_PASS, 0x5555
        .equ FINISHER_FAIL, 0x3333      # | code << 16
        .equ MTIMECMP0, 0x2004000       # CLINT: hart 0's mtimecmp
        .equ MTIME, 0x200bff8
        .equ MIP_MTIP, 0x80
        .equ PER_SECOND, 100            # activations per second: a 10 ms period
        .equ SETPOINT_CYCLES, 200       # the setpoint steps every 200 activations
        .equ FDT_MAGIC, 0xd00dfeed
        .equ FDT_BEGIN_NODE, 1
        .equ FDT_END_NODE, 2
        .equ FDT_PROP, 3
        .equ FDT_NOP, 4

# BE32 rd, base, off, tmp: rd = the big-endian 32-bit word at off(base) (FDT byte order)
        .macro BE32 rd, base, off, tmp
        lbu \rd, \off(\base)
        .irp i, 1, 2, 3
        lbu \tmp, \off+\i(\base)
        slli \rd, \rd, 8
        or \rd, \rd, \tmp
        .endr
        .endm

# PRINT label: puts(label)
        .macro PRINT label
        lla a0, \label
        call puts
        .endm

        .section .text.init, "ax"
        .globl _start
_start: csrr t0, mhartid
        bnez t0, park                   # one hart runs the executive; others sleep
        lla sp, stack_top
        lla t0, trap
        csrw mtvec, t0
        csrw mie, zero
        mv a0, a1
        call timebase
        mv s1, a0                       # s1: timebase frequency (ticks per second)
        bnez s1, 1f
        PRINT no_timebase
        li a0, 2
        j fail
1:      li t0, PER_SECOND
        divu s2, s1, t0                 # s2: period in ticks
        PRINT banner
        mv a0, s1
        call putdec
        PRINT banner_end

        li t0, MTIME
        ld s8, 0(t0)                    # s8: the epoch: when the executive started
        add s3, s8, s2                  # s3: the next planned release
        add s4, s8, s1                  # s4: when the next status line is due
        li s5, 0                        # s5: activations run (cycles)
        li s6, 0                        # s6: deadline misses
        li s7, 0                        # s7: largest jitter this second, in ticks
        sd zero, plant_y, t0            # the control task starts from rest
        sd zero, integral, t0
        li s9, 0                        # s9: a break was seen on the UART: the next key is a SysRq
        li t0, UART
        li t1, MCR_DTR_RTS
        sb t1, UART_MCR(t0)             # ready for input (SysRq), as Linux when its tty opens
        li t0, MIP_MTIP
        csrw mie, t0                    # only the timer can end a WFI

cycle:  li t0, MTIMECMP0
        sd s3, 0(t0)                    # a release already passed is pending at once
1:      wfi
        csrr t0, mip
        andi t0, t0, MIP_MTIP
        beqz t0, 1b
        li t0, MTIME
        ld t1, 0(t0)
        sub t1, t1, s3                  # release jitter
        bleu t1, s7, 2f
        mv s7, t1
2:      addi s5, s5, 1
        call control
        li t0, MTIME
        ld t1, 0(t0)                    # t1: completion time
        mv s10, s3                      # s10: this activation's release
        add s3, s3, s2                  # its deadline, and the next release
        bleu t1, s3, 3f
        addi s6, s6, 1
3:      add t2, s3, s2                  # releases whose whole period has passed: skipped, missed
        bgtu t2, t1, 4f
        addi s6, s6, 1
        mv s3, t2
        j 3b
4:      call poll_uart
        bltu s10, s4, cycle
        call report
        j cycle

# report: the status line of second (s10 - s8) / s1, then the watchdog kick; starts the
# next second's jitter maximum and schedules the next report (seconds lost to a pause are
# not reported one by one).
report: addi sp, sp, -16
        sd ra, 0(sp)
        sub s11, s10, s8
        divu s11, s11, s1               # s11: whole seconds since the epoch
        PRINT st_t
        mv a0, s11
        call putdec
        PRINT st_cycles
        mv a0, s5
        call putdec
        PRINT st_jitter
        li t0, 1000000                  # ticks -> microseconds, rounded up
        mul a0, s7, t0
        add a0, a0, s1
        addi a0, a0, -1
        divu a0, a0, s1
        call putdec
        PRINT st_misses
        mv a0, s6
        call putdec
        PRINT st_y
        ld a0, plant_y
        call putsdec
        PRINT kick
        li s7, 0
        addi s11, s11, 1
        mul s4, s11, s1
        add s4, s4, s8
        ld ra, 0(sp)
        addi sp, sp, 16
        ret

# control: one activation of the control task. A PI controller (Kp = 1, Ki = 1/8) holds a
# first-order plant, simulated in 64 substeps, at a setpoint that steps between 3000 and
# 1000 every SETPOINT_CYCLES activations (2 s when none is missed). Integer arithmetic only: every run computes the
# same values. Clobbers t0-t4.
control:
        li t0, SETPOINT_CYCLES
        divu t0, s5, t0
        andi t0, t0, 1
        li t1, 3000
        beqz t0, 1f
        li t1, 1000
1:      ld t2, plant_y
        sub t1, t1, t2                  # error
        ld t3, integral
        add t3, t3, t1
        sd t3, integral, t4
        srai t3, t3, 3
        add t1, t1, t3                  # u: the controller's output
        li t0, 64
2:      sub t3, t1, t2
        srai t3, t3, 9
        add t2, t2, t3
        addi t0, t0, -1
        bnez t0, 2b
        sd t2, plant_y, t4
        ret

# poll_uart: take what the UART received. SysRq as Linux's 8250 driver reads it: a
# break, then a key; 'o' powers off, 'c' crashes (an illegal instruction). Clobbers t0-t3.
poll_uart:
        li t0, UART
1:      lbu t1, UART_LSR(t0)            # LSR first: reading it clears BI
        andi t2, t1, LSR_DR
        beqz t2, 3f
        lbu t3, 0(t0)
        andi t2, t1, LSR_BI
        beqz t2, 2f
        li s9, 1
        j 1b
2:      beqz s9, 1b
        li s9, 0
        li t2, 'o'
        beq t3, t2, poweroff
        li t2, 'c'
        bne t3, t2, 1b
        PRINT sysrq_crash
        .word 0                         # an illegal instruction: the trap handler takes it
3:      ret

poweroff:
        PRINT sysrq_off
        li t0, FINISHER
        li t1, FINISHER_PASS
        sw t1, 0(t0)
park:   wfi
        j park

# trap: nothing is expected to trap. Report the cause on a stack of its own, then fail.
        .balign 4                       # mtvec holds a 4-byte aligned base (direct mode)
trap:   lla sp, trap_stack_top
        PRINT tr_cause
        csrr a0, mcause
        call puthex
        PRINT tr_epc
        csrr a0, mepc
        call puthex
        PRINT tr_tval
        csrr a0, mtval
        call puthex
        PRINT newline
        li a0, 1
# fail(a0 = code): the test finisher's failure exit
fail:   slli a0, a0, 16
        li t0, FINISHER_FAIL
        or a0, a0, t0
        li t0, FINISHER
        sw a0, 0(t0)
        j park

# timebase(a0 = device tree): a0 = /cpus/timebase-frequency, or 0 when the tree is absent
# or does not say. Walks the structure block within totalsize. Clobbers t0-t6, a1-a5.
timebase:
        addi sp, sp, -16
        sd ra, 0(sp)
        beqz a0, 9f
        BE32 t0, a0, 0, t6
        li t1, FDT_MAGIC
        bne t0, t1, 9f
        BE32 a5, a0, 4, t6
        add a5, a5, a0                  # a5: end of the tree
        BE32 t0, a0, 8, t6
        add a1, a0, t0                  # a1: the token pointer
        BE32 t0, a0, 12, t6
        add a2, a0, t0                  # a2: the strings block
        li a3, 0                        # a3: depth
        li a4, 0                        # a4: inside /cpus
1:      bgeu a1, a5, 9f
        BE32 t0, a1, 0, t6
        addi a1, a1, 4
        li t1, FDT_BEGIN_NODE
        beq t0, t1, 2f
        li t1, FDT_END_NODE
        beq t0, t1, 4f
        li t1, FDT_PROP
        beq t0, t1, 5f
        li t1, FDT_NOP
        beq t0, t1, 1b
        j 9f                            # FDT_END or garbage: not found
2:      addi a3, a3, 1                  # BEGIN_NODE: depth 2 named "cpus" is /cpus
        li t1, 2
        bne a3, t1, 3f
        lla t2, s_cpus
        mv t3, a1
        call streq
        mv a4, t0
3:      lbu t1, 0(a1)                   # skip the name and its padding
        addi a1, a1, 1
        bnez t1, 3b
        addi a1, a1, 3
        andi a1, a1, -4
        j 1b
4:      addi a3, a3, -1                 # END_NODE
        li t1, 2
        bge a3, t1, 1b
        li a4, 0
        j 1b
5:      BE32 t4, a1, 0, t6              # PROP: t4 = length
        BE32 t5, a1, 4, t6              # t5 = name offset
        addi a1, a1, 8
        beqz a4, 6f
        li t1, 2
        bne a3, t1, 6f
        lla t2, s_timebase
        add t3, a2, t5
        call streq
        beqz t0, 6f
        li t1, 4
        bne t4, t1, 9f
        BE32 a0, a1, 0, t6
        j 10f
6:      add a1, a1, t4                  # skip the value and its padding
        addi a1, a1, 3
        andi a1, a1, -4
        j 1b
9:      li a0, 0
10:     ld ra, 0(sp)
        addi sp, sp, 16
        ret

# streq(t2, t3 = NUL-terminated strings): t0 = 1 when equal. Clobbers t1, t2, t3, t6.
streq:  li t0, 0
1:      lbu t1, 0(t2)
        lbu t6, 0(t3)
        bne t1, t6, 2f
        addi t2, t2, 1
        addi t3, t3, 1
        bnez t1, 1b
        li t0, 1
2:      ret

# puts(a0 = NUL-terminated string) on the UART, polling LSR.THRE. Clobbers t0-t2, a0.
puts:   li t0, UART
1:      lbu t1, 0(a0)
        beqz t1, 3f
2:      lbu t2, UART_LSR(t0)
        andi t2, t2, LSR_THRE
        beqz t2, 2b
        sb t1, 0(t0)
        addi a0, a0, 1
        j 1b
3:      ret

# putsdec(a0): a signed decimal; putdec(a0): an unsigned decimal. Clobbers t0-t3, a0, a1.
putsdec:
        bgez a0, putdec
        neg a1, a0
        lla a0, minus
        addi sp, sp, -16
        sd ra, 0(sp)
        sd a1, 8(sp)
        call puts
        ld a0, 8(sp)
        ld ra, 0(sp)
        addi sp, sp, 16
putdec: li a1, 10
        j putnum
# puthex(a0): 0x and hexadecimal digits. Clobbers t0-t3, a0, a1.
puthex: addi sp, sp, -16
        sd ra, 0(sp)
        sd a0, 8(sp)
        lla a0, hexprefix
        call puts
        ld a0, 8(sp)
        ld ra, 0(sp)
        addi sp, sp, 16
        li a1, 16
# putnum(a0 = value, a1 = base): digits, most significant first, from a buffer on the stack
putnum: addi sp, sp, -48
        sd ra, 0(sp)
        addi t3, sp, 47
        sb zero, 0(t3)
        lla t1, digits
1:      remu t0, a0, a1
        add t0, t0, t1
        lbu t0, 0(t0)
        addi t3, t3, -1
        sb t0, 0(t3)
        divu a0, a0, a1
        bnez a0, 1b
        mv a0, t3
        call puts
        ld ra, 0(sp)
        addi sp, sp, 48
        ret

        .section .rodata
banner:      .asciz "rt: Bulkhead real-time executive: period 10 ms, timebase "
banner_end:  .asciz " Hz\n"
no_timebase: .asciz "rt: the device tree (a1) has no /cpus/timebase-frequency: cannot keep time\n"
st_t:        .asciz "rt: t="
st_cycles:   .asciz "s cycles="
st_jitter:   .asciz " jitter max="
st_misses:   .asciz "us misses="
st_y:        .asciz " y="
kick:        .asciz "\nbulkhead-watchdog-kick\n"
sysrq_off:   .asciz "rt: SysRq o: powering off\n"
sysrq_crash: .asciz "rt: SysRq c: crashing on purpose\n"
tr_cause:    .asciz "rt: unexpected trap: mcause="
tr_epc:      .asciz " mepc="
tr_tval:     .asciz " mtval="
newline:     .asciz "\n"
minus:       .asciz "-"
hexprefix:   .asciz "0x"
digits:      .ascii "0123456789abcdef"
s_cpus:      .asciz "cpus"
s_timebase:  .asciz "timebase-frequency"

        .bss
        .balign 16
plant_y:     .space 8
integral:    .space 8
        .space 4096
stack_top:
        .space 1024
trap_stack_top:
