import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Uart16550, UART_DLL, UART_DLM, UART_FCR, UART_IER, UART_IER_MSI, UART_IER_RDI, UART_IER_RLSI, UART_IER_THRI,
  UART_IIR, UART_IIR_FIFO_ENABLED, UART_IIR_MSI, UART_IIR_NO_INT, UART_IIR_RDI, UART_IIR_RLSI, UART_IIR_RX_TIMEOUT,
  UART_IIR_THRI, UART_LCR, UART_LCR_DLAB, UART_LSR, UART_LSR_BI, UART_LSR_DR, UART_LSR_OE, UART_LSR_TEMT, UART_LSR_THRE, UART_MCR,
  UART_MCR_LOOP, UART_MCR_RTS, UART_MSR, UART_MSR_CTS, UART_MSR_DCTS, UART_RX, UART_SCR, UART_TX,
} from "./index.js";

function make(rxFifoBytes?: number) {
  const out: number[] = [];
  const irq = { level: false, changes: 0, set(l: boolean) { this.level = l; this.changes++; } };
  const uart = new Uart16550(irq, (b) => out.push(b), rxFifoBytes ? { rxFifoBytes } : {});
  const rd = (off: number) => Number(uart.read(off, 1));
  const wr = (off: number, v: number) => assert.equal(uart.write(off, 1, BigInt(v)), true);
  return { uart, out, irq, rd, wr };
}
const iirId = (v: number) => v & 0x0f;

test("power-on state: nothing pending, transmitter empty", () => {
  const { rd, irq } = make();
  assert.equal(rd(UART_IIR), UART_IIR_NO_INT);
  assert.equal(rd(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
  assert.equal(rd(UART_IER), 0);
  assert.equal(irq.level, false);
});

test("THR writes reach the sink; LSR stays THRE|TEMT", () => {
  const { rd, wr, out } = make();
  for (const c of "hi\n") wr(UART_TX, c.charCodeAt(0));
  assert.deepEqual(out, [0x68, 0x69, 0x0a]);
  assert.equal(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
});

test("divisor latch: DLAB redirects offsets 0 and 1, and leaves THR/IER alone", () => {
  const { uart, rd, wr, out } = make();
  wr(UART_IER, UART_IER_RDI);
  wr(UART_LCR, UART_LCR_DLAB | 0x03);
  wr(UART_DLL, 0x01);
  wr(UART_DLM, 0x02);
  assert.equal(rd(UART_DLL), 0x01);
  assert.equal(rd(UART_DLM), 0x02);
  assert.equal(uart.divisor, 0x0201);
  assert.deepEqual(out, [], "a DLL write is not transmitted");
  wr(UART_LCR, 0x03);
  assert.equal(rd(UART_IER), UART_IER_RDI, "IER kept its value under DLAB");
  assert.equal(rd(UART_LCR), 0x03);
  wr(UART_TX, 0x41);
  assert.deepEqual(out, [0x41]);
});

test("scratch register holds a byte; wider accesses read the byte register", () => {
  const { uart, rd, wr } = make();
  wr(UART_SCR, 0xa5);
  assert.equal(rd(UART_SCR), 0xa5);
  assert.equal(uart.read(UART_SCR, 4), 0xa5n);
  assert.equal(uart.write(UART_SCR, 4, 0x1234_5678n), true);
  assert.equal(rd(UART_SCR), 0x78);
  assert.equal(uart.read(0x80, 1), 0n, "unimplemented offsets read zero");
});

test("RX FIFO: bytes come out in order, DR tracks emptiness", () => {
  const { uart, rd, wr } = make();
  wr(UART_FCR, 0x07); // enable and clear FIFOs
  assert.equal(uart.receive(new TextEncoder().encode("abcdefghijklmnopqrst")), 20, "a 16550 depth is not a limit");
  let s = "";
  while (rd(UART_LSR) & UART_LSR_DR) s += String.fromCharCode(rd(UART_RX));
  assert.equal(s, "abcdefghijklmnopqrst");
  assert.equal(rd(UART_RX), 0, "empty FIFO reads 0");
});

test("RX FIFO: a full FIFO takes what fits and tells the host", () => {
  const { uart, rd } = make(16);
  assert.equal(uart.receive(new Uint8Array(20).fill(7)), 16);
  assert.equal(uart.rxSpace(), 0);
  assert.equal(uart.receive(new Uint8Array([1])), 0);
  rd(UART_RX);
  assert.equal(uart.rxSpace(), 1);
  assert.equal(rd(UART_LSR) & UART_LSR_OE, 0, "host back-pressure is not an overrun");
});

test("FCR clears the RX FIFO; toggling FIFO enable clears it too", () => {
  const { uart, rd, wr } = make();
  wr(UART_FCR, 0x01);
  uart.receive(new Uint8Array([1, 2, 3]));
  wr(UART_FCR, 0x03);
  assert.equal(rd(UART_LSR) & UART_LSR_DR, 0);
  uart.receive(new Uint8Array([1]));
  wr(UART_FCR, 0x00);
  assert.equal(rd(UART_LSR) & UART_LSR_DR, 0);
});

test("IIR reports FIFO-enabled bits when FCR.FE is set", () => {
  const { rd, wr } = make();
  assert.equal(rd(UART_IIR) & UART_IIR_FIFO_ENABLED, 0);
  wr(UART_FCR, 0x01);
  assert.equal(rd(UART_IIR), UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
});

test("RX interrupt: trigger level gives RDI, fewer bytes give a character timeout", () => {
  const { uart, rd, wr, irq } = make();
  wr(UART_FCR, 0x81); // FIFO on, trigger level 8
  wr(UART_IER, UART_IER_RDI);
  assert.equal(irq.level, false);
  uart.receive(new Uint8Array(3));
  assert.equal(irq.level, true);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_RX_TIMEOUT);
  uart.receive(new Uint8Array(5));
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_RDI);
  for (let i = 0; i < 8; i++) rd(UART_RX);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_NO_INT);
  assert.equal(irq.level, false);
});

test("RX interrupt without FIFO is plain RDI", () => {
  const { uart, rd, wr } = make();
  wr(UART_IER, UART_IER_RDI);
  uart.receive(new Uint8Array([0x31]));
  assert.equal(rd(UART_IIR), UART_IIR_RDI);
});

test("THRE interrupt: raised by IER.THRI rising, cleared by an IIR read, re-raised by a THR write", () => {
  const { rd, wr, irq } = make();
  wr(UART_IER, UART_IER_THRI);
  assert.equal(irq.level, true);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_THRI);
  assert.equal(irq.level, false, "reading IIR acknowledged THRE");
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_NO_INT);
  wr(UART_TX, 0x41);
  assert.equal(irq.level, true, "THR emptied again");
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_THRI);
});

test("Linux's UART_BUG_THRE probe sees THRE re-asserted after IER is toggled", () => {
  // serial8250_do_startup: IER=THRI, read IIR, IER=0, IER=THRI, read IIR: both must show an interrupt.
  const { rd, wr } = make();
  wr(UART_IER, UART_IER_THRI);
  const iir1 = rd(UART_IIR);
  wr(UART_IER, 0);
  wr(UART_IER, UART_IER_THRI);
  const iir = rd(UART_IIR);
  wr(UART_IER, 0);
  assert.equal(iir1 & UART_IIR_NO_INT, 0);
  assert.equal(iir & UART_IIR_NO_INT, 0);
});

test("clearing IER.THRI drops the line", () => {
  const { wr, irq } = make();
  wr(UART_IER, UART_IER_THRI);
  assert.equal(irq.level, true);
  wr(UART_IER, 0);
  assert.equal(irq.level, false);
});

test("priority: received data beats THRE; THRE shows once the data is read", () => {
  const { uart, rd, wr } = make();
  wr(UART_IER, UART_IER_RDI | UART_IER_THRI);
  uart.receive(new Uint8Array([0x61]));
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_RDI);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_RDI, "reading IIR does not clear RDI");
  rd(UART_RX);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_THRI);
});

test("loopback: THR comes back on RBR, MSR mirrors MCR, line status reports overrun", () => {
  const { uart, rd, wr, out } = make(16);
  wr(UART_MCR, UART_MCR_LOOP);
  assert.equal(rd(UART_MSR) & 0xf0, 0, "modem inputs follow the (clear) outputs");
  wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
  const msr = rd(UART_MSR);
  assert.equal(msr & UART_MSR_CTS, UART_MSR_CTS);
  assert.equal(msr & UART_MSR_DCTS, UART_MSR_DCTS);
  assert.equal(rd(UART_MSR) & UART_MSR_DCTS, 0, "reading MSR clears the deltas");
  wr(UART_TX, 0x55);
  assert.deepEqual(out, []);
  assert.equal(rd(UART_RX), 0x55);
  assert.equal(uart.receive(new Uint8Array([1])), 0, "the line is disconnected in loopback");
  wr(UART_IER, UART_IER_RLSI);
  for (let i = 0; i < 17; i++) wr(UART_TX, i);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_RLSI);
  assert.equal(rd(UART_LSR) & UART_LSR_OE, UART_LSR_OE);
  assert.equal(rd(UART_LSR) & UART_LSR_OE, 0, "reading LSR clears OE");
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_NO_INT);
});

test("modem status interrupt is lowest priority", () => {
  const { rd, wr } = make();
  wr(UART_IER, UART_IER_MSI | UART_IER_THRI);
  wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_THRI);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_MSI);
  rd(UART_MSR);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_NO_INT);
});

test("reset empties the FIFO and lowers the line", () => {
  const { uart, rd, wr, irq } = make();
  wr(UART_IER, UART_IER_RDI);
  uart.receive(new Uint8Array([1, 2]));
  assert.equal(irq.level, true);
  uart.reset();
  assert.equal(irq.level, false);
  assert.equal(rd(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
  assert.equal(rd(UART_IER), 0);
});

test("the line only toggles on changes", () => {
  const { uart, wr, irq } = make();
  wr(UART_IER, UART_IER_RDI);
  uart.receive(new Uint8Array([1]));
  uart.receive(new Uint8Array([2]));
  assert.equal(irq.changes, 1);
});

test("break: a NUL with LSR.BI when it reaches the top of the FIFO, then the next key (Linux's SysRq over serial)", () => {
  const { uart, rd, wr } = make(16);
  wr(UART_FCR, 1);
  wr(UART_IER, UART_IER_RDI | UART_IER_RLSI);
  uart.receive(new Uint8Array([0x61]));
  assert.equal(uart.receiveBreak(), true);
  uart.receive(new Uint8Array([0x6f]));
  assert.equal(rd(UART_LSR) & (UART_LSR_BI | UART_LSR_DR), UART_LSR_DR, "the break is not at the top yet");
  assert.equal(rd(UART_RX), 0x61);
  assert.equal(iirId(rd(UART_IIR)), UART_IIR_RLSI, "line status outranks received data");
  assert.equal(rd(UART_LSR) & (UART_LSR_BI | UART_LSR_DR), UART_LSR_BI | UART_LSR_DR);
  assert.equal(rd(UART_LSR) & UART_LSR_BI, 0, "reading LSR clears BI");
  assert.equal(rd(UART_RX), 0, "a break reads as NUL");
  assert.equal(rd(UART_LSR) & (UART_LSR_BI | UART_LSR_DR), UART_LSR_DR);
  assert.equal(rd(UART_RX), 0x6f);
  for (let i = 0; i < 16; i++) uart.receive(new Uint8Array([i]));
  assert.equal(uart.receiveBreak(), false, "a full FIFO takes no break");
  wr(UART_MCR, UART_MCR_LOOP);
  wr(UART_FCR, 3);
  assert.equal(uart.receiveBreak(), false, "the line is disconnected in loopback");
});

test("requestToSend: RTS asserted and not in loopback", () => {
  const { uart, wr } = make();
  assert.equal(uart.requestToSend, false, "off at power-on");
  wr(UART_MCR, UART_MCR_RTS);
  assert.equal(uart.requestToSend, true);
  wr(UART_MCR, UART_MCR_RTS | UART_MCR_LOOP);
  assert.equal(uart.requestToSend, false, "loopback disconnects the line");
  wr(UART_MCR, 0);
  assert.equal(uart.requestToSend, false);
});
