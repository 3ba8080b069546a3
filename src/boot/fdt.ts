// Flattened device tree writer and the virt machine's tree. Spec: Devicetree Specification
// v0.4 §5 "Flattened Devicetree (DTB) Format" (version 17); tree modelled on QEMU 7.2
// hw/riscv/virt.c, plus riscv,isa-base/riscv,isa-extensions (Linux riscv/cpus.yaml, 6.7+).
// The blob is what a1 points to at kernel entry and what OpenSBI's fw_dynamic receives.
import { IRQ, MEMMAP, PLIC_SOURCES } from "../platform/memmap.js";

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
export const FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_NOP = 4, FDT_END = 9;
const HEADER_SIZE = 40;

const utf8 = new TextEncoder();

/** Thrown for a tree we would write wrongly (our bug or a caller's bad name); never for guest input. */
export class FdtError extends Error {
  constructor(message: string) { super(message); this.name = "FdtError"; }
}

/**
 * One node. Properties keep insertion order; setting a name again replaces its value
 * in place, so callers can override what a builder wrote. Every setter returns the
 * node, for chaining.
 */
export class FdtNode {
  private readonly props = new Map<string, Uint8Array>();
  private readonly kids: FdtNode[] = [];

  /** `name` is "node-name@unit-address" (the root is ""). */
  constructor(readonly name: string) {
    if (name !== "" && !/^[A-Za-z0-9,._+-]{1,31}(@[A-Za-z0-9,._+-]+)?$/.test(name)) throw new FdtError(`bad node name "${name}"`);
  }

  /** Raw bytes. */
  bytes(name: string, value: Uint8Array): this {
    if (!/^[A-Za-z0-9,._+?#-]{1,31}$/.test(name)) throw new FdtError(`bad property name "${name}" in node "${this.name}"`);
    this.props.set(name, value);
    return this;
  }
  /** A property with no value (a boolean: present means true). */
  empty(name: string): this { return this.bytes(name, new Uint8Array(0)); }
  /** One or more 32-bit cells, big-endian (phandles are cells too). */
  u32(name: string, ...cells: number[]): this {
    const b = new Uint8Array(4 * cells.length);
    const dv = new DataView(b.buffer);
    cells.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c > 0xffff_ffff) throw new FdtError(`${this.name}/${name}: cell ${c} is not a u32`);
      dv.setUint32(4 * i, c);
    });
    return this.bytes(name, b);
  }
  /** One or more 64-bit values, each as two cells (high, low). */
  u64(name: string, ...values: bigint[]): this {
    return this.u32(name, ...values.flatMap((v) => cells64(v)));
  }
  /** A NUL-terminated string. */
  string(name: string, value: string): this { return this.strings(name, value); }
  /** A string list: each NUL-terminated, concatenated ("compatible"). */
  strings(name: string, ...values: string[]): this {
    for (const v of values) if (v.includes("\0")) throw new FdtError(`${this.name}/${name}: string contains NUL`);
    return this.bytes(name, utf8.encode(values.map((v) => v + "\0").join("")));
  }
  /** reg = <addr size> pairs with #address-cells = #size-cells = 2 (as every bus here). */
  reg(...ranges: Array<{ base: bigint; size: bigint }>): this {
    return this.u64("reg", ...ranges.flatMap((r) => [r.base, r.size]));
  }
  /** Set "phandle"; get the number from DeviceTree.allocPhandle(). */
  phandle(ph: number): this { return this.u32("phandle", ph); }

  /** Add a child and return the child (not this). A second child with the same name is an error. */
  add(child: FdtNode): FdtNode {
    if (this.kids.some((k) => k.name === child.name)) throw new FdtError(`node "${this.name}" already has a child "${child.name}"`);
    this.kids.push(child);
    return child;
  }
  /** Create, add and return a child. */
  child(name: string): FdtNode { return this.add(new FdtNode(name)); }
  /** A direct child by name. */
  get(name: string): FdtNode | undefined { return this.kids.find((k) => k.name === name); }
  /** A property's raw value. */
  prop(name: string): Uint8Array | undefined { return this.props.get(name); }
  get children(): readonly FdtNode[] { return this.kids; }
  get properties(): ReadonlyMap<string, Uint8Array> { return this.props; }
}

function cells64(v: bigint): [number, number] {
  if (v < 0n || v >= 1n << 64n) throw new FdtError(`${v} is not a u64`);
  return [Number(v >> 32n), Number(v & 0xffff_ffffn)];
}

export interface ToBlobOptions {
  /**
   * Free bytes appended after the strings block and counted in totalsize, so code that
   * edits the tree in place (OpenSBI's fixups, U-Boot) has room to grow it; as `dtc -p`.
   */
  padBytes?: number;
}

/** A whole tree: the root node, the memory reservation block, the boot cpu and the phandle counter. */
export class DeviceTree {
  readonly root = new FdtNode("");
  readonly reservations: Array<{ address: bigint; size: bigint }> = [];
  /** boot_cpuid_phys in the header. */
  bootCpu = 0;
  private nextPhandle = 1;

  /** A fresh phandle, unique in this tree. */
  allocPhandle(): number { return this.nextPhandle++; }

  /** Add a /memreserve/ entry (memory the OS must not use, e.g. firmware). */
  reserve(address: bigint, size: bigint): void { cells64(address); cells64(size); this.reservations.push({ address, size }); }

  /** A node by absolute path ("/soc/serial@10000000"), or undefined. */
  find(path: string): FdtNode | undefined {
    if (!path.startsWith("/")) return undefined;
    let n: FdtNode | undefined = this.root;
    for (const part of path.split("/").filter((p) => p !== "")) n = n?.get(part);
    return n;
  }

  /** Serialize as DTB version 17: header, reservation map, structure block, strings block. */
  toBlob(opts: ToBlobOptions = {}): Uint8Array {
    const strings = new Map<string, number>();
    const strParts: Uint8Array[] = [];
    let strSize = 0;
    const nameOff = (name: string): number => {
      let off = strings.get(name);
      if (off === undefined) {
        const b = utf8.encode(name + "\0");
        off = strSize;
        strings.set(name, off);
        strParts.push(b);
        strSize += b.length;
      }
      return off;
    };

    // Structure block: grow a byte buffer of 4-byte-aligned tokens.
    let st = new Uint8Array(4096);
    let sp = 0;
    const room = (n: number): void => {
      if (sp + n <= st.length) return;
      const bigger = new Uint8Array(Math.max(st.length * 2, sp + n));
      bigger.set(st);
      st = bigger;
    };
    const word = (v: number): void => { room(4); new DataView(st.buffer).setUint32(sp, v); sp += 4; };
    const blob = (b: Uint8Array): void => { room(b.length + 3); st.set(b, sp); sp += b.length; while (sp & 3) st[sp++] = 0; };
    const walk = (n: FdtNode): void => {
      word(FDT_BEGIN_NODE);
      blob(utf8.encode(n.name + "\0"));
      for (const [name, value] of n.properties) {
        word(FDT_PROP); word(value.length); word(nameOff(name));
        blob(value);
      }
      for (const c of n.children) walk(c);
      word(FDT_END_NODE);
    };
    walk(this.root);
    word(FDT_END);

    const rsvOff = HEADER_SIZE; // 8-aligned
    const structOff = rsvOff + 16 * (this.reservations.length + 1);
    const stringsOff = structOff + sp;
    const total = stringsOff + strSize + (opts.padBytes ?? 0);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    [FDT_MAGIC, total, structOff, stringsOff, rsvOff, FDT_VERSION, FDT_LAST_COMP_VERSION, this.bootCpu, strSize, sp]
      .forEach((v, i) => dv.setUint32(4 * i, v));
    this.reservations.forEach((r, i) => {
      dv.setBigUint64(rsvOff + 16 * i, r.address);
      dv.setBigUint64(rsvOff + 16 * i + 8, r.size);
    }); // the terminating all-zero entry is already zero
    out.set(st.subarray(0, sp), structOff);
    let p = stringsOff;
    for (const s of strParts) { out.set(s, p); p += s.length; }
    return out;
  }
}

// ---------------------------------------------------------------------------
// The virt machine's tree.

/** Phandles of the virt tree, for callers adding nodes (virtio-mmio, PCIe) that need an interrupt parent. */
export interface VirtPhandles {
  plic: number;
  /** Each hart's riscv,cpu-intc, by hart index. */
  cpuIntc: number[];
  cpus: number[];
  /** The sifive,test0 syscon; undefined when the finisher is not in this VM. */
  test?: number;
}

export interface VirtFdtSpec {
  harts: number;
  ramBytes: bigint;
  /** Physical base of RAM; default MEMMAP.ram.base (0x8000_0000). */
  ramBase?: bigint;
  /** riscv,isa, e.g. "rv64imafdc_zicsr_zifencei". Advertise only what the hart implements. */
  isa: string;
  /**
   * riscv,isa-extensions. Default: the extensions spelled in `isa`, plus zicsr, zifencei
   * and zicntr, which Linux implies from "i" in a riscv,isa string but not from this list.
   */
  isaExtensions?: readonly string[];
  mmuType: "riscv,sv39" | "riscv,sv48";
  timebaseHz: number;
  bootargs?: string;
  initrd?: { start: bigint; end: bigint };
  /** /chosen stdout-path; default the UART when present. */
  stdoutPath?: string;
  /** Measured boot, offered to the guest read-only under /chosen. */
  measurements?: ChosenMeasurements;
  /** Platform devices in this VM; each defaults to present. CLINT and PLIC are always there. */
  devices?: { uart?: boolean; rtc?: boolean; finisher?: boolean };
  /** Extra /soc children (virtio-mmio, PCIe host bridge), built once the phandles are known. */
  socNodes?: (ph: VirtPhandles) => FdtNode[];
}

/**
 * A VM's measured-boot log as /chosen shows it (Linux: /proc/device-tree/chosen/):
 * bulkhead,measurements, one string per stage ("STAGE sha256:DIGEST NAME"), and
 * bulkhead,measurement, the chained value after the last stage (hex).
 */
export interface ChosenMeasurements {
  readonly log: readonly string[];
  readonly value: string;
}

/** The default hart ISA string: RV64GC without the implied extensions spelled out. */
export const VIRT_ISA = "rv64imafdc_zicsr_zifencei";

const hex = (v: bigint): string => v.toString(16);
const UART_PATH = `/soc/serial@${hex(MEMMAP.uart0.base)}`;
/** mcause interrupt numbers used in interrupts-extended (privileged spec table 3.6). */
const IRQ_M_SOFT = 3, IRQ_M_TIMER = 7, IRQ_S_EXT = 9, IRQ_M_EXT = 11;

/** Single letters then multi-letter extensions of an ISA string ("rv64imafdc_zicsr" -> i m a f d c zicsr). */
export function isaExtensionsOf(isa: string): string[] {
  const m = /^rv(32|64)([a-z]*)((?:_[a-z0-9]+)*)$/.exec(isa.toLowerCase());
  if (!m) throw new FdtError(`bad riscv,isa "${isa}": expected e.g. "rv64imafdc_zicsr_zifencei"`);
  const singles = [...m[2]!].flatMap((c) => (c === "g" ? ["i", "m", "a", "f", "d", "zicsr", "zifencei"] : [c]));
  const multi = m[3]!.split("_").filter((s) => s !== "");
  const out: string[] = [];
  for (const e of [...singles, ...multi]) if (!out.includes(e)) out.push(e);
  if (out.includes("i")) for (const e of ["zicsr", "zifencei", "zicntr"]) if (!out.includes(e)) out.push(e);
  return out;
}

/** The virt machine's tree, open for additions; call `.tree.toBlob()` when done. */
export function virtTree(spec: VirtFdtSpec): { tree: DeviceTree; phandles: VirtPhandles } {
  if (!Number.isInteger(spec.harts) || spec.harts < 1) throw new FdtError(`harts must be >= 1, got ${spec.harts}`);
  if (spec.ramBytes <= 0n) throw new FdtError(`ramBytes must be > 0, got ${spec.ramBytes}`);
  const dev = { uart: true, rtc: true, finisher: true, ...spec.devices };
  const isaBase = `rv${/^rv(32|64)/i.exec(spec.isa)?.[1] ?? "64"}i`;
  const extensions = spec.isaExtensions ?? isaExtensionsOf(spec.isa);

  const t = new DeviceTree();
  const root = t.root
    .u32("#address-cells", 2).u32("#size-cells", 2)
    .string("compatible", "riscv-virtio").string("model", "riscv-virtio,qemu");

  // /cpus: one cpu@N per hart, each with its local interrupt controller.
  const cpus = root.child("cpus").u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", spec.timebaseHz);
  const cpuPh: number[] = [];
  const intcPh: number[] = [];
  for (let h = 0; h < spec.harts; h++) {
    const ph = t.allocPhandle();
    cpuPh.push(ph);
    const cpu = cpus.child(`cpu@${h}`)
      .phandle(ph).string("device_type", "cpu").u32("reg", h).string("status", "okay")
      .string("compatible", "riscv").string("riscv,isa", spec.isa)
      .string("riscv,isa-base", isaBase).strings("riscv,isa-extensions", ...extensions)
      .string("mmu-type", spec.mmuType);
    const iph = t.allocPhandle();
    intcPh.push(iph);
    cpu.child("interrupt-controller")
      .u32("#address-cells", 0) // dtc's interrupt_provider check wants it; the binding allows 0
      .u32("#interrupt-cells", 1).empty("interrupt-controller")
      .string("compatible", "riscv,cpu-intc").phandle(iph);
  }
  const cluster = cpus.child("cpu-map").child("cluster0");
  cpuPh.forEach((ph, h) => cluster.child(`core${h}`).u32("cpu", ph));

  const ramBase = spec.ramBase ?? MEMMAP.ram.base;
  root.child(`memory@${hex(ramBase)}`).string("device_type", "memory").reg({ base: ramBase, size: spec.ramBytes });

  const plicPh = t.allocPhandle();
  const testPh = dev.finisher ? t.allocPhandle() : undefined;
  const phandles: VirtPhandles = { plic: plicPh, cpuIntc: intcPh, cpus: cpuPh, ...(testPh ? { test: testPh } : {}) };

  const soc = root.child("soc").u32("#address-cells", 2).u32("#size-cells", 2).string("compatible", "simple-bus").empty("ranges");
  if (dev.rtc) {
    soc.child(`rtc@${hex(MEMMAP.rtc.base)}`)
      .u32("interrupts", IRQ.rtc).u32("interrupt-parent", plicPh)
      .reg(MEMMAP.rtc).string("compatible", "google,goldfish-rtc");
  }
  if (dev.uart) {
    soc.child(`serial@${hex(MEMMAP.uart0.base)}`)
      .u32("interrupts", IRQ.uart0).u32("interrupt-parent", plicPh)
      .u32("clock-frequency", 0x384000).reg(MEMMAP.uart0).string("compatible", "ns16550a");
  }
  if (testPh !== undefined) {
    soc.child(`test@${hex(MEMMAP.finisher.base)}`)
      .phandle(testPh).reg(MEMMAP.finisher).strings("compatible", "sifive,test1", "sifive,test0", "syscon");
  }
  soc.child(`plic@${hex(MEMMAP.plic.base)}`)
    .phandle(plicPh).u32("riscv,ndev", PLIC_SOURCES - 1).reg(MEMMAP.plic)
    .u32("interrupts-extended", ...intcPh.flatMap((p) => [p, IRQ_M_EXT, p, IRQ_S_EXT]))
    .empty("interrupt-controller").strings("compatible", "sifive,plic-1.0.0", "riscv,plic0")
    .u32("#address-cells", 0).u32("#interrupt-cells", 1);
  soc.child(`clint@${hex(MEMMAP.clint.base)}`)
    .u32("interrupts-extended", ...intcPh.flatMap((p) => [p, IRQ_M_SOFT, p, IRQ_M_TIMER]))
    .reg(MEMMAP.clint).strings("compatible", "sifive,clint0", "riscv,clint0");
  for (const n of spec.socNodes?.(phandles) ?? []) soc.add(n);

  // syscon-poweroff / syscon-reboot at the root, as QEMU 7.2: Linux powers off and
  // reboots through the test device with them.
  if (testPh !== undefined) {
    root.child("poweroff").u32("value", 0x5555).u32("offset", 0).u32("regmap", testPh).string("compatible", "syscon-poweroff");
    root.child("reboot").u32("value", 0x7777).u32("offset", 0).u32("regmap", testPh).string("compatible", "syscon-reboot");
  }

  const chosen = root.child("chosen");
  if (spec.bootargs !== undefined) chosen.string("bootargs", spec.bootargs);
  const stdout = spec.stdoutPath ?? (dev.uart ? UART_PATH : undefined);
  if (stdout !== undefined) chosen.string("stdout-path", stdout);
  if (spec.initrd) {
    if (spec.initrd.end < spec.initrd.start) throw new FdtError("initrd end lies before its start");
    chosen.u64("linux,initrd-start", spec.initrd.start).u64("linux,initrd-end", spec.initrd.end);
  }
  if (spec.measurements) {
    if (spec.measurements.log.length > 0) chosen.strings("bulkhead,measurements", ...spec.measurements.log);
    chosen.string("bulkhead,measurement", spec.measurements.value);
  }
  if (dev.uart) root.child("aliases").string("serial0", UART_PATH);

  return { tree: t, phandles };
}

/** The virt machine's device tree blob. `padBytes` leaves room for in-place edits by firmware. */
export function buildVirtFdt(spec: VirtFdtSpec, opts: ToBlobOptions = {}): Uint8Array {
  return virtTree(spec).tree.toBlob(opts);
}
