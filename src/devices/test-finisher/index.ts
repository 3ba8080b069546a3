// SiFive test finisher ("sifive,test0" syscon). Spec: none published; behaviour as QEMU
// hw/misc/sifive_test.c, used by Linux syscon-poweroff/syscon-reboot and OpenSBI's
// sifive-test SRST driver. virt: 0x0010_0000, size 0x1000, no interrupt.
import type { AccessSize, MmioDevice } from "../../platform/mmio.js";

export const FINISHER_FAIL = 0x3333; // (code << 16) | FINISHER_FAIL: stop with an exit code
export const FINISHER_PASS = 0x5555; // power off (exit status 0)
export const FINISHER_RESET = 0x7777; // reboot

export type FinisherEvent = { kind: "pass" } | { kind: "reset" } | { kind: "fail"; code: number };

/**
 * Turns the guest's write into an event for the machine, synchronously, from inside
 * the store: the handler should stop the harts (Cpu.requestExit) and act after run()
 * returns. As QEMU: only offset 0; the low 16 bits select, the high 16 bits are the
 * fail code (ignored for pass and reset); other values are ignored; reads return 0.
 */
export class TestFinisher implements MmioDevice {
  readonly label = "test";

  constructor(private readonly onEvent: (ev: FinisherEvent) => void) {}

  read(_offset: number, _size: AccessSize): bigint | undefined { return 0n; }

  write(offset: number, size: AccessSize, value: bigint): boolean {
    if (offset !== 0 || size < 2) return true;
    const v = Number(value & 0xffff_ffffn);
    switch (v & 0xffff) {
      case FINISHER_PASS: this.onEvent({ kind: "pass" }); break;
      case FINISHER_RESET: this.onEvent({ kind: "reset" }); break;
      case FINISHER_FAIL: this.onEvent({ kind: "fail", code: v >>> 16 }); break;
      default: break;
    }
    return true;
  }
}
