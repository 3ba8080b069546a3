// Goldfish RTC. Spec: Android emulator docs/GOLDFISH-VIRTUAL-HARDWARE.TXT "Goldfish timer"; guest
// driver Linux drivers/rtc/rtc-goldfish.c; behaviour as QEMU hw/rtc/goldfish_rtc.c.
// virt: 0x0010_1000, size 0x1000, PLIC source 11, DT compatible "google,goldfish-rtc".
//
// Time is nanoseconds since the Unix epoch: the clock port's reading plus an offset the
// guest sets by writing TIME_LOW/TIME_HIGH (kept across reset, like a battery-backed
// clock). The device owns no timer: the machine calls poll() when it may be due (see
// nextAlarm()); any register access polls too.
import type { AccessSize, IrqLine, MmioDevice } from "../../platform/mmio.js";

export const TIMER_TIME_LOW = 0x00; // read: low 32 bits of now, latches the high half
export const TIMER_TIME_HIGH = 0x04; // read: high 32 bits latched by the last TIME_LOW read
export const TIMER_ALARM_LOW = 0x08; // write: low 32 bits of the alarm, and arm it
export const TIMER_ALARM_HIGH = 0x0c; // write: high 32 bits of the alarm
export const TIMER_IRQ_ENABLED = 0x10;
export const TIMER_CLEAR_ALARM = 0x14;
export const TIMER_ALARM_STATUS = 0x18; // read: 1 while an alarm is armed
export const TIMER_CLEAR_INTERRUPT = 0x1c;

/** Nanoseconds since 1970-01-01T00:00:00Z: host wall clock, or a fixed date plus mtime. */
export type NsClock = () => bigint;

const M32 = 0xffff_ffffn;

export class GoldfishRtc implements MmioDevice {
  readonly label = "rtc";
  private offset = 0n;
  private timeHigh = 0;
  private alarm = 0n;
  private alarmArmed = false;
  private irqPending = false;
  private irqEnabled = false;
  private irqLevel = false;

  constructor(private readonly clock: NsClock, private readonly irq: IrqLine) {}

  /** Disarm and lower the interrupt; the guest's time offset survives. */
  reset(): void {
    this.timeHigh = 0;
    this.alarm = 0n;
    this.alarmArmed = this.irqPending = this.irqEnabled = false;
    this.update();
  }

  /** The guest-visible time, ns since the epoch. */
  now(): bigint { return BigInt.asUintN(64, this.clock() + this.offset); }

  /** When the armed alarm fires, on the clock port's time base; undefined when none. */
  nextAlarm(): bigint | undefined { return this.alarmArmed ? this.alarm - this.offset : undefined; }

  /** Fire the alarm if its time has come. Cheap; call it when nextAlarm() has passed. */
  poll(): void {
    if (this.alarmArmed && this.now() >= this.alarm) {
      this.alarmArmed = false;
      this.irqPending = true;
      this.update();
    }
  }

  read(offset: number, size: AccessSize): bigint | undefined {
    if (size !== 4 || offset & 3) return undefined;
    this.poll();
    switch (offset) {
      case TIMER_TIME_LOW: {
        const t = this.now();
        this.timeHigh = Number(t >> 32n);
        return t & M32;
      }
      case TIMER_TIME_HIGH: return BigInt(this.timeHigh);
      case TIMER_ALARM_LOW: return this.alarm & M32;
      case TIMER_ALARM_HIGH: return this.alarm >> 32n;
      case TIMER_IRQ_ENABLED: return this.irqEnabled ? 1n : 0n;
      case TIMER_ALARM_STATUS: return this.alarmArmed ? 1n : 0n;
      default: return 0n;
    }
  }

  write(offset: number, size: AccessSize, value: bigint): boolean {
    if (size !== 4 || offset & 3) return false;
    const v = value & M32;
    switch (offset) {
      case TIMER_TIME_LOW: case TIMER_TIME_HIGH: {
        // Setting the clock replaces one half of the current time (rtc-goldfish writes HIGH then LOW).
        const t = this.now();
        const want = offset === TIMER_TIME_LOW ? (t & ~M32) | v : (t & M32) | (v << 32n);
        this.offset += want - t;
        break;
      }
      case TIMER_ALARM_HIGH: this.alarm = (this.alarm & M32) | (v << 32n); break;
      case TIMER_ALARM_LOW:
        this.alarm = (this.alarm & ~M32) | v;
        this.alarmArmed = true;
        break;
      case TIMER_IRQ_ENABLED: this.irqEnabled = (v & 1n) === 1n; this.update(); break;
      case TIMER_CLEAR_ALARM: this.alarmArmed = false; break;
      case TIMER_CLEAR_INTERRUPT: this.irqPending = false; this.update(); break;
      default: break;
    }
    this.poll(); // an alarm set in the past fires at once
    return true;
  }

  private update(): void {
    const level = this.irqPending && this.irqEnabled;
    if (level !== this.irqLevel) { this.irqLevel = level; this.irq.set(level); }
  }
}
