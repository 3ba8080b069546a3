// Measured boot: the log of what a VM booted, as a TPM keeps one in a PCR. Each stage
// (firmware, bootloader, kernel, initrd, the command line), in load order, is hashed
// with SHA-256, and the log's value is extended with it:
//
//   value_0 = 32 zero bytes;  value_i = SHA-256(value_{i-1} || digest_i)
//
// so the final value depends on every stage and on their order, and the same images give
// the same log on every boot. Names are informational: only digests enter the value.
import { createHash } from "node:crypto";

export interface Measurement {
  /** firmware, bootloader, kernel, initrd, program, cmdline. */
  readonly stage: string;
  readonly name: string;
  /** SHA-256 of the stage's bytes, hex. */
  readonly digest: string;
  /** The log's value after this stage was extended into it, hex. */
  readonly value: string;
}

export interface MeasurementLog {
  readonly entries: readonly Measurement[];
  /** The value after the last stage (32 zero bytes for an empty log), hex. */
  readonly value: string;
}

/** The stage's SHA-256, if known already (a verified bundle's manifest), else computed. */
export interface Stage {
  readonly stage: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly digest?: string;
}

/** The log of `stages`, in the order given (load order). */
export function measure(stages: readonly Stage[]): MeasurementLog {
  let value = Buffer.alloc(32);
  const entries = stages.map((s) => {
    const digest = s.digest ?? createHash("sha256").update(s.bytes).digest("hex");
    value = createHash("sha256").update(value).update(Buffer.from(digest, "hex")).digest();
    return { stage: s.stage, name: s.name, digest, value: value.toString("hex") };
  });
  return { entries, value: value.toString("hex") };
}

/** The log as lines for people and for the guest's device tree: `STAGE sha256:DIGEST NAME`. */
export function measurementLines(log: MeasurementLog): string[] {
  return log.entries.map((e) => `${e.stage} sha256:${e.digest} ${e.name}`);
}
