# mmio-scan: a bare-metal virtio-blk driver written as for QEMU's virt machine (Bulkhead
# issue 9). It does not read the device tree: it scans the eight virtio-mmio slots at
# 0x1000_1000 + i*0x1000 and takes the one whose DeviceID is 2 (block), as drivers written
# for QEMU do. Spec: Virtio 1.2 §4.2.2 (mmio registers), §4.2.3.1 (initialization), §2.7
# (split virtqueue), §5.2.6 (block requests).
#
# Every slot must answer MagicValue "virt" and Version 2 (modern; QEMU: with
# -global virtio-mmio.force-legacy=false). A slot with DeviceID 0 has no device: it must
# keep no state, so the program writes Status, QueueSel and DeviceFeaturesSel there and
# reads each back as 0. Then it brings the disk up (one queue of 8, polled, no
# interrupts), reads sector 0 and checks it starts with "bulkhead-sector0", prints the
# sector's first 32 bytes and "mmio-scan: PASS", and powers off through the test finisher
# (a failure: a line saying what, then the finisher's fail code 1).
        .include "common.inc"

        .equ SLOTS, 0x10001000
        .equ SLOT_SIZE, 0x1000
        .equ NSLOTS, 8
        .equ MAGIC_VALUE, 0x000
        .equ VERSION, 0x004
        .equ DEVICE_ID, 0x008
        .equ DEVICE_FEATURES, 0x010
        .equ DEVICE_FEATURES_SEL, 0x014
        .equ DRIVER_FEATURES, 0x020
        .equ DRIVER_FEATURES_SEL, 0x024
        .equ QUEUE_SEL, 0x030
        .equ QUEUE_NUM_MAX, 0x034
        .equ QUEUE_NUM, 0x038
        .equ QUEUE_READY, 0x044
        .equ QUEUE_NOTIFY, 0x050
        .equ STATUS, 0x070
        .equ QUEUE_DESC_LOW, 0x080
        .equ QUEUE_DESC_HIGH, 0x084
        .equ QUEUE_AVAIL_LOW, 0x090
        .equ QUEUE_AVAIL_HIGH, 0x094
        .equ QUEUE_USED_LOW, 0x0a0
        .equ QUEUE_USED_HIGH, 0x0a4
        .equ VIRT_MAGIC, 0x74726976     # "virt"
        .equ ID_BLOCK, 2
        .equ S_ACK, 1
        .equ S_DRIVER, 2
        .equ S_DRIVER_OK, 4
        .equ S_FEATURES_OK, 8
        .equ QSIZE, 8
        .equ DESC_F_NEXT, 1
        .equ DESC_F_WRITE, 2
        .equ BLK_T_IN, 0
        .equ POLL_LIMIT, 10000000

        .text
main:   lla a0, s_start
        call puts
        li s1, SLOTS                    # slot address
        li s2, 0                        # slot index
        li s3, 0                        # the block slot's address (0: none yet)
        li s4, 0                        # empty slots checked
scan:   lw t0, MAGIC_VALUE(s1)
        li t1, VIRT_MAGIC
        bne t0, t1, bad_magic
        lw t0, VERSION(s1)
        li t1, 2
        bne t0, t1, bad_version
        lw t0, DEVICE_ID(s1)
        beqz t0, empty
        li t1, ID_BLOCK
        bne t0, t1, next
        bnez s3, next                   # the first disk found is the one
        mv s3, s1
        lla a0, s_found
        call puts
        addi a0, s2, '0'
        call putc
        call newline
        j next
empty:  li t0, -1                       # an empty slot keeps nothing
        sw t0, STATUS(s1)
        sw t0, QUEUE_SEL(s1)
        sw t0, DEVICE_FEATURES_SEL(s1)
        lw t0, STATUS(s1)
        bnez t0, stateful
        lw t0, QUEUE_SEL(s1)
        bnez t0, stateful
        lw t0, DEVICE_FEATURES(s1)
        bnez t0, stateful
        addi s4, s4, 1
next:   addi s2, s2, 1
        li t0, SLOT_SIZE
        add s1, s1, t0
        li t0, NSLOTS
        bltu s2, t0, scan
        lla a0, s_empty
        call puts
        addi a0, s4, '0'
        call putc
        lla a0, s_empty2
        call puts
        beqz s3, no_disk

# Device initialization (§3.1.1): reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue, DRIVER_OK.
        sw zero, STATUS(s3)
        li t0, S_ACK
        sw t0, STATUS(s3)
        li t0, S_ACK | S_DRIVER
        sw t0, STATUS(s3)
        li t0, 1                        # features 32..63: VIRTIO_F_VERSION_1 (bit 32) only
        sw t0, DRIVER_FEATURES_SEL(s3)
        sw t0, DRIVER_FEATURES(s3)
        sw zero, DRIVER_FEATURES_SEL(s3)
        sw zero, DRIVER_FEATURES(s3)
        li t0, S_ACK | S_DRIVER | S_FEATURES_OK
        sw t0, STATUS(s3)
        lw t1, STATUS(s3)
        andi t1, t1, S_FEATURES_OK
        beqz t1, no_features
        sw zero, QUEUE_SEL(s3)
        lw t1, QUEUE_NUM_MAX(s3)
        li t2, QSIZE
        bltu t1, t2, small_queue
        sw t2, QUEUE_NUM(s3)
        lla t1, desc
        sw t1, QUEUE_DESC_LOW(s3)
        srli t1, t1, 32
        sw t1, QUEUE_DESC_HIGH(s3)
        lla t1, avail
        sw t1, QUEUE_AVAIL_LOW(s3)
        srli t1, t1, 32
        sw t1, QUEUE_AVAIL_HIGH(s3)
        lla t1, used
        sw t1, QUEUE_USED_LOW(s3)
        srli t1, t1, 32
        sw t1, QUEUE_USED_HIGH(s3)
        li t1, 1
        sw t1, QUEUE_READY(s3)
        li t0, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK
        sw t0, STATUS(s3)

# One request (§5.2.6): header (device-readable), 512 data bytes and a status byte (device-writable).
        lla t0, header
        li t1, BLK_T_IN
        sw t1, 0(t0)                    # type
        sw zero, 4(t0)                  # reserved
        sd zero, 8(t0)                  # sector 0
        lla t1, desc
        sd t0, 0(t1)                    # desc 0: the header
        li t2, 16
        sw t2, 8(t1)
        li t2, DESC_F_NEXT
        sh t2, 12(t1)
        li t2, 1
        sh t2, 14(t1)
        lla t0, sector
        sd t0, 16(t1)                   # desc 1: the data
        li t2, 512
        sw t2, 24(t1)
        li t2, DESC_F_NEXT | DESC_F_WRITE
        sh t2, 28(t1)
        li t2, 2
        sh t2, 30(t1)
        lla t0, status
        li t2, 0xff
        sb t2, 0(t0)
        sd t0, 32(t1)                   # desc 2: the status
        li t2, 1
        sw t2, 40(t1)
        li t2, DESC_F_WRITE
        sh t2, 44(t1)
        sh zero, 46(t1)
        lla t1, avail
        sh zero, 0(t1)                  # flags
        sh zero, 4(t1)                  # ring[0] = head 0
        fence rw, rw
        li t2, 1
        sh t2, 2(t1)                    # idx = 1
        fence rw, rw
        sw zero, QUEUE_NOTIFY(s3)
        lla t1, used
        li t3, POLL_LIMIT
1:      lhu t2, 2(t1)                   # used idx
        bnez t2, 2f
        addi t3, t3, -1
        bnez t3, 1b
        j timeout
2:      fence rw, rw
        lla t0, status
        lbu t0, 0(t0)
        bnez t0, io_error
        lla a0, s_sector
        call puts
        lla s5, sector                  # its first 32 bytes, printable ones as they are
        li s6, 32
3:      lbu a0, 0(s5)
        li t0, 0x20
        bltu a0, t0, 4f
        li t0, 0x7f
        bltu a0, t0, 5f
4:      li a0, '.'
5:      call putc
        addi s5, s5, 1
        addi s6, s6, -1
        bnez s6, 3b
        li a0, 0x27                     # '
        call putc
        call newline
        lla s5, sector                  # it must start with the expected text
        lla s6, expected
6:      lbu t1, 0(s6)
        beqz t1, pass
        lbu t0, 0(s5)
        bne t0, t1, wrong_data
        addi s5, s5, 1
        addi s6, s6, 1
        j 6b

pass:   lla a0, s_pass
        call puts
        li t0, FINISHER
        li t1, FINISHER_PASS
        sw t1, 0(t0)
        j park

bad_magic:   lla a0, e_magic
        j fail
bad_version: lla a0, e_version
        j fail
stateful:    lla a0, e_stateful
        j fail
no_disk:     lla a0, e_no_disk
        j fail
no_features: lla a0, e_features
        j fail
small_queue: lla a0, e_queue
        j fail
timeout:     lla a0, e_timeout
        j fail
io_error:    lla a0, e_io
        j fail
wrong_data:  lla a0, e_data
fail:   call puts
        lla a0, s_at_slot
        call puts
        addi a0, s2, '0'
        call putc
        call newline
        lla a0, s_fail
        call puts
        li t0, FINISHER
        li t1, (1 << 16) | 0x3333       # fail, code 1
        sw t1, 0(t0)
        j park

# putc(a0 = byte): clobbers t0-t1
putc:   li t0, UART
1:      lbu t1, UART_LSR(t0)
        andi t1, t1, LSR_THRE
        beqz t1, 1b
        sb a0, 0(t0)
        ret

newline:
        addi sp, sp, -16
        sd ra, 0(sp)
        li a0, '\n'
        call putc
        ld ra, 0(sp)
        addi sp, sp, 16
        ret

        .section .rodata
s_start:     .asciz "mmio-scan: scanning the virtio-mmio slots\n"
s_found:     .asciz "mmio-scan: a block device in slot "
s_empty:     .asciz "mmio-scan: "
s_empty2:    .asciz " empty slots answered no-device and kept nothing\n"
s_sector:    .asciz "mmio-scan: sector 0 reads '"
s_pass:      .asciz "mmio-scan: PASS\n"
s_fail:      .asciz "mmio-scan: FAIL\n"
s_at_slot:   .asciz " at slot index "
expected:    .asciz "bulkhead-sector0"
e_magic:     .asciz "mmio-scan: a slot's MagicValue is not 'virt'"
e_version:   .asciz "mmio-scan: a slot's Version is not 2"
e_stateful:  .asciz "mmio-scan: an empty slot kept a value written to it"
e_no_disk:   .asciz "mmio-scan: no slot holds a block device"
e_features:  .asciz "mmio-scan: the disk refused VIRTIO_F_VERSION_1 alone (FEATURES_OK did not stick)"
e_queue:     .asciz "mmio-scan: the disk's queue 0 holds fewer than 8 entries"
e_timeout:   .asciz "mmio-scan: the disk did not complete the read"
e_io:        .asciz "mmio-scan: the read completed with an error status"
e_data:      .asciz "mmio-scan: sector 0 does not start with bulkhead-sector0"

        .bss
        .balign 4096
desc:   .space 16 * QSIZE
        .balign 4096
avail:  .space 6 + 2 * QSIZE
        .balign 4096
used:   .space 6 + 8 * QSIZE
        .balign 16
header: .space 16
sector: .space 512
status: .space 1
