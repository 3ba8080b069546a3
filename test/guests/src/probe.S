# probe: proves that a VM reaches nothing but its own RAM and devices (Bulkhead issue 4).
#
# It learns what it owns from the device tree the machine hands it in a1: every `reg`
# (RAM is the node with device_type "memory") and every non-empty `ranges` (the PCIe
# window), plus the boot ROM at 0x1000 that started it (QEMU virt's mask ROM, which the
# device tree does not list) and the eight virtio-mmio slots at 0x1000_1000 (as on QEMU
# virt, a slot with no device answers "no device": magic, version 2, device ID 0; the
# tree lists only populated ones; test/guests/src/mmio-scan.S checks that an empty slot
# keeps no state). Then, for every probed address outside those, it runs an
# AMO, a load, a store and a jump there, each expecting an access fault (mcause 7, 5, 7,
# 1) whose mtval is that address; anything else (data, a store taken, a fetch that runs,
# another cause) is a leak, printed and counted. Which addresses, and why they cover the
# whole map:
#
# - dense, [0, 2^33): each hole between own regions at its first byte, at every 4 KiB
#   page start inside it, and at its last word. Every region Bulkhead's bus or hart can
#   map starts on a 4 KiB boundary (memmap.ts, BARs inside the PCIe window, RAM) and lies
#   below 0x8000_0000 + 4 GiB (RAM is at most 3.5 GiB, guest RAM being a wasm32 memory):
#   a page start of any foreign region is probed. The range also holds where other VMs'
#   RAM would sit in a flat layout of the board's memory (from 0x8000_0000 on).
# - sparse, above 2^33: for k = 33..63, the two ends of [2^k, 2^(k+1)), and each own
#   region's base plus 2^k and minus 2^k (mod 2^64): an implementation that dropped
#   address bits from k up, or sign-extended a short address, would reach an own region
#   through one of these aliases and answer with data.
# - across the end of RAM: a load, a store and an instruction that begin inside RAM and
#   end past it must fault at the first byte past it (a bounds check of the first byte
#   only would let them through).
#
# Positive controls, so that it cannot pass by faulting on everything: it reads every
# word of its RAM (and counts words holding the pattern test/guests fill writes into its
# own RAM: there must be none) and one word at the base of each own device; these must
# not fault. It prints what it owned and probed, then "probe: PASS" or "probe: FAIL",
# and exits through the test finisher (pass, or fail with code 1).
        .option norvc                   # the trap handler skips a faulting load or store as 4 bytes
        .include "common.inc"
        .include "pattern.inc"

# be32 rd, base: rd = the big-endian 32-bit word at 0(base). Clobbers t5.
        .macro be32 rd, base
        lbu \rd, 0(\base)
        lbu t5, 1(\base)
        slli \rd, \rd, 8
        or \rd, \rd, t5
        lbu t5, 2(\base)
        slli \rd, \rd, 8
        or \rd, \rd, t5
        lbu t5, 3(\base)
        slli \rd, \rd, 8
        or \rd, \rd, t5
        .endm

        .equ ROM_BASE, 0x1000
        .equ ROM_SIZE, 0x1000
        .equ SLOTS_BASE, 0x10001000
        .equ SLOTS_SIZE, 0x8000
        .equ DENSE_END, 0x200000000     # 2^33
        .equ PAGE, 0x1000
        .equ MAX_REGIONS, 32
        .equ KIND_RAM, 0
        .equ KIND_DEVICE, 1
        .equ KIND_ROM, 2
        .equ KIND_SLOTS, 3
        .equ CAUSE_FETCH, 1
        .equ CAUSE_LOAD, 5
        .equ CAUSE_STORE, 7
        .equ MAX_REPORTS, 16            # leaks printed in full; all are counted
        .equ FINISHER_FAIL1, 0x13333

        # counters, 8 bytes each at `counts`
        .equ C_PROBES, 0
        .equ C_LOAD, 8
        .equ C_STORE, 16
        .equ C_FETCH, 24
        .equ C_LEAKS, 32
        .equ C_AMO, 40

        # a device tree node's frame (fdt_parse), one per depth
        .equ F_AC, 0                    # its #address-cells (default 2)
        .equ F_SC, 8                    # its #size-cells (default 1)
        .equ F_REG, 16                  # its reg: value address, length
        .equ F_REGLEN, 24
        .equ F_RANGES, 32               # its ranges: value address, length
        .equ F_RANGESLEN, 40
        .equ F_MEMORY, 48               # device_type = "memory"
        .equ FRAME, 64
        .equ MAX_DEPTH, 16

        .text
main:   mv s0, a1
        lla t0, trap
        csrw mtvec, t0
        li s9, 0                        # no probe in flight: any trap is a bug
        lla a0, s_start
        call puts
        mv a0, s0
        call fdt_parse
        li a0, ROM_BASE
        li a1, ROM_BASE + ROM_SIZE
        li a2, KIND_ROM
        call add_region
        li a0, SLOTS_BASE
        li a1, SLOTS_BASE + SLOTS_SIZE
        li a2, KIND_SLOTS
        call add_region
        call sort_regions
        call print_regions
        call control
        call dense
        call straddle
        call sparse
        j summary

# ---- probing -------------------------------------------------------------------------

# trap: while a probe is in flight (s9 = 1), record mcause in s10 and mtval in s11 and
# resume after the access: past a load or store, or at ra after a jump.
        .balign 4
trap:   beqz s9, unexpected
        li s9, 0
        csrr s10, mcause
        csrr s11, mtval
        li t6, CAUSE_FETCH
        beq s10, t6, 1f
        csrr t6, mepc
        addi t6, t6, 4
        csrw mepc, t6
        mret
1:      csrw mepc, ra
        mret
unexpected:
        lla a0, s_unexpected
        call puts
        csrr a0, mcause
        call puthex
        lla a0, s_at
        call puts
        csrr a0, mepc
        call puthex
        lla a0, s_tval
        call puts
        csrr a0, mtval
        call puthex
        call newline
        j fail

# probe(a0 = address): an AMO, a load, a store and a fetch at it, each must fault there.
probe:  mv a4, a0
        mv a5, a0
        addi sp, sp, -16
        sd ra, 0(sp)
        lla s3, counts
        li s10, -1
        li s11, 0
        li s9, 1
        amoadd.d s4, zero, (a0)         # adds nothing; would return what is there
        li s9, 0
        li a1, CAUSE_STORE
        li a2, C_AMO
        lla a3, s_amo
        call verdict
        call probe_at
        ld ra, 0(sp)
        addi sp, sp, 16
        ret
# probe_at(a0 = load and store address, a5 = fetch address, a4 = the mtval each fault must
# give): s2 = the last address probed. Clobbers a1-a3, t0-t6, s3-s4, s8, s10-s11.
probe_at:
        mv s8, ra
        mv s2, a0
        lla s3, counts
        ld t0, C_PROBES(s3)
        addi t0, t0, 1
        sd t0, C_PROBES(s3)
        li s10, -1
        li s11, 0
        li s9, 1
        ld s4, 0(a0)
        li s9, 0
        li a1, CAUSE_LOAD
        li a2, C_LOAD
        lla a3, s_load
        call verdict
        li s10, -1
        li s11, 0
        li s9, 1
        sd a0, 0(a0)                    # its own address: recognisable, if it lands anywhere
        li s9, 0
        li a1, CAUSE_STORE
        li a2, C_STORE
        lla a3, s_store
        li s4, 0
        call verdict
        mv a0, a5
        li s10, -1
        li s11, 0
        li s9, 1
        jalr ra, 0(a0)                  # the handler returns here (mepc = ra)
        li s9, 0
        li a1, CAUSE_FETCH
        li a2, C_FETCH
        lla a3, s_fetch
        li s4, 0
        mv ra, s8
        # fall through: verdict returns to probe's caller
# verdict(a0 = address, a1 = expected cause, a2 = counter, a3 = kind, s4 = value read):
# the access faulted as it must (s10 = a1, s11 = a4): count it; else report a leak.
verdict:
        bne s10, a1, leak
        bne s11, a4, leak
        add t0, s3, a2
        ld t1, 0(t0)
        addi t1, t1, 1
        sd t1, 0(t0)
        ret
leak:   addi sp, sp, -16
        sd ra, 0(sp)
        sd a0, 8(sp)
        ld t0, C_LEAKS(s3)
        addi t0, t0, 1
        sd t0, C_LEAKS(s3)
        li t1, MAX_REPORTS
        bgt t0, t1, 1f
        lla a0, s_leak                  # probe: LEAK load 0xADDR: mcause .. mtval .. value ..
        call puts
        mv a0, a3
        call puts
        ld a0, 8(sp)
        call puthex
        lla a0, s_mcause
        call puts
        mv a0, s10
        call puthex
        lla a0, s_tval
        call puts
        mv a0, s11
        call puthex
        lla a0, s_value
        call puts
        mv a0, s4
        call puthex
        call newline
1:      ld ra, 0(sp)
        ld a0, 8(sp)
        addi sp, sp, 16
        ret

# dense: every hole of [0, DENSE_END) between the sorted own regions.
dense:  addi sp, sp, -48
        sd ra, 0(sp)
        sd s5, 8(sp)
        sd s6, 16(sp)
        sd s7, 24(sp)
        lla s5, regions
        ld s6, nregions
        li s7, 0                        # the end of what is own so far
1:      beqz s6, 2f
        ld a0, 0(s5)                    # a hole up to this region's base
        mv a1, s7
        call hole
        ld t0, 8(s5)
        bleu t0, s7, 3f
        mv s7, t0
3:      addi s5, s5, 24
        addi s6, s6, -1
        j 1b
2:      li t0, DENSE_END
        bleu s7, t0, 4f                 # a region above the dense range: widen it
        lla a0, s_above
        call puts
        j fail
4:      li a0, DENSE_END
        mv a1, s7
        call hole
        lla a0, s_dense
        call puts
        li a0, DENSE_END
        call puthex
        lla a0, s_colon
        call puts
        ld a0, counts + C_PROBES
        call putdec
        lla a0, s_addresses
        call puts
        ld ra, 0(sp)
        ld s5, 8(sp)
        ld s6, 16(sp)
        ld s7, 24(sp)
        addi sp, sp, 48
        ret

# hole(a1 = start, a0 = end): probe start, each page start after it, and end - 8.
hole:   bgeu a1, a0, 9f
        addi sp, sp, -32
        sd ra, 0(sp)
        sd a0, 8(sp)
        sd a1, 16(sp)
        mv a0, a1
        call probe
        ld a0, 16(sp)
        li t0, -PAGE
        and a0, a0, t0
1:      li t0, PAGE
        add a0, a0, t0
        ld t0, 8(sp)
        bgeu a0, t0, 2f
        sd a0, 24(sp)
        call probe
        ld a0, 24(sp)
        j 1b
2:      ld a0, 8(sp)
        addi a0, a0, -8
        bleu a0, s2, 3f
        call probe
3:      ld ra, 0(sp)
        addi sp, sp, 32
9:      ret

# straddle: accesses that begin in own RAM and end past it must fault at the first byte
# past it: an 8-byte load and store 4 bytes before the end, and a 32-bit instruction
# whose second half lies past the end (mtval: that half; mepc: the instruction).
straddle:
        addi sp, sp, -16
        sd ra, 0(sp)
        lla t0, regions                 # the RAM region's end
        ld t2, nregions
1:      beqz t2, bad_fdt                # no memory node
        ld t1, 16(t0)
        addi t0, t0, 24
        addi t2, t2, -1
        bnez t1, 1b
        ld a4, -16(t0)
        addi a5, a4, -2
        li t0, 0x0013                   # the low half of addi x0, x0, 0
        sh t0, 0(a5)
        addi a0, a4, -4
        call probe_at
        lla a0, s_straddle
        call puts
        ld ra, 0(sp)
        addi sp, sp, 16
        ret

# sparse: for k = 33..63, 2^k, 2^(k+1) - 8, and base ± 2^k of every own region.
sparse: addi sp, sp, -48
        sd ra, 0(sp)
        sd s5, 8(sp)
        sd s6, 16(sp)
        sd s7, 24(sp)
        ld t0, counts + C_PROBES
        sd t0, 32(sp)
        li s7, 33
1:      li t0, 1
        sll s5, t0, s7                  # s5 = 2^k
        mv a0, s5
        call probe
        slli a0, s5, 1
        addi a0, a0, -8
        call probe
        lla s6, regions
        ld t0, nregions
        sd t0, 40(sp)
2:      ld a0, 0(s6)
        add a0, a0, s5
        call probe
        ld a0, 0(s6)
        sub a0, a0, s5
        call probe
        addi s6, s6, 24
        ld t0, 40(sp)
        addi t0, t0, -1
        sd t0, 40(sp)
        bnez t0, 2b
        addi s7, s7, 1
        li t0, 64
        bltu s7, t0, 1b
        lla a0, s_sparse
        call puts
        ld a0, counts + C_PROBES
        ld t0, 32(sp)
        sub a0, a0, t0
        call putdec
        lla a0, s_addresses
        call puts
        ld ra, 0(sp)
        ld s5, 8(sp)
        ld s6, 16(sp)
        ld s7, 24(sp)
        addi sp, sp, 48
        ret

# control: every word of own RAM and one word of each own device read without a fault.
control:
        addi sp, sp, -48
        sd ra, 0(sp)
        sd s5, 8(sp)
        sd s6, 16(sp)
        sd s7, 24(sp)
        lla s5, regions
        ld s6, nregions
        li s7, 0                        # RAM words read
        li a5, 0                        # of them, holding the pattern
        li a6, 0                        # devices read
        li a7, OTHER_VM_PATTERN
1:      beqz s6, 5f
        ld t0, 0(s5)
        ld t1, 8(s5)
        ld t2, 16(s5)
        bnez t2, 3f                     # KIND_RAM: every word (a fault here is "unexpected")
2:      bgeu t0, t1, 4f
        ld t3, 0(t0)
        addi s7, s7, 1
        bne t3, a7, 6f
        addi a5, a5, 1
6:      addi t0, t0, 8
        j 2b
3:      li s10, -1                      # a device (or the ROM): one word at its base
        li s9, 1
        lw t3, 0(t0)
        li s9, 0
        li t3, -1
        bne s10, t3, 7f
        addi a6, a6, 1
4:      addi s5, s5, 24
        addi s6, s6, -1
        j 1b
7:      lla a0, s_ctlfault
        call puts
        ld a0, 0(s5)
        call puthex
        call newline
        j fail
5:      sd a5, pattern_words, t0
        lla a0, s_control
        call puts
        mv a0, s7
        call putdec
        lla a0, s_ramwords
        call puts
        ld a0, pattern_words
        call putdec
        lla a0, s_pattern
        call puts
        mv a0, a6
        call putdec
        lla a0, s_devices
        call puts
        ld ra, 0(sp)
        ld s5, 8(sp)
        ld s6, 16(sp)
        ld s7, 24(sp)
        addi sp, sp, 48
        ret

summary:
        lla s3, counts
        lla a0, s_probed
        call puts
        ld a0, C_PROBES(s3)
        call putdec
        lla a0, s_faults
        call puts
        ld a0, C_LOAD(s3)
        call putdec
        lla a0, s_fstore
        call puts
        ld a0, C_STORE(s3)
        call putdec
        lla a0, s_ffetch
        call puts
        ld a0, C_FETCH(s3)
        call putdec
        lla a0, s_famo
        call puts
        ld a0, C_AMO(s3)
        call putdec
        lla a0, s_data
        call puts
        ld a0, C_LEAKS(s3)
        call putdec
        call newline
        ld t0, C_LEAKS(s3)
        bnez t0, fail
        ld t0, pattern_words
        bnez t0, fail
        lla a0, s_pass
        call puts
        li t0, FINISHER
        li t1, FINISHER_PASS
        sw t1, 0(t0)
        j park
fail:   lla a0, s_fail
        call puts
        li t0, FINISHER
        li t1, FINISHER_FAIL1
        sw t1, 0(t0)
        j park

# ---- the device tree (devicetree specification v0.4, chapter 5) ------------------------

# fdt_parse(a0 = the blob): add_region for each reg and non-empty ranges. A node's reg and
# ranges are read at its end, when its own properties (#address-cells, device_type) are
# known; reg uses its parent's cells, ranges (child address, parent address, size) both.
# Every ancestor's ranges is empty in the virt tree (identity), so parent addresses are
# physical ones.
fdt_parse:
        addi sp, sp, -80
        sd ra, 0(sp)
        sd s0, 8(sp)
        sd s1, 16(sp)
        sd s2, 24(sp)
        sd s3, 32(sp)
        sd s4, 40(sp)
        sd s5, 48(sp)
        sd s6, 56(sp)
        sd s7, 64(sp)
        mv s5, a0
        be32 t0, s5
        li t1, 0xd00dfeed
        bne t0, t1, bad_fdt
        addi t2, s5, 8
        be32 t0, t2                     # off_dt_struct
        add s0, s5, t0
        addi t2, s5, 12
        be32 t0, t2                     # off_dt_strings
        add s1, s5, t0
        lla s4, frames                  # frame 0: the root's parent, spec defaults
        li t0, 2
        sd t0, F_AC(s4)
        li t0, 1
        sd t0, F_SC(s4)
        li s2, 0                        # depth
next:   be32 t0, s0
        addi s0, s0, 4
        li t1, 1
        beq t0, t1, begin
        li t1, 2
        beq t0, t1, end
        li t1, 3
        beq t0, t1, prop
        li t1, 4
        beq t0, t1, next                # FDT_NOP
        li t1, 9
        beq t0, t1, fdt_done
        j bad_fdt
begin:  addi s2, s2, 1
        li t0, MAX_DEPTH
        bge s2, t0, bad_fdt
        addi s4, s4, FRAME
        li t0, 2
        sd t0, F_AC(s4)
        li t0, 1
        sd t0, F_SC(s4)
        sd zero, F_REGLEN(s4)
        sd zero, F_RANGESLEN(s4)
        sd zero, F_MEMORY(s4)
1:      lbu t0, 0(s0)                   # skip the name
        addi s0, s0, 1
        bnez t0, 1b
        addi s0, s0, 3
        andi s0, s0, -4
        j next
prop:   be32 s6, s0                     # length
        addi t2, s0, 4
        be32 t0, t2                     # name offset
        addi s7, s0, 8                  # value
        add s3, s1, t0                  # name
        mv a0, s3
        lla a1, p_ac
        call streq
        beqz a0, 1f
        be32 t0, s7
        sd t0, F_AC(s4)
1:      mv a0, s3
        lla a1, p_sc
        call streq
        beqz a0, 1f
        be32 t0, s7
        sd t0, F_SC(s4)
1:      mv a0, s3
        lla a1, p_reg
        call streq
        beqz a0, 1f
        sd s7, F_REG(s4)
        sd s6, F_REGLEN(s4)
1:      mv a0, s3
        lla a1, p_ranges
        call streq
        beqz a0, 1f
        sd s7, F_RANGES(s4)
        sd s6, F_RANGESLEN(s4)
1:      mv a0, s3
        lla a1, p_devtype
        call streq
        beqz a0, 1f
        mv a0, s7
        lla a1, p_memory
        call streq
        sd a0, F_MEMORY(s4)
1:      addi s6, s6, 3
        andi s6, s6, -4
        add s0, s7, s6
        j next
end:    beqz s2, bad_fdt
        ld s6, F_REG(s4)                # reg: (parent #address-cells, parent #size-cells) pairs
        ld s7, F_REGLEN(s4)
        add s7, s6, s7
        ld t0, -FRAME+F_SC(s4)
        beqz t0, 3f                     # not memory-mapped (cpus: hart ids)
1:      ld t0, -FRAME+F_AC(s4)
        ld t1, -FRAME+F_SC(s4)
        add t0, t0, t1
        slli t0, t0, 2
        add t0, s6, t0
        bgtu t0, s7, 3f
        mv a0, s6
        ld a1, -FRAME+F_AC(s4)
        call cells
        mv s3, a0
        ld a0, -FRAME+F_AC(s4)
        slli a0, a0, 2
        add a0, s6, a0
        ld a1, -FRAME+F_SC(s4)
        call cells
        add a1, s3, a0
        mv a0, s3
        ld a2, F_MEMORY(s4)
        xori a2, a2, 1                  # KIND_RAM = 0, KIND_DEVICE = 1
        call add_region
        ld t0, -FRAME+F_AC(s4)
        ld t1, -FRAME+F_SC(s4)
        add t0, t0, t1
        slli t0, t0, 2
        add s6, s6, t0
        j 1b
3:      ld s6, F_RANGES(s4)             # ranges: (own #address-cells, parent's, own #size-cells)
        ld s7, F_RANGESLEN(s4)
        add s7, s6, s7
4:      ld t0, F_AC(s4)
        ld t1, -FRAME+F_AC(s4)
        ld t2, F_SC(s4)
        add t0, t0, t1
        add t0, t0, t2
        slli t0, t0, 2
        add t0, s6, t0
        bgtu t0, s7, 5f
        ld t0, F_AC(s4)
        slli t0, t0, 2
        add a0, s6, t0
        ld a1, -FRAME+F_AC(s4)
        call cells
        mv s3, a0
        ld t0, F_AC(s4)
        ld t1, -FRAME+F_AC(s4)
        add t0, t0, t1
        slli t0, t0, 2
        add a0, s6, t0
        ld a1, F_SC(s4)
        call cells
        add a1, s3, a0
        mv a0, s3
        li a2, KIND_DEVICE
        call add_region
        ld t0, F_AC(s4)
        ld t1, -FRAME+F_AC(s4)
        ld t2, F_SC(s4)
        add t0, t0, t1
        add t0, t0, t2
        slli t0, t0, 2
        add s6, s6, t0
        j 4b
5:      addi s2, s2, -1
        addi s4, s4, -FRAME
        j next
fdt_done:
        ld ra, 0(sp)
        ld s0, 8(sp)
        ld s1, 16(sp)
        ld s2, 24(sp)
        ld s3, 32(sp)
        ld s4, 40(sp)
        ld s5, 48(sp)
        ld s6, 56(sp)
        ld s7, 64(sp)
        addi sp, sp, 80
        ret
bad_fdt:
        lla a0, s_badfdt
        call puts
        j fail

# cells(a0 = address, a1 = n): the value of n big-endian cells (its low 64 bits).
cells:  mv t3, a0
        li a0, 0
1:      beqz a1, 2f
        be32 t4, t3
        slli a0, a0, 32
        or a0, a0, t4
        addi t3, t3, 4
        addi a1, a1, -1
        j 1b
2:      ret

# streq(a0, a1): 1 when the two NUL-terminated strings are equal, else 0.
streq:  lbu t0, 0(a0)
        lbu t1, 0(a1)
        bne t0, t1, 1f
        beqz t0, 2f
        addi a0, a0, 1
        addi a1, a1, 1
        j streq
1:      li a0, 0
        ret
2:      li a0, 1
        ret

# ---- the region table: (base, end, kind), 24 bytes each ---------------------------------

# add_region(a0 = base, a1 = end, a2 = kind); empty ones are dropped.
add_region:
        bgeu a0, a1, 1f
        ld t0, nregions
        li t1, MAX_REGIONS
        bgeu t0, t1, bad_fdt
        li t1, 24
        mul t1, t0, t1
        lla t2, regions
        add t2, t2, t1
        sd a0, 0(t2)
        sd a1, 8(t2)
        sd a2, 16(t2)
        addi t0, t0, 1
        sd t0, nregions, t1
1:      ret

# sort_regions: by base, insertion sort.
sort_regions:
        lla t0, regions
        ld t1, nregions
        li t2, 1                        # i
1:      bgeu t2, t1, 9f
        mv t3, t2                       # j: sink entry j while its base < entry j-1's
2:      beqz t3, 3f
        li t4, 24
        mul t4, t3, t4
        add t4, t0, t4
        ld a0, 0(t4)
        ld a1, -24(t4)
        bgeu a0, a1, 3f
        li t5, 3                        # swap the two entries, word by word
4:      ld a0, 0(t4)
        ld a1, -24(t4)
        sd a1, 0(t4)
        sd a0, -24(t4)
        addi t4, t4, 8
        addi t5, t5, -1
        bnez t5, 4b
        addi t3, t3, -1
        j 2b
3:      addi t2, t2, 1
        j 1b
9:      ret

# print_regions: "probe: own ram|device|rom|slots 0xBASE-0xEND" each.
print_regions:
        addi sp, sp, -32
        sd ra, 0(sp)
        sd s5, 8(sp)
        sd s6, 16(sp)
        lla s5, regions
        ld s6, nregions
1:      beqz s6, 2f
        lla a0, s_own
        call puts
        ld t0, 16(s5)
        lla a0, s_ram
        li t1, KIND_DEVICE
        bltu t0, t1, 3f
        lla a0, s_device
        beq t0, t1, 3f
        lla a0, s_rom
        li t1, KIND_ROM
        beq t0, t1, 3f
        lla a0, s_slots
3:      call puts
        ld a0, 0(s5)
        call puthex
        li a0, '-'
        call putc
        ld a0, 8(s5)
        call puthex
        call newline
        addi s5, s5, 24
        addi s6, s6, -1
        j 1b
2:      ld ra, 0(sp)
        ld s5, 8(sp)
        ld s6, 16(sp)
        addi sp, sp, 32
        ret

# ---- output -----------------------------------------------------------------------------

# putc(a0 = byte): clobbers t0-t1.
putc:   li t0, UART
1:      lbu t1, UART_LSR(t0)
        andi t1, t1, LSR_THRE
        beqz t1, 1b
        sb a0, 0(t0)
        ret

newline:
        li a0, '\n'
        j putc

# puthex(a0): "0x" and 16 hex digits. Clobbers t0-t3.
puthex: addi sp, sp, -16
        sd ra, 0(sp)
        sd a0, 8(sp)
        li a0, '0'
        call putc
        li a0, 'x'
        call putc
        li t2, 60
1:      ld t3, 8(sp)
        srl t3, t3, t2
        andi t3, t3, 15
        lla a0, hexdigits
        add a0, a0, t3
        lbu a0, 0(a0)
        call putc
        addi t2, t2, -4
        bgez t2, 1b
        ld ra, 0(sp)
        addi sp, sp, 16
        ret

# putdec(a0): unsigned decimal. Clobbers t0-t3.
putdec: addi sp, sp, -48
        sd ra, 0(sp)
        addi t2, sp, 47                 # digits, last first, into 8(sp)..47(sp)
        li t3, 10
1:      remu t0, a0, t3
        divu a0, a0, t3
        addi t0, t0, '0'
        sb t0, 0(t2)
        addi t2, t2, -1
        bnez a0, 1b
2:      addi t2, t2, 1
        addi t0, sp, 48
        bgeu t2, t0, 3f
        lbu a0, 0(t2)
        call putc
        j 2b
3:      ld ra, 0(sp)
        addi sp, sp, 48
        ret

        .section .rodata
hexdigits:    .ascii "0123456789abcdef"
s_start:      .asciz "probe: start\n"
s_own:        .asciz "probe: own "
s_ram:        .asciz "ram "
s_device:     .asciz "device "
s_rom:        .asciz "rom "
s_slots:      .asciz "slots "
s_control:    .asciz "probe: control: "
s_ramwords:   .asciz " RAM words read, "
s_pattern:    .asciz " hold the other VM's pattern; "
s_devices:    .asciz " own devices read\n"
s_ctlfault:   .asciz "probe: control: own device faulted at "
s_dense:      .asciz "probe: dense 0x0000000000000000-"
s_colon:      .asciz ": "
s_addresses:  .asciz " addresses\n"
s_sparse:     .asciz "probe: sparse above: "
s_straddle:   .asciz "probe: across the end of RAM: 1 address\n"
s_above:      .asciz "probe: an own region lies above the dense range\n"
s_probed:     .asciz "probe: probed "
s_faults:     .asciz "; faults: load "
s_fstore:     .asciz ", store "
s_ffetch:     .asciz ", fetch "
s_famo:       .asciz ", amo "
s_data:       .asciz "; leaks "
s_leak:       .asciz "probe: LEAK "
s_load:       .asciz "load "
s_store:      .asciz "store "
s_fetch:      .asciz "fetch "
s_amo:        .asciz "amo "
s_mcause:     .asciz ": mcause "
s_tval:       .asciz " mtval "
s_value:      .asciz " value "
s_at:         .asciz " at "
s_unexpected: .asciz "probe: unexpected trap: mcause "
s_badfdt:     .asciz "probe: the device tree in a1 cannot be read\n"
s_pass:       .asciz "probe: PASS\n"
s_fail:       .asciz "probe: FAIL\n"
p_ac:         .asciz "#address-cells"
p_sc:         .asciz "#size-cells"
p_reg:        .asciz "reg"
p_ranges:     .asciz "ranges"
p_devtype:    .asciz "device_type"
p_memory:     .asciz "memory"

        .bss
        .balign 8
counts:        .space 48
pattern_words: .space 8
nregions:      .space 8
regions:       .space 24 * MAX_REGIONS
frames:        .space FRAME * MAX_DEPTH
