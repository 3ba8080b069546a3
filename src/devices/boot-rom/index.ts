// The mask ROM of QEMU's virt machine: the reset vector every hart starts at in firmware
// and bare modes, followed by OpenSBI's fw_dynamic_info. Layout as QEMU's
// riscv_setup_rom_reset_vec (hw/riscv/boot.c, rv64); fw_dynamic_info as OpenSBI's
// include/sbi/fw_dynamic.h, version 2.
// virt: 0x0000_1000, size 0x1000, no interrupt. Reads return its bytes; writes are
// ignored, as QEMU's mrom.
import type { AccessSize, MmioDevice } from "../../platform/mmio.js";

export const FW_DYNAMIC_INFO_MAGIC = 0x4942534fn; // "OSBI"
export const FW_DYNAMIC_INFO_VERSION = 2n;
export const FW_DYNAMIC_INFO_NEXT_MODE_S = 1n;
/** Offset of fw_dynamic_info in the ROM: right after the 10-word reset vector. */
export const FW_DYNAMIC_INFO_OFFSET = 0x28;

/**
 * The reset vector followed by fw_dynamic_info: a0 = mhartid, a1 = fdt,
 * a2 = &fw_dynamic_info, jump to `start`; `nextAddr` is where the firmware goes next.
 */
export function resetVector(start: bigint, fdt: bigint, nextAddr: bigint): Uint8Array {
  const b = new Uint8Array(FW_DYNAMIC_INFO_OFFSET + 6 * 8);
  const dv = new DataView(b.buffer);
  const words = [
    0x00000297, //     auipc t0, %pcrel_hi(fw_dyn)
    0x02828613, //     addi  a2, t0, %pcrel_lo(1b)   (a2 = &fw_dynamic_info)
    0xf1402573, //     csrr  a0, mhartid
    0x0202b583, //     ld    a1, 32(t0)              (fdt_laddr)
    0x0182b283, //     ld    t0, 24(t0)              (start)
    0x00028067, //     jr    t0
  ];
  words.forEach((w, i) => dv.setUint32(4 * i, w, true));
  dv.setBigUint64(24, start, true);
  dv.setBigUint64(32, fdt, true);
  const info = [FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, nextAddr, FW_DYNAMIC_INFO_NEXT_MODE_S, 0n /* options */, 0n /* boot_hart */];
  info.forEach((v, i) => dv.setBigUint64(FW_DYNAMIC_INFO_OFFSET + 8 * i, v, true));
  return b;
}

export class BootRom implements MmioDevice {
  readonly label = "rom";
  /** Empty in direct mode: no hart starts here. */
  bytes: Uint8Array = new Uint8Array(0);

  read(offset: number, size: AccessSize): bigint {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[offset + i] ?? 0);
    return v;
  }

  write(): boolean { return true; }
}
