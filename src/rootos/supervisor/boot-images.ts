// A VM's boot images as the RootOS reads them before its thread starts: verified boot and
// measured boot. A signed bundle is verified against the board's trusted keys, the VM's
// name and the anti-rollback version (src/rootos/trust), and must hold exactly the
// images the plan boots; loose files boot only where the plan allows unsigned images.
// Then every stage is measured in load order (firmware, bootloader or kernel, initrd, the
// command line) into a chained log that the supervisor keeps and the guest sees under
// /chosen. A refusal is a RootosError (Verification) naming the file and the reason.
import { readFile } from "node:fs/promises";
import { BundleError, type Role } from "../../images/bundle.js";
import { measure, measurementLines, type MeasurementLog, readPublicKey, type Stage, TrustError, type TrustedKey, verifyBundle } from "../trust/index.js";
import type { BootFile, BoardPlan, VmPlan } from "../plan/index.js";
import { errnoText, RootosError } from "./errors.js";
import type { MachineConfig } from "../../machine/machine.js";
import type { WorkerImage } from "./protocol.js";

/** A VM's boot images, read, verified and measured by the RootOS before its thread starts. */
export interface BootImages {
  readonly kernel: WorkerImage;
  readonly initrd?: WorkerImage;
  readonly firmware?: WorkerImage;
  readonly measurements: MeasurementLog;
  /** What verified boot checked: the bundle, its version and signer; undefined for loose files. */
  readonly verified?: VerifiedBoot;
}

/** A verified bundle, as VmInfo shows it. */
export interface VerifiedBoot {
  readonly bundle: string;
  readonly version: number;
  readonly key: string;
}

/** What verification needs beyond the plan: the board's keys and the version installed before (anti-rollback). */
export interface BootTrust {
  readonly trustedKeys: BoardPlan["trustedKeys"];
  /** The highest bundle version this VM has booted; a lower one is refused. */
  readonly installedVersion?: number;
  /** Boot this bundle instead of the plan's file: the VM's active A/B slot (src/rootos/slots). */
  readonly slot?: { readonly bytes: Uint8Array; readonly ref: string };
}

/** Read, verify and measure a VM's boot images. Throws RootosError (BootImage, Verification). */
export async function readBootImages(plan: VmPlan, trust: BootTrust): Promise<BootImages> {
  const b = plan.boot;
  const kernelStage = b.disk !== undefined ? "bootloader" : b.mode === "bare" ? "program" : "kernel";
  const planned: { readonly slot: "firmware" | "kernel" | "initrd"; readonly file: BootFile; readonly stage: string }[] = [
    ...(b.firmware ? [{ slot: "firmware" as const, file: b.firmware, stage: "firmware" }] : []),
    { slot: "kernel", file: b.kernel, stage: kernelStage },
    ...(b.initrd ? [{ slot: "initrd" as const, file: b.initrd, stage: "initrd" }] : []),
  ];
  const images: { -readonly [K in "firmware" | "kernel" | "initrd"]?: WorkerImage } = {};
  const stages: Stage[] = [];
  let verified: VerifiedBoot | undefined;

  if (b.bundle) {
    const bundle = trust.slot ? { ref: trust.slot.ref, path: trust.slot.ref } : b.bundle;
    const refuse = (why: string, reason: string): never => { throw new RootosError({ kind: "Verification", vm: plan.name, file: bundle.ref, why, reason }); };
    const bytes = trust.slot?.bytes ?? await readBytes(plan.name, "bundle", bundle.path);
    let keys: TrustedKey[];
    try {
      keys = trust.trustedKeys.map((k) => readPublicKey(k.path, k.name));
    } catch (e) {
      return refuse((e as Error).message, "KeyFile");
    }
    const minVersion = b.bundle.minVersion ?? 0;
    const min = Math.max(minVersion, trust.installedVersion ?? 0);
    const source = (trust.installedVersion ?? 0) > minVersion ? "version this VM booted before" : "min_version in the description";
    let v;
    try {
      v = verifyBundle(bytes, { keys, ...(b.key !== undefined ? { key: b.key } : {}), target: plan.name, ...(min > 0 ? { minVersion: { version: min, source } } : {}) }, { exact: true });
    } catch (e) {
      if (e instanceof TrustError || e instanceof BundleError) return refuse(e.message, e.info.kind);
      throw e;
    }
    // The bundle may have changed since the plan was made: it must hold what the plan boots.
    const want = planned.map((p) => p.file.role!).sort();
    const have = v.files.map((f) => f.role).sort();
    if (want.join() !== have.join()) refuse(`the bundle holds ${have.join(", ")}, but the plan boots ${want.join(", ")} (validate the description again)`, "Roles");
    for (const p of planned) {
      const f = v.files.find((x) => x.role === (p.file.role as Role))!;
      images[p.slot] = { name: `${bundle.ref}[${f.role}] ${f.name}`, bytes: f.bytes };
      stages.push({ stage: p.stage, name: f.name, bytes: f.bytes, digest: f.sha256 });
    }
    verified = { bundle: bundle.path, version: v.manifest.version, key: v.signer.name };
  } else {
    if (!b.unsignedAllowed) {
      const { file: f, stage } = planned[0]!;
      const e = new TrustError({ kind: "Unsigned", what: stage, path: f.path, why: "this VM boots signed bundles only" });
      throw new RootosError({ kind: "Verification", vm: plan.name, file: f.ref, why: e.message, reason: "Unsigned" });
    }
    const read = await Promise.all(planned.map(async (p) => ({ p, bytes: await readBytes(plan.name, p.stage, p.file.path) })));
    for (const { p, bytes } of read) {
      images[p.slot] = { name: p.file.path, bytes };
      stages.push({ stage: p.stage, name: p.file.ref, bytes });
    }
  }
  if (b.append !== undefined) stages.push({ stage: "cmdline", name: "append", bytes: new TextEncoder().encode(b.append) });
  return {
    kernel: images.kernel!,
    ...(images.initrd ? { initrd: images.initrd } : {}),
    ...(images.firmware ? { firmware: images.firmware } : {}),
    measurements: measure(stages),
    ...(verified ? { verified } : {}),
  };
}

/** A file's bytes in a buffer of their own (so they can be moved to the VM's thread). */
async function readBytes(vm: string, what: string, path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    // A file read whole has its own ArrayBuffer (only small ones share Node's pool): take
    // it as it is; copying a 30 MiB kernel costs more than hashing it.
    return buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? new Uint8Array(buf.buffer) : Uint8Array.prototype.slice.call(buf);
  } catch (e) {
    throw new RootosError({ kind: "BootImage", vm, what, path, why: errnoText(e) });
  }
}

/** The machine configuration a VM's thread builds its machine from: its plan and images, nothing else. */
export function workerMachineConfig(plan: VmPlan, images: BootImages): MachineConfig {
  const b = plan.boot;
  return {
    harts: plan.harts,
    ramBytes: plan.ramBytes,
    timing: plan.timing,
    boot: {
      mode: b.mode,
      kernel: images.kernel,
      ...(b.rawKernel ? { rawKernel: true } : {}),
      ...(images.initrd ? { initrd: images.initrd } : {}),
      ...(b.append !== undefined ? { append: b.append } : {}),
      ...(images.firmware ? { bios: images.firmware } : {}),
      measurements: { log: measurementLines(images.measurements), value: images.measurements.value },
    },
  };
}

/** The buffers to move into the VM's thread: each once (a bundle's images share one). */
export function imageBuffers(images: BootImages): ArrayBuffer[] {
  return [...new Set([images.kernel, images.initrd, images.firmware].filter((i): i is WorkerImage => i !== undefined).map((i) => i.bytes.buffer as ArrayBuffer))];
}
