// Fixtures for the supervisor's tests: VmPlans and SystemPlans without a description file,
// the test guests (test/guests/bin), and waiting for a condition.
import { fileURLToPath } from "node:url";
import { MEMMAP } from "../../platform/memmap.js";
import type { RestartPlan, SystemPlan, VmBoot, VmPlan } from "../plan/index.js";

/** The repository root (from dist/src/rootos/supervisor). */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** A bare-metal test guest: test/guests/bin/NAME.elf (spin, kick, crash, panic, probe, fill, echo). */
export function guestElf(name: string): string {
  return `${repoRoot}test/guests/bin/${name}.elf`;
}

export const NO_RESTART: RestartPlan = { on: [], backoff: { initialMs: 100, maxMs: 1000, factor: 2 } };

/** A VmPlan with test defaults: one hart, 16 MiB, bare boot of `program`, realtime, no restart. */
export function testVmPlan(name: string, over: Partial<VmPlan> & { program?: string } = {}): VmPlan {
  const { program, ...rest } = over;
  const boot: VmBoot = { mode: "bare", kernel: { path: program ?? guestElf("spin"), ref: "spin" }, rawKernel: false, unsignedAllowed: true };
  return {
    name,
    os: "bare-metal",
    criticality: "general",
    cores: [0],
    harts: 1,
    ramBytes: 16 << 20,
    boardRam: { base: MEMMAP.ram.base, size: BigInt(16 << 20) },
    boot,
    devices: [],
    timing: "realtime",
    restart: NO_RESTART,
    autostart: true,
    ...rest,
  };
}

export function testSystemPlan(vms: readonly VmPlan[], networks: readonly string[] = []): SystemPlan {
  return {
    source: "/test/system.yaml",
    board: {
      name: "test-board", cores: 4, memory: { base: MEMMAP.ram.base, size: 1n << 30n },
      freeCores: [], freeMemory: [], disks: [], nics: [], serialPorts: [], secureBoot: false, trustedKeys: [],
    },
    vms,
    networks: networks.map((name) => ({
      name,
      ports: vms.flatMap((vm) => vm.devices.flatMap((d, i) => (d.kind === "nic" && d.network === name ? [{ vm: vm.name, device: i }] : []))),
    })),
  };
}

/** Poll `cond` every 20 ms until it is truthy (returns it) or `timeoutMs` passes (throws, naming `what`). */
export async function waitFor<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
