# A hostile 9P client: bare metal, M-mode, one hart, polling, for
# test/boot/hostile-9p.test.ts. It drives the virtio-9p device in virtio-mmio slot 0
# (0x10001000) with raw 9P2000.L messages, each one chain: the T-message (device-readable,
# straight from the table below) and a 4 KiB reply buffer (device-writable). The messages
# try to leave the share: walks through a host symlink, ".." at the root, names with "/",
# opening a symlink, creating "../escape", 17-name walks, and lie about their sizes. After
# each it prints one line
#     <step> R=TT BB BB ...
# (TT the reply's type, 07 for Rlerror; then up to 24 bytes of the reply's body in hex),
# and ends with "hostile-9p: done" and a poweroff through the test finisher.
# Build: ../build.sh (GNU binutils for riscv64).

        .option norvc
        .equ UART, 0x10000000
        .equ FINISHER, 0x100000
        .equ MMIO0, 0x10001000

        .include "virtio-mmio.inc"

        .equ DESC, 0x80100000
        .equ AVAIL, 0x80101000
        .equ USED, 0x80102000
        .equ REPLY, 0x80110000
        .equ QSIZE, 8
        .equ F_NEXT, 1
        .equ F_WRITE, 2
        .equ SHOWN, 24                  # body bytes printed per reply

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
        li s0, MMIO0
        lw t0, R_DEVICE_ID(s0)
        li t1, 9
        bne t0, t1, no_device

        # reset; ACK, DRIVER; features VERSION_1 (bit 32) and MOUNT_TAG (bit 0); FEATURES_OK
        sw zero, R_STATUS(s0)
        li t0, 3
        sw t0, R_STATUS(s0)
        li t0, 1
        sw t0, R_DRV_FEAT_SEL(s0)
        sw t0, R_DRV_FEAT(s0)
        sw zero, R_DRV_FEAT_SEL(s0)
        sw t0, R_DRV_FEAT(s0)
        li t0, 0xb
        sw t0, R_STATUS(s0)
        sw zero, R_QSEL(s0)
        li t0, QSIZE
        sw t0, R_QNUM(s0)
        li t0, DESC
        sw t0, R_DESC_LO(s0)
        sw zero, R_DESC_HI(s0)
        li t0, AVAIL
        sw t0, R_AVAIL_LO(s0)
        sw zero, R_AVAIL_HI(s0)
        li t0, USED
        sw t0, R_USED_LO(s0)
        sw zero, R_USED_HI(s0)
        li t0, 1
        sw t0, R_QREADY(s0)
        li t0, 0xf
        sw t0, R_STATUS(s0)
        li s1, 0                        # our avail index

        # the steps: (name, message, message length) triples until a zero name
        la s2, steps
next_step:
        ld a0, 0(s2)
        beqz a0, done
        call puts
        ld a0, 8(s2)
        ld a1, 16(s2)
        call send
        call show
        addi s2, s2, 24
        j next_step

done:
        la a0, s_done
        call puts
        li t0, FINISHER
        li t1, 0x5555
        sw t1, 0(t0)
park:   wfi
        j park

no_device:
        la a0, s_no_device
        call puts
        li t0, FINISHER
        li t1, (3 << 16) | 0x3333
        sw t1, 0(t0)
        j park

# send(a0 = message, a1 = length): descriptor 0 the message, 1 the reply buffer (cleared
# to 0xee); make the chain available, notify, and wait for used.idx to move.
send:
        li t0, REPLY
        li t1, REPLY + 4096
        li t2, 0xee
1:      sb t2, 0(t0)
        addi t0, t0, 1
        bltu t0, t1, 1b
        li t0, DESC
        sd a0, 0(t0)
        sw a1, 8(t0)
        li t1, F_NEXT
        sh t1, 12(t0)
        li t1, 1
        sh t1, 14(t0)
        li t1, REPLY
        sd t1, 16(t0)
        li t1, 4096
        sw t1, 24(t0)
        li t1, F_WRITE
        sh t1, 28(t0)
        sh zero, 30(t0)
        li t0, AVAIL
        andi t1, s1, QSIZE - 1
        slli t1, t1, 1
        add t1, t1, t0
        sh zero, 4(t1)
        addi s1, s1, 1
        fence w, w
        sh s1, 2(t0)
        fence w, o
        sw zero, R_QNOTIFY(s0)
        li t0, USED
        slli t2, s1, 48
        srli t2, t2, 48
2:      fence r, r
        lhu t1, 2(t0)
        bne t1, t2, 2b
        ret

# show: " R=TT" then the first SHOWN body bytes of the reply (or fewer, as its size says).
show:
        addi sp, sp, -32
        sd ra, 0(sp)
        sd s3, 8(sp)
        sd s4, 16(sp)
        la a0, s_r
        call puts
        li t0, REPLY
        lbu a0, 4(t0)
        li a1, 2
        call puthex
        li t0, REPLY
        lwu s4, 0(t0)                   # the reply's size
        addi s4, s4, -7
        li t1, SHOWN
        bleu s4, t1, 1f
        mv s4, t1
1:      li s3, 0
2:      bge s3, s4, 3f
        li a0, 32
        call putc
        li t0, REPLY + 7
        add t0, t0, s3
        lbu a0, 0(t0)
        li a1, 2
        call puthex
        addi s3, s3, 1
        j 2b
3:      call newline
        ld ra, 0(sp)
        ld s3, 8(sp)
        ld s4, 16(sp)
        addi sp, sp, 32
        ret

        .include "console.inc"

# Nothing here should trap: say so and fail the run (finisher code 2).
        .balign 4
trap:
        la a0, s_trap
        call puts
        li t0, FINISHER
        li t1, (2 << 16) | 0x3333
        sw t1, 0(t0)
        j park

        .section .rodata
# --- 9P2000.L messages: size[4] type[1] tag[2] body; strings len[2] bytes.
        .macro str s
        .short 2f - 1f
1:      .ascii "\s"
2:
        .endm
        .macro msg name, type, tag
\name:  .word \name\()_end - \name
        .byte \type
        .short \tag
        .endm
        .macro end name
\name\()_end:
        .endm
        .macro step name, label
        .pushsection .rodata.names
3:      .asciz "\name"
        .popsection
        .dword 3b, \label, \label\()_end - \label
        .endm

        .balign 8
steps:
        step version, m_version
        step attach, m_attach
        step walk-through-symlink, m_walk_link
        step partial-walk-made-no-fid, m_getattr1
        step dotdot-at-root, m_walk_dotdot
        step open-after-dotdot, m_lopen2
        step read-after-dotdot, m_read2
        step walk-name-with-slash, m_walk_slash
        step walk-name-dotdot-slash, m_walk_dotslash
        step walk-to-file-link, m_walk_filelink
        step open-file-link, m_lopen3
        step readlink-file-link, m_readlink3
        step walk-17-names, m_walk17
        step clone-root, m_walk_clone
        step create-dotdot-escape, m_lcreate_escape
        step mkdir-with-slash, m_mkdir_slash
        step symlink-dotdot, m_symlink_dotdot
        step rename-onto-dotdot, m_renameat_dotdot
        step unlink-dotdot, m_unlink_dotdot
        step mknod-fifo, m_mknod
        step size-lies, m_lie
        step string-past-end, m_strpast
        step unknown-fid, m_unknown_fid
        step reuse-fid, m_reuse
        step read-after-all, m_read2b
        .dword 0, 0, 0


        msg m_version, 100, 0xffff
        .word 8192
        str "9P2000.L"
        end m_version
        msg m_attach, 104, 1
        .word 0, 0xffffffff
        str "root"
        str ""
        .word 0
        end m_attach
        msg m_walk_link, 110, 2                 # fid 0 -> 1: out-dir/secret, out-dir a host symlink to outside
        .word 0, 1
        .short 2
        str "out-dir"
        str "secret"
        end m_walk_link
        msg m_getattr1, 24, 3
        .word 1
        .dword 0x7ff
        end m_getattr1
        msg m_walk_dotdot, 110, 4               # fid 0 -> 2: .., .., hello (the root's hello, not its parent's)
        .word 0, 2
        .short 3
        str ".."
        str ".."
        str "hello"
        end m_walk_dotdot
        msg m_lopen2, 12, 5
        .word 2, 0
        end m_lopen2
        msg m_read2, 116, 6
        .word 2
        .dword 0
        .word 16
        end m_read2
        msg m_walk_slash, 110, 7                # one name holding "/"
        .word 0, 3
        .short 1
        str "out-dir/secret"
        end m_walk_slash
        msg m_walk_dotslash, 110, 8
        .word 0, 3
        .short 1
        str "../hello"
        end m_walk_dotslash
        msg m_walk_filelink, 110, 9             # fid 0 -> 3: out-file, a host symlink to a file outside
        .word 0, 3
        .short 1
        str "out-file"
        end m_walk_filelink
        msg m_lopen3, 12, 10
        .word 3, 0
        end m_lopen3
        msg m_readlink3, 22, 11
        .word 3
        end m_readlink3
        msg m_walk17, 110, 12
        .word 0, 4
        .short 17
        .rept 17
        str ".."
        .endr
        end m_walk17
        msg m_walk_clone, 110, 13               # fid 0 -> 5: the root again
        .word 0, 5
        .short 0
        end m_walk_clone
        msg m_lcreate_escape, 14, 14
        .word 5
        str "../escape"
        .word 2, 0644, 0
        end m_lcreate_escape
        msg m_mkdir_slash, 72, 15
        .word 5
        str "a/b"
        .word 0755, 0
        end m_mkdir_slash
        msg m_symlink_dotdot, 16, 16
        .word 5
        str ".."
        str "/"
        .word 0
        end m_symlink_dotdot
        msg m_renameat_dotdot, 74, 17
        .word 5
        str "hello"
        .word 5
        str ".."
        end m_renameat_dotdot
        msg m_unlink_dotdot, 76, 18
        .word 5
        str ".."
        .word 0x200
        end m_unlink_dotdot
        msg m_mknod, 18, 19
        .word 5
        str "fifo"
        .word 010644, 0, 0, 0
        end m_mknod
m_lie:  .word 60000                             # a Tgetattr whose size says 60000
        .byte 24
        .short 20
        .word 0
        .dword 0x7ff
m_lie_end:
        msg m_strpast, 110, 21                  # a name whose length runs past the message
        .word 0, 6
        .short 1
        .short 300
        .ascii "abc"
        end m_strpast
        msg m_unknown_fid, 24, 22
        .word 777
        .dword 0x7ff
        end m_unknown_fid
        msg m_reuse, 104, 23                    # attach onto fid 2, already in use
        .word 2, 0xffffffff
        str ""
        str ""
        .word 0
        end m_reuse
        msg m_read2b, 116, 24
        .word 2
        .dword 0
        .word 100000                            # more than msize: clamped
        end m_read2b

hexdigits:      .ascii "0123456789abcdef"
s_hello:        .asciz "hostile-9p: start\n"
s_done:         .asciz "hostile-9p: done\n"
s_no_device:    .asciz "hostile-9p: no virtio-9p device in mmio slot 0\n"
s_trap:         .asciz "hostile-9p: unexpected trap\n"
s_r:            .asciz " R="

        .section .bss
        .balign 16
stack:  .space 4096
stack_top:
