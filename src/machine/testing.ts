// A scriptable stand-in for the wasm Cpu, so the machine's wiring, boot state and run
// loop are tested without the hart: each run() call is answered by a test's script.
import { FakeCpu } from "../boot/testing.js";
import type { CpuHost, CpuOptions } from "./cpu.js";
import { Exit, RAM_OFFSET } from "./cpu.js";
import type { MachineCpu } from "./machine.js";

/** What one run() slice does: touch the host (MMIO, SBI) and say why it returned. */
export type RunScript = (cpu: FakeMachineCpu, host: CpuHost, budget: number) => Exit;

export class FakeMachineCpu extends FakeCpu implements MachineCpu {
  readonly memory: WebAssembly.Memory;
  readonly ram: Uint8Array;
  readonly sbiModes: boolean[];
  now = 0n;
  exitRequested = false;
  runs = 0;
  readonly mtimeWrites: bigint[] = [];

  constructor(opts: CpuOptions, readonly host: CpuHost, private readonly script: RunScript) {
    super(opts.harts);
    this.memory = new WebAssembly.Memory({ initial: Math.ceil((RAM_OFFSET + opts.ramBytes) / 65536) });
    this.ram = new Uint8Array(this.memory.buffer, RAM_OFFSET, opts.ramBytes);
    this.sbiModes = new Array<boolean>(opts.harts).fill(false);
  }

  run(budget: number): Exit {
    this.runs++;
    this.exitRequested = false;
    const r = this.script(this, this.host, budget);
    return this.exitRequested ? Exit.Requested : r;
  }
  requestExit(): void { this.exitRequested = true; }
  mip(h: number): bigint { return BigInt(this.mips[h]!); }
  timecmp(h: number): bigint { return this.timecmps[h]!; }
  mtime(): bigint { return this.now; }
  setMtime(v: bigint): void { this.now = v; this.mtimeWrites.push(v); }
  readonly rom = new Uint8Array(0x1000);
  loadRom(bytes: Uint8Array): void { this.rom.fill(0).set(bytes); }
  setSbiMode(h: number, on: boolean): void { this.sbiModes[h] = on; }
  instret(_h: number): bigint { return 1000n; }
  stat(_which: number): bigint { return 0n; }
  takeLostHart(): number { return -1; }
}

/** A createCpu for MachineDeps that keeps the fake for the test to inspect. */
export function fakeCpuFactory(script: RunScript): { createCpu: (o: CpuOptions, h: CpuHost) => FakeMachineCpu; get: () => FakeMachineCpu } {
  let made: FakeMachineCpu | undefined;
  return {
    createCpu: (o, h) => (made = new FakeMachineCpu(o, h, script)),
    get: () => made!,
  };
}
