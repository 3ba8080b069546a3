// NS16550A UART. Spec: TI PC16550D datasheet (SNLS378C) §8 "Registers"; names from Linux include/uapi/linux/serial_reg.h.
// virt: 0x1000_0000, size 0x100, byte registers (reg-shift 0), PLIC source 10, DT compatible "ns16550a".
//
// What the guests need, and nothing more: Linux's 8250 driver (fixed type PORT_16550A:
// FIFO, THRE interrupt that re-arms when IER.THRI goes 0->1, the UART_BUG_THRE probe),
// OpenSBI's and U-Boot's polled drivers (LSR.THRE/DR only). The transmitter is
// infinitely fast: a THR write reaches the ByteSink at once, so LSR.THRE/TEMT are
// always set and the THRE interrupt re-arms immediately after each write. A break on
// the line (receiveBreak) is a NUL with LSR.BI, as Linux's SysRq-over-serial expects.
import type { AccessSize, ByteSink, IrqLine, MmioDevice } from "../../platform/mmio.js";

// Register offsets (DLAB selects DLL/DLM at 0/1).
export const UART_RX = 0, UART_TX = 0, UART_DLL = 0;
export const UART_IER = 1, UART_DLM = 1;
export const UART_IIR = 2, UART_FCR = 2;
export const UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7;

export const UART_IER_RDI = 0x01, UART_IER_THRI = 0x02, UART_IER_RLSI = 0x04, UART_IER_MSI = 0x08;
export const UART_IIR_NO_INT = 0x01, UART_IIR_MSI = 0x00, UART_IIR_THRI = 0x02, UART_IIR_RDI = 0x04;
export const UART_IIR_RLSI = 0x06, UART_IIR_RX_TIMEOUT = 0x0c, UART_IIR_FIFO_ENABLED = 0xc0;
export const UART_FCR_ENABLE_FIFO = 0x01, UART_FCR_CLEAR_RCVR = 0x02, UART_FCR_CLEAR_XMIT = 0x04;
export const UART_LCR_DLAB = 0x80;
export const UART_MCR_DTR = 0x01, UART_MCR_RTS = 0x02, UART_MCR_OUT1 = 0x04, UART_MCR_OUT2 = 0x08, UART_MCR_LOOP = 0x10;
export const UART_LSR_DR = 0x01, UART_LSR_OE = 0x02, UART_LSR_PE = 0x04, UART_LSR_FE = 0x08, UART_LSR_BI = 0x10;
export const UART_LSR_THRE = 0x20, UART_LSR_TEMT = 0x40;
export const UART_MSR_DCTS = 0x01, UART_MSR_DDSR = 0x02, UART_MSR_TERI = 0x04, UART_MSR_DDCD = 0x08;
export const UART_MSR_CTS = 0x10, UART_MSR_DSR = 0x20, UART_MSR_RI = 0x40, UART_MSR_DCD = 0x80;

/** RX trigger levels selected by FCR[7:6] (datasheet table 7). */
const RX_TRIGGER = [1, 4, 8, 14] as const;
/** Modem inputs when nothing is looped back: a present, ready peer (as QEMU). */
const MSR_IDLE = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;

export interface UartOptions {
  /** Log/bus label; default "uart0". */
  label?: string;
  /**
   * RX FIFO depth in bytes; default 1024. The IIR trigger levels still count as a
   * 16550's (1/4/8/14), but a deeper FIFO lets a host paste text without loss.
   */
  rxFifoBytes?: number;
}

/**
 * A 16550A. The host feeds input with `receive()` (which returns how many bytes fit:
 * keep the rest and offer them again later, e.g. after each run slice), and takes
 * output through the ByteSink given at construction.
 */
export class Uart16550 implements MmioDevice {
  readonly label: string;
  private readonly rx: Uint8Array;
  /** Per-character line-status bits (LSR.BI) riding in the FIFO beside rx: shown in LSR when the character is at the top. */
  private readonly rxFlags: Uint8Array;
  private rxHead = 0;
  private rxCount = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private fcr = 0;
  private lsrErrors = 0;
  private msrDelta = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  /** THRE interrupt latched: set when THR empties or IER.THRI rises, cleared by an IIR read naming it or a THR write. */
  private thrPending = false;
  private irqLevel = false;

  constructor(private readonly irq: IrqLine, private readonly tx: ByteSink, opts: UartOptions = {}) {
    this.label = opts.label ?? "uart0";
    const depth = opts.rxFifoBytes ?? 1024;
    if (!Number.isInteger(depth) || depth < 16) throw new RangeError(`rxFifoBytes must be an integer >= 16, got ${depth}`);
    this.rx = new Uint8Array(depth);
    this.rxFlags = new Uint8Array(depth);
  }

  /** Power-on state (datasheet table 10): FIFOs off and empty, no interrupt. */
  reset(): void {
    this.rxHead = this.rxCount = 0;
    this.ier = this.lcr = this.mcr = this.fcr = this.lsrErrors = this.msrDelta = this.scr = this.dll = this.dlm = 0;
    this.thrPending = false;
    this.update();
  }

  /**
   * Bytes arriving on the serial line. Returns how many were taken (the rest did not
   * fit: hold them and retry). In loopback mode the line is disconnected: returns 0.
   */
  receive(bytes: Uint8Array): number {
    if (this.mcr & UART_MCR_LOOP) return 0;
    const n = Math.min(bytes.length, this.rx.length - this.rxCount);
    for (let i = 0; i < n; i++) this.push(bytes[i]!);
    if (n > 0) this.update();
    return n;
  }

  /**
   * A break condition on the serial line: a NUL character whose LSR shows BI when it
   * reaches the top of the FIFO (datasheet LSR bit 4; Linux's 8250 treats a break then a
   * key within 5 s as Magic SysRq). Returns false when it does not fit (or in loopback): retry later.
   */
  receiveBreak(): boolean {
    if (this.mcr & UART_MCR_LOOP || this.rxCount === this.rx.length) return false;
    this.push(0, UART_LSR_BI);
    this.update();
    return true;
  }

  /** Free space in the RX FIFO, for host-side flow control. */
  rxSpace(): number { return this.rx.length - this.rxCount; }

  /**
   * The guest asserts RTS (MCR bit 1) and the line is not in loopback: a host end that
   * honours RTS/CTS flow control sends now, and holds its bytes otherwise. Linux raises
   * RTS when a process opens the tty, after the driver's startup has emptied the FIFO,
   * and drops it on the last close (HUPCL); U-Boot sets it at init.
   */
  get requestToSend(): boolean { return (this.mcr & (UART_MCR_RTS | UART_MCR_LOOP)) === UART_MCR_RTS; }

  /** The programmed baud-rate divisor (DLM:DLL); 0 until the guest programs one. */
  get divisor(): number { return (this.dlm << 8) | this.dll; }

  read(offset: number, _size: AccessSize): bigint | undefined {
    return BigInt(this.readReg(offset));
  }

  write(offset: number, _size: AccessSize, value: bigint): boolean {
    this.writeReg(offset, Number(value & 0xffn));
    return true;
  }

  /** Register read; any width is accepted and reads the byte register (upper bits 0). */
  private readReg(off: number): number {
    const dlab = (this.lcr & UART_LCR_DLAB) !== 0;
    switch (off) {
      case UART_RX: {
        if (dlab) return this.dll;
        if (this.rxCount === 0) return 0;
        const b = this.rx[this.rxHead]!;
        this.rxHead = (this.rxHead + 1) % this.rx.length;
        this.rxCount--;
        if (this.rxCount > 0) this.lsrErrors |= this.rxFlags[this.rxHead]!; // the next character's status shows now
        this.update();
        return b;
      }
      case UART_IER: return dlab ? this.dlm : this.ier;
      case UART_IIR: {
        const id = this.identify();
        // Reading IIR is how a driver acknowledges THRE (datasheet table 4, "reset control").
        if (id === UART_IIR_THRI) { this.thrPending = false; this.update(); }
        return id | (this.fcr & UART_FCR_ENABLE_FIFO ? UART_IIR_FIFO_ENABLED : 0);
      }
      case UART_LCR: return this.lcr;
      case UART_MCR: return this.mcr;
      case UART_LSR: {
        const v = (this.rxCount ? UART_LSR_DR : 0) | UART_LSR_THRE | UART_LSR_TEMT | this.lsrErrors;
        if (this.lsrErrors) { this.lsrErrors = 0; this.update(); }
        return v;
      }
      case UART_MSR: {
        const v = this.modemStatus() | this.msrDelta;
        if (this.msrDelta) { this.msrDelta = 0; this.update(); }
        return v;
      }
      case UART_SCR: return this.scr;
      default: return 0; // 8..0xff: unimplemented, reads as zero
    }
  }

  private writeReg(off: number, v: number): void {
    const dlab = (this.lcr & UART_LCR_DLAB) !== 0;
    switch (off) {
      case UART_TX:
        if (dlab) { this.dll = v; return; }
        if (this.mcr & UART_MCR_LOOP) {
          if (this.rxCount < this.rx.length) this.push(v); else this.lsrErrors |= UART_LSR_OE;
        } else {
          this.tx(v);
        }
        // The byte left at once: THR is empty again, so THRE re-arms (the write itself cleared it).
        this.thrPending = true;
        this.update();
        return;
      case UART_IER: {
        if (dlab) { this.dlm = v; return; }
        const rose = v & ~this.ier & UART_IER_THRI;
        this.ier = v & 0x0f;
        // Setting THRI while THR is empty raises THRE even if an IIR read had cleared it:
        // Linux's start_tx and its UART_BUG_THRE probe rely on this (as QEMU/Bochs: on the rising edge).
        if (rose) this.thrPending = true;
        this.update();
        return;
      }
      case UART_FCR:
        // Toggling FIFO enable empties both FIFOs (datasheet FCR bit 0).
        if ((v ^ this.fcr) & UART_FCR_ENABLE_FIFO || v & UART_FCR_CLEAR_RCVR) this.rxHead = this.rxCount = 0;
        this.fcr = v & 0xc9; // keep FIFO enable, DMA mode, trigger level; bits 1-2 self-clear
        this.update();
        return;
      case UART_LCR: this.lcr = v; return;
      case UART_MCR: {
        const before = this.modemStatus();
        this.mcr = v & 0x1f;
        this.noteModemChange(before, this.modemStatus());
        this.update();
        return;
      }
      case UART_SCR: this.scr = v; return;
      default: return; // LSR, MSR and 8..0xff are read-only or absent
    }
  }

  private push(b: number, flags = 0): void {
    const at = (this.rxHead + this.rxCount) % this.rx.length;
    this.rx[at] = b;
    this.rxFlags[at] = flags;
    if (this.rxCount === 0) this.lsrErrors |= flags; // at the top of the FIFO at once
    this.rxCount++;
  }

  /** MSR[7:4]: in loopback the modem outputs drive the inputs (datasheet MCR bit 4). */
  private modemStatus(): number {
    if (!(this.mcr & UART_MCR_LOOP)) return MSR_IDLE;
    const m = this.mcr;
    return (m & UART_MCR_RTS ? UART_MSR_CTS : 0) | (m & UART_MCR_DTR ? UART_MSR_DSR : 0)
      | (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
  }

  private noteModemChange(before: number, after: number): void {
    const ch = before ^ after;
    if (ch & UART_MSR_CTS) this.msrDelta |= UART_MSR_DCTS;
    if (ch & UART_MSR_DSR) this.msrDelta |= UART_MSR_DDSR;
    if (ch & UART_MSR_DCD) this.msrDelta |= UART_MSR_DDCD;
    if (before & ~after & UART_MSR_RI) this.msrDelta |= UART_MSR_TERI; // trailing edge only
  }

  /**
   * The highest-priority pending interrupt (datasheet table 4): line status >
   * received data (or character timeout) > THR empty > modem status.
   * No timer models the 4-character timeout: input arrives from the host in bursts,
   * so data below the trigger level is reported as a timeout at once.
   */
  private identify(): number {
    const ier = this.ier;
    if (ier & UART_IER_RLSI && this.lsrErrors) return UART_IIR_RLSI;
    if (ier & UART_IER_RDI && this.rxCount > 0) {
      if (!(this.fcr & UART_FCR_ENABLE_FIFO)) return UART_IIR_RDI;
      return this.rxCount >= RX_TRIGGER[this.fcr >> 6]! ? UART_IIR_RDI : UART_IIR_RX_TIMEOUT;
    }
    if (ier & UART_IER_THRI && this.thrPending) return UART_IIR_THRI;
    if (ier & UART_IER_MSI && this.msrDelta) return UART_IIR_MSI;
    return UART_IIR_NO_INT;
  }

  private update(): void {
    const level = this.identify() !== UART_IIR_NO_INT;
    if (level !== this.irqLevel) { this.irqLevel = level; this.irq.set(level); }
  }
}
