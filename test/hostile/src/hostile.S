# A hostile virtio driver: bare metal, M-mode, one hart, polling (no interrupts), for
# test/boot/hostile-virtio.test.ts. It drives two virtio-blk devices over virtio-mmio
# (version 2): slot 0 (0x10001000) read-write, slot 1 (0x10002000) read-only, and hands
# them what a broken or malicious guest would: buffers outside RAM, lengths that lie,
# chains that loop, swapped flags, bad indices, a queue size that is not a power of 2,
# notifications on queues never set up, writes to the read-only disk. After each step it
# prints one line
#     <step> status=SS dev=DD used=UUUU
# (SS the request's status byte, ee when the device never wrote it; DD the device status
# register, 4x when DEVICE_NEEDS_RESET is set; UUUU used.idx), and goes on: the VM must
# keep running. It ends with "hostile: done" and powers off through the test finisher.
# Build: ../build.sh (GNU binutils for riscv64).

        .option norvc
        .equ UART, 0x10000000
        .equ FINISHER, 0x100000
        .equ MMIO0, 0x10001000
        .equ MMIO1, 0x10002000

        .include "virtio-mmio.inc"

        # our rings and buffers, in RAM
        .equ DESC, 0x80100000
        .equ AVAIL, 0x80101000
        .equ USED, 0x80102000
        .equ HDR, 0x80110000
        .equ DATA, 0x80111000
        .equ STAT, 0x80112000
        .equ QSIZE, 8

        .equ F_NEXT, 1
        .equ F_WRITE, 2
        .equ F_INDIRECT, 4
        .equ T_IN, 0
        .equ T_OUT, 1

        .section .text.init, "ax"
        .globl _start
_start:
        csrr t0, mhartid
        bnez t0, park
        la sp, stack_top
        la t0, trap
        csrw mtvec, t0
        la a0, s_hello
        call puts

        # --- sanity: a good write and its read-back on the read-write disk
        li a0, MMIO0
        call init
        li t0, DATA
        li t1, DATA + 512
        li t2, 0x5a
1:      sb t2, 0(t0)
        addi t0, t0, 1
        bltu t0, t1, 1b
        li a0, T_OUT
        li a1, 0
        call hdr
        li a0, 0
        li a1, 512
        li a2, DATA
        call chain3
        la a0, s_write_ok
        call report
        li t0, DATA
        sb zero, 0(t0)
        li a0, T_IN
        li a1, 0
        call hdr
        li a0, F_WRITE
        li a1, 512
        li a2, DATA
        call chain3
        la a0, s_read_ok
        call report
        la a0, s_readback
        call puts
        li t0, DATA
        lbu a0, 0(t0)
        li a1, 2
        call puthex
        call newline

        # --- answered with an error status: the device stays usable
        li a0, T_OUT                    # far past the end of the disk
        li a1, -1
        srli a1, a1, 1
        call hdr
        li a0, 0
        li a1, 512
        li a2, DATA
        call chain3
        la a0, s_past_end
        call report

        li a0, T_IN                     # a length that is not a whole sector
        li a1, 0
        call hdr
        li a0, F_WRITE
        li a1, 100
        li a2, DATA
        call chain3
        la a0, s_ragged
        call report

        li a0, T_IN                     # a read whose data buffer is device-readable
        li a1, 0
        call hdr
        li a0, 0
        li a1, 512
        li a2, DATA
        call chain3
        la a0, s_swapped_data
        call report

        li a0, MMIO1                    # a write to the read-only disk
        call init
        li a0, T_OUT
        li a1, 0
        call hdr
        li a0, 0
        li a1, 512
        li a2, DATA
        call chain3
        la a0, s_ro_write
        call report

        # --- unanswerable: the device sets DEVICE_NEEDS_RESET; we reset it each time
        li a0, MMIO0                    # a data buffer outside RAM
        call init
        li a0, T_OUT
        li a1, 0
        call hdr
        li a0, 0
        li a1, 512
        li a2, 0x1000
        call chain3
        la a0, s_outside_ram
        call report

        li a0, MMIO0                    # a length far larger than RAM
        call init
        li a0, T_OUT
        li a1, 0
        call hdr
        li a0, 0
        li a1, 0xfffffff0
        li a2, DATA
        call chain3
        la a0, s_huge_len
        call report

        li a0, MMIO0                    # a chain that loops: 0 -> 1 -> 0
        call init
        li a0, T_OUT
        li a1, 0
        call hdr
        li a0, 0
        li a1, HDR
        li a2, 16
        li a3, F_NEXT
        li a4, 1
        call set_desc
        li a0, 1
        li a1, DATA
        li a2, 512
        li a3, F_NEXT
        li a4, 0
        call set_desc
        li a0, 0
        call kick
        la a0, s_loop
        call report

        li a0, MMIO0                    # the header device-writable, data readable after it
        call init
        li a0, T_OUT
        li a1, 0
        call hdr
        li a0, 0
        li a1, HDR
        li a2, 16
        li a3, F_WRITE | F_NEXT
        li a4, 1
        call set_desc
        li a0, 1
        li a1, DATA
        li a2, 512
        li a3, F_NEXT
        li a4, 2
        call set_desc
        li a0, 2
        li a1, STAT
        li a2, 1
        li a3, F_WRITE
        li a4, 0
        call set_desc
        li a0, 0
        call kick
        la a0, s_swapped_flags
        call report

        li a0, MMIO0                    # a head index past the queue size
        call init
        li a0, 200
        call kick
        la a0, s_bad_head
        call report

        li a0, MMIO0                    # avail.idx far ahead of what was made available
        call init
        addi s1, s1, 100
        li a0, 0
        call kick
        la a0, s_bad_avail
        call report

        li a0, MMIO0                    # an indirect descriptor without VIRTIO_F_INDIRECT_DESC
        call init
        li a0, 0
        li a1, DATA
        li a2, 32
        li a3, F_INDIRECT
        li a4, 0
        call set_desc
        li a0, 0
        call kick
        la a0, s_indirect
        call report

        # --- a queue size that is not a power of 2: QueueReady stays 0, NEEDS_RESET
        li a0, MMIO0
        call init_features
        sw zero, R_QSEL(s0)
        li t0, 6
        sw t0, R_QNUM(s0)
        call ring_addrs
        li t0, 1
        sw t0, R_QREADY(s0)
        la a0, s_qsize
        call puts
        lw a0, R_QREADY(s0)
        li a1, 1
        call puthex
        la a0, s_dev
        call puts
        lw a0, R_STATUS(s0)
        li a1, 2
        call puthex
        call newline

        # --- notifications on queues never set up, before and after DRIVER_OK: ignored
        sw zero, R_STATUS(s0)
        sw zero, R_QNOTIFY(s0)
        li a0, MMIO0
        call init
        li t0, 3
        sw t0, R_QNOTIFY(s0)
        li t0, 0xffff
        sw t0, R_QNOTIFY(s0)
        la a0, s_stray_notify
        call report

        # --- after all that, the device still serves a good request
        li a0, MMIO0
        call init
        li a0, T_OUT
        li a1, 1
        call hdr
        li a0, 0
        li a1, 512
        li a2, DATA
        call chain3
        la a0, s_recovered
        call report

        la a0, s_done
        call puts
        li t0, FINISHER
        li t1, 0x5555
        sw t1, 0(t0)
park:   wfi
        j park

# init(a0 = device base): reset, negotiate VERSION_1 only, queue 0 of QSIZE at our rings,
# DRIVER_OK. Sets s0 = base, s1 = our avail index (0).
init:
        addi sp, sp, -16
        sd ra, 0(sp)
        call init_features
        sw zero, R_QSEL(s0)
        li t0, QSIZE
        sw t0, R_QNUM(s0)
        call ring_addrs
        li t0, 1
        sw t0, R_QREADY(s0)
        li t0, 0xf
        sw t0, R_STATUS(s0)
        ld ra, 0(sp)
        addi sp, sp, 16
        ret

# init_features(a0 = base): reset, clear our rings, ACK, DRIVER, VERSION_1, FEATURES_OK.
init_features:
        mv s0, a0
        sw zero, R_STATUS(s0)
        li t0, DESC
        li t1, DESC + 0x3000
1:      sd zero, 0(t0)
        addi t0, t0, 8
        bltu t0, t1, 1b
        li s1, 0
        li t0, 1
        sw t0, R_STATUS(s0)
        li t0, 3
        sw t0, R_STATUS(s0)
        li t0, 1
        sw t0, R_DRV_FEAT_SEL(s0)
        sw t0, R_DRV_FEAT(s0)            # bit 32: VERSION_1
        sw zero, R_DRV_FEAT_SEL(s0)
        sw zero, R_DRV_FEAT(s0)
        li t0, 0xb
        sw t0, R_STATUS(s0)
        ret

ring_addrs:
        li t0, DESC
        sw t0, R_DESC_LO(s0)
        sw zero, R_DESC_HI(s0)
        li t0, AVAIL
        sw t0, R_AVAIL_LO(s0)
        sw zero, R_AVAIL_HI(s0)
        li t0, USED
        sw t0, R_USED_LO(s0)
        sw zero, R_USED_HI(s0)
        ret

# set_desc(a0 = index, a1 = addr, a2 = len, a3 = flags, a4 = next)
set_desc:
        li t0, DESC
        slli t1, a0, 4
        add t0, t0, t1
        sd a1, 0(t0)
        sw a2, 8(t0)
        sh a3, 12(t0)
        sh a4, 14(t0)
        ret

# hdr(a0 = type, a1 = sector): the request header; the status byte preset to 0xee.
hdr:
        li t0, HDR
        sw a0, 0(t0)
        sw zero, 4(t0)
        sd a1, 8(t0)
        li t0, STAT
        li t1, 0xee
        sb t1, 0(t0)
        ret

# chain3(a0 = data flags, a1 = data len, a2 = data addr): header, data, status; kick it.
chain3:
        addi sp, sp, -32
        sd ra, 0(sp)
        sd a0, 8(sp)
        sd a1, 16(sp)
        sd a2, 24(sp)
        li a0, 0
        li a1, HDR
        li a2, 16
        li a3, F_NEXT
        li a4, 1
        call set_desc
        li a0, 1
        ld a1, 24(sp)
        ld a2, 16(sp)
        ld a3, 8(sp)
        ori a3, a3, F_NEXT
        li a4, 2
        call set_desc
        li a0, 2
        li a1, STAT
        li a2, 1
        li a3, F_WRITE
        li a4, 0
        call set_desc
        li a0, 0
        call kick
        ld ra, 0(sp)
        addi sp, sp, 32
        ret

# kick(a0 = head): make it available and notify queue 0. The device serves it during
# the notify store, so the used ring is up to date right after.
kick:
        li t0, AVAIL
        andi t1, s1, QSIZE - 1
        slli t1, t1, 1
        add t1, t1, t0
        sh a0, 4(t1)
        addi s1, s1, 1
        fence w, w
        sh s1, 2(t0)
        fence w, o
        sw zero, R_QNOTIFY(s0)
        ret

# report(a0 = step name): "<name> status=SS dev=DD used=UUUU\n"
report:
        addi sp, sp, -16
        sd ra, 0(sp)
        call puts
        la a0, s_status
        call puts
        li t0, STAT
        lbu a0, 0(t0)
        li a1, 2
        call puthex
        la a0, s_dev
        call puts
        lw a0, R_STATUS(s0)
        li a1, 2
        call puthex
        la a0, s_used
        call puts
        li t0, USED
        lhu a0, 2(t0)
        li a1, 4
        call puthex
        call newline
        ld ra, 0(sp)
        addi sp, sp, 16
        ret

        .include "console.inc"

# Nothing here should trap: say so and fail the run (finisher code 2).
        .balign 4
trap:
        la a0, s_trap
        call puts
        csrr a0, mcause
        li a1, 4
        call puthex
        call newline
        li t0, FINISHER
        li t1, (2 << 16) | 0x3333
        sw t1, 0(t0)
        j park

        .section .rodata
hexdigits:      .ascii "0123456789abcdef"
s_hello:        .asciz "hostile: start\n"
s_done:         .asciz "hostile: done\n"
s_trap:         .asciz "hostile: unexpected trap, mcause "
s_status:       .asciz " status="
s_dev:          .asciz " dev="
s_used:         .asciz " used="
s_readback:     .asciz "readback="
s_write_ok:     .asciz "write-ok"
s_read_ok:      .asciz "read-ok"
s_past_end:     .asciz "past-end"
s_ragged:       .asciz "ragged-length"
s_swapped_data: .asciz "read-into-readable"
s_ro_write:     .asciz "write-read-only"
s_outside_ram:  .asciz "outside-ram"
s_huge_len:     .asciz "huge-length"
s_loop:         .asciz "loop"
s_swapped_flags: .asciz "swapped-flags"
s_bad_head:     .asciz "bad-head"
s_bad_avail:    .asciz "bad-avail-idx"
s_indirect:     .asciz "indirect-not-negotiated"
s_qsize:        .asciz "queue-size-6 qready="
s_stray_notify: .asciz "stray-notify"
s_recovered:    .asciz "recovered"

        .section .bss
        .balign 16
stack:  .space 4096
stack_top:
