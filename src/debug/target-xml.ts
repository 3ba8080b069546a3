// The target description gdb reads with qXfer:features:read (GDB manual, appendix G
// "Target Descriptions", G.5.11 RISC-V Features). The features and register numbers are
// QEMU's for riscv64 (x0-x31 0-31, pc 32, f0-f31 33-64, priv 65, a CSR at 66 + its
// number), so a gdb script written against QEMU's stub reads the same registers here.
// Only the CSRs this hart implements are listed.
import { REG_CSR0, REG_F0, REG_PC, REG_PRIV } from "./target.js";

const X_NAMES = [
  "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
  "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];
const F_NAMES = [
  "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
  "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/** The CSRs gdb sees, by name and number (what src/hart/state.ts csrRead answers). */
export const CSRS: readonly (readonly [string, number])[] = [
  ["fflags", 0x001], ["frm", 0x002], ["fcsr", 0x003],
  ["cycle", 0xc00], ["time", 0xc01], ["instret", 0xc02],
  ["sstatus", 0x100], ["sie", 0x104], ["stvec", 0x105], ["scounteren", 0x106], ["senvcfg", 0x10a],
  ["sscratch", 0x140], ["sepc", 0x141], ["scause", 0x142], ["stval", 0x143], ["sip", 0x144], ["satp", 0x180],
  ["mstatus", 0x300], ["misa", 0x301], ["medeleg", 0x302], ["mideleg", 0x303], ["mie", 0x304], ["mtvec", 0x305],
  ["mcounteren", 0x306], ["menvcfg", 0x30a], ["mcountinhibit", 0x320],
  ["mscratch", 0x340], ["mepc", 0x341], ["mcause", 0x342], ["mtval", 0x343], ["mip", 0x344],
  ["pmpcfg0", 0x3a0], ["pmpcfg2", 0x3a2],
  ["tselect", 0x7a0], ["tdata1", 0x7a1], ["tdata2", 0x7a2], ["tdata3", 0x7a3], ["tinfo", 0x7a4],
  ...Array.from({ length: 16 }, (_, i) => [`pmpaddr${i}`, 0x3b0 + i] as const),
  ["mcycle", 0xb00], ["minstret", 0xb02],
  ["mvendorid", 0xf11], ["marchid", 0xf12], ["mimpid", 0xf13], ["mhartid", 0xf14],
];

function reg(name: string, num: number, type?: string): string {
  return `<reg name="${name}" bitsize="64" regnum="${num}"${type ? ` type="${type}"` : ""}/>`;
}

const HEAD = '<?xml version="1.0"?><!DOCTYPE feature SYSTEM "gdb-target.dtd">';

/** The annexes gdb may ask for, by name. */
export const TARGET_XML: ReadonlyMap<string, string> = new Map([
  ["target.xml",
    '<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target><architecture>riscv:rv64</architecture>' +
    '<xi:include href="riscv-64bit-cpu.xml"/><xi:include href="riscv-64bit-fpu.xml"/>' +
    '<xi:include href="riscv-64bit-virtual.xml"/><xi:include href="riscv-csr.xml"/></target>'],
  ["riscv-64bit-cpu.xml",
    HEAD + '<feature name="org.gnu.gdb.riscv.cpu">' +
    X_NAMES.map((n, i) => reg(n, i, i === 1 ? "code_ptr" : i >= 2 && i <= 4 || i === 8 ? "data_ptr" : "int")).join("") +
    reg("pc", REG_PC, "code_ptr") + "</feature>"],
  ["riscv-64bit-fpu.xml",
    HEAD + '<feature name="org.gnu.gdb.riscv.fpu"><union id="riscv_double">' +
    '<field name="float" type="ieee_single"/><field name="double" type="ieee_double"/></union>' +
    F_NAMES.map((n, i) => reg(n, REG_F0 + i, "riscv_double")).join("") + "</feature>"],
  ["riscv-64bit-virtual.xml",
    HEAD + '<feature name="org.gnu.gdb.riscv.virtual">' + reg("priv", REG_PRIV) + "</feature>"],
  ["riscv-csr.xml",
    HEAD + '<feature name="org.gnu.gdb.riscv.csr">' + CSRS.map(([n, c]) => reg(n, REG_CSR0 + c)).join("") + "</feature>"],
]);
