// The upgrades service (docs/upgrades.md): the board's A/B slot store (src/rootos/slots),
// what a VM with slots boots (its active slot; the factory install of the description's
// bundle at its first start), the checks and the write of an upgrade, the boot-control
// record's switch, commit and rollback, a trial found at start-up, `slots VM`, and the
// upgrade ports' receivers. Every bundle is held to the one rule of
// src/rootos/trust/policy.ts. When a trial is decided is the VM controller's business
// (controller.ts); this service writes what it decided.
import { readFile } from "node:fs/promises";
import { BundleError } from "../../images/bundle.js";
import type { SystemPlan, VmPlan } from "../plan/index.js";
import { otherSlot, type SlotName, SlotStore, type VmSlots } from "../slots/store.js";
import { bundleRule, checkBoot, checkNewer, readTrustedKeys, TrustError, type VerifiedBundle } from "../trust/index.js";
import type { TrialState } from "./controller.js";
import { errnoText, RootosError } from "./errors.js";
import type { EventLog } from "./event-log.js";
import type { SlotInfo, SlotsInfo } from "./types.js";
import { UpgradeReceiver } from "./upgrade-port.js";

/** An upgrade that passed every check: what it installs where. */
export interface CheckedUpgrade {
  readonly bundle: Uint8Array;
  readonly verified: VerifiedBundle;
  readonly slots: VmSlots;
  readonly slot: SlotName;
}

export interface UpgradesOptions {
  /** ms to pause after each 64 KiB written to a slot (a test hook). */
  readonly slotWriteDelayMs?: number;
  /** Quiet time that ends a bundle on an upgrade port. */
  readonly upgradePortGapMs?: number;
}

export class Upgrades {
  private readonly store: SlotStore;

  /** Opens the slot store of `plan().board.slots` and rolls back a trial the last RootOS left open. */
  constructor(private readonly plan: () => SystemPlan, private readonly record: EventLog["record"], private readonly opts: UpgradesOptions = {}) {
    this.store = new SlotStore(plan().board.slots!, { ...(opts.slotWriteDelayMs ? { chunkDelayMs: opts.slotWriteDelayMs } : {}) });
    this.recover();
  }

  private get partition(): string { return this.plan().board.slots!.partition; }

  /** A receiver for the upgrade port of `vm`, if it has one. */
  receiver(vm: VmPlan, reply: (line: string) => void, deliver: (bundle: Uint8Array) => Promise<string>): UpgradeReceiver | undefined {
    if (vm.upgrade?.port === undefined) return undefined;
    return new UpgradeReceiver({
      maxBytes: this.store.range.slotSize,
      ...(this.opts.upgradePortGapMs !== undefined ? { gapMs: this.opts.upgradePortGapMs } : {}),
      reply,
      deliver,
    });
  }

  /**
   * At start-up: a trial left in the record means the RootOS stopped during an upgrade
   * (killed, power lost) — roll it back, so the old image boots; and say which slots hold
   * something that is not a whole bundle (a write cut short).
   */
  private recover(): void {
    const store = this.store;
    const vms = { ...store.control.vms };
    let changed = false;
    for (const [vm, s] of Object.entries(store.control.vms)) {
      if (!s.trial) continue;
      vms[vm] = { ...s, active: s.trial.previous, trial: null };
      changed = true;
      this.record("fault", vm, `rollback: the RootOS stopped while version ${s.trial.version} was on trial in slot ${s.trial.slot}; slot ${s.trial.previous} (version ${s.versions[s.trial.previous]}) boots again`,
        { upgrade: "rollback", version: s.trial.version, slot: s.trial.slot });
    }
    if (changed) store.writeControl(vms);
    for (const [vm, s] of Object.entries(store.control.vms)) {
      for (const slot of ["A", "B"] as const) {
        const c = store.readSlot(s.pair, slot);
        if (c.kind === "invalid") this.record("check", vm, `slot ${slot} is invalid (${c.why}); it does not boot, and the next upgrade overwrites it`, { slot, invalid: c.why });
      }
    }
  }

  /** The bundle a slot VM boots: its active slot's (installing the description's bundle first, on its first start). */
  async bootSlot(vm: VmPlan): Promise<{ bytes: Uint8Array; ref: string; committed: number }> {
    const store = this.store;
    let s = store.control.vms[vm.name] ?? await this.provision(vm);
    let c = store.readSlot(s.pair, s.active);
    if (c.kind === "empty" && store.readSlot(s.pair, otherSlot(s.active)).kind === "empty") {
      s = await this.provision(vm); // both slots blank (a wiped partition): the factory install again
      c = store.readSlot(s.pair, s.active);
    }
    if (c.kind !== "bundle") {
      const other = otherSlot(s.active);
      const alt = store.readSlot(s.pair, other);
      const why = c.kind === "empty" ? "empty" : c.why;
      if (alt.kind !== "bundle") throw new RootosError({ kind: "Verification", vm: vm.name, file: `slot ${s.active}`, why: `${why}, and slot ${other} holds no bundle either`, reason: "Slot" });
      this.record("fault", vm.name, `slot ${s.active} is invalid (${why}): booting slot ${other}`, { slot: s.active });
      s = { ...s, active: other };
      store.writeControl({ ...store.control.vms, [vm.name]: s });
      c = alt;
    }
    return { bytes: c.bytes, ref: `slot ${s.active} of ${this.partition}`, committed: s.committed };
  }

  /**
   * Factory provisioning: the description's bundle into slot A of its pair (or a free
   * one). It must pass the rule first: an unverified bundle is never written, and its
   * version never becomes the committed floor. A pair re-provisioned (both slots blank)
   * keeps the floor it had.
   */
  private async provision(vm: VmPlan): Promise<VmSlots> {
    const store = this.store;
    const file = vm.boot.bundle!;
    const pair = store.pairFor(vm.name);
    if (pair === undefined) throw new RootosError({ kind: "StartFailed", vm: vm.name, why: `partition ${this.partition} has no free pair of slots (it holds ${store.capacity})` });
    const before = store.control.vms[vm.name];
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file.path));
    } catch (e) {
      throw new RootosError({ kind: "Verification", vm: vm.name, file: file.ref, why: errnoText(e), reason: "BootImage" });
    }
    let version: number;
    try {
      const installed = before ? { version: before.committed, source: "committed version (the highest that came up healthy)" } : undefined;
      version = checkBoot(bytes, readTrustedKeys(this.plan().board.trustedKeys), bundleRule(vm), installed).manifest.version;
    } catch (e) {
      if (!(e instanceof TrustError || e instanceof BundleError)) throw e;
      throw new RootosError({ kind: "Verification", vm: vm.name, file: file.ref, why: e.message, reason: e.info.kind });
    }
    if (bytes.length > store.range.slotSize) throw new RootosError({ kind: "Verification", vm: vm.name, file: file.ref, why: `${bytes.length} bytes, more than a slot's ${store.range.slotSize}`, reason: "Oversized" });
    await store.writeSlot(pair, "A", bytes);
    const s: VmSlots = { pair, active: "A", versions: { A: version, B: null }, committed: Math.max(version, before?.committed ?? 0), trial: null };
    store.writeControl({ ...store.control.vms, [vm.name]: s });
    this.record("info", vm.name, `slots: installed ${file.ref} (version ${version}) in slot A of ${this.partition}, pair ${pair}`, { slot: "A", version });
    return s;
  }

  /** Verify a bundle for `vm`'s slots as the rule says it may boot (no floor but min_version); or why not and the failed check. */
  private verify(vm: VmPlan, bytes: Uint8Array): VerifiedBundle | { readonly why: string; readonly reason: string } {
    try {
      return checkBoot(bytes, readTrustedKeys(this.plan().board.trustedKeys), bundleRule(vm));
    } catch (e) {
      if (!(e instanceof TrustError || e instanceof BundleError)) throw e;
      return { why: e.message, reason: e.info.kind };
    }
  }

  /**
   * Check an upgrade of `vm` before anything is written: it fits a slot, it may boot on
   * the VM, it is newer than what is installed. Throws UpgradeRefused.
   */
  async check(vm: VmPlan, bundle: Uint8Array): Promise<CheckedUpgrade> {
    const refuse = (why: string, reason: string): never => { throw new RootosError({ kind: "UpgradeRefused", vm: vm.name, why, reason }); };
    const slotSize = this.store.range.slotSize;
    if (bundle.length > slotSize) return refuse(`oversized bundle: ${bundle.length} bytes, more than a slot's ${slotSize}`, "Oversized");
    const v = this.verify(vm, bundle);
    if ("why" in v) return refuse(v.why, v.reason);
    const s = this.store.control.vms[vm.name] ?? await this.provision(vm);
    try {
      checkNewer(v, { version: Math.max(s.versions[s.active] ?? 0, s.committed), source: `installed in slot ${s.active}` });
    } catch (e) {
      if (!(e instanceof TrustError)) throw e;
      return refuse(e.message, e.info.kind);
    }
    return { bundle, verified: v, slots: s, slot: otherSlot(s.active) };
  }

  /** Write a checked upgrade to its slot, sync, read it back. Throws UpgradeRefused (ReadBack) or the disk's error. */
  async write(vm: string, u: CheckedUpgrade): Promise<void> {
    await this.store.writeSlot(u.slots.pair, u.slot, u.bundle);
    const back = this.store.readSlot(u.slots.pair, u.slot);
    if (back.kind !== "bundle" || !Buffer.from(back.bytes).equals(Buffer.from(u.bundle))) {
      throw new RootosError({ kind: "UpgradeRefused", vm, why: `slot ${u.slot} does not read back as written (${back.kind === "invalid" ? back.why : back.kind}): a disk error?`, reason: "ReadBack" });
    }
  }

  /** Point the record at the written slot, on trial. */
  switchTo(vm: string, u: CheckedUpgrade): void {
    const cur = this.store.control.vms[vm]!;
    const version = u.verified.manifest.version;
    this.store.writeControl({
      ...this.store.control.vms,
      [vm]: { ...cur, active: u.slot, versions: { ...cur.versions, [u.slot]: version }, trial: { slot: u.slot, previous: cur.active, version, since: new Date().toISOString() } },
    });
  }

  /** The new image came up healthy: the record says so, and its version is the floor. */
  commit(vm: string, t: TrialState, why: string): void {
    const s = this.store.control.vms[vm]!;
    this.store.writeControl({ ...this.store.control.vms, [vm]: { ...s, trial: null, committed: Math.max(s.committed, t.version) } });
    this.record("info", vm, `upgrade: version ${t.version} in slot ${t.slot} is healthy (${why}): committed`, { upgrade: "committed", version: t.version, slot: t.slot });
  }

  /** It did not: the record points back at the previous slot. */
  rollback(vm: string, t: TrialState, why: string): void {
    const s = this.store.control.vms[vm]!;
    this.store.writeControl({ ...this.store.control.vms, [vm]: { ...s, active: t.previous, trial: null } });
    this.record("fault", vm, `rollback: version ${t.version} in slot ${t.slot} did not come up healthy (${why}); slot ${t.previous} (version ${s.versions[t.previous]}) boots again`,
      { upgrade: "rollback", version: t.version, slot: t.slot });
  }

  /** A VM's A/B slots: which is active, what each holds (verified), an upgrade in progress. */
  slots(vm: VmPlan, upgrading: SlotsInfo["upgrading"]): SlotsInfo {
    const store = this.store;
    const s = store.control.vms[vm.name];
    const base = { vm: vm.name, partition: this.partition, upgrading };
    if (!s) return { ...base, provisioned: false, active: null, committed: null, trial: null, slots: [] };
    const slot = (name: SlotName): SlotInfo => {
      const c = store.readSlot(s.pair, name);
      if (c.kind === "empty") return { slot: name, state: "empty", version: null, key: null, why: null };
      if (c.kind === "invalid") return { slot: name, state: "invalid", version: null, key: null, why: c.why };
      const v = this.verify(vm, c.bytes);
      return "why" in v ? { slot: name, state: "invalid", version: null, key: null, why: v.why } : { slot: name, state: "valid", version: v.manifest.version, key: v.signer.name, why: null };
    };
    return { ...base, provisioned: true, active: s.active, committed: s.committed, trial: s.trial, slots: [slot("A"), slot("B")] };
  }

  close(): void { this.store.close(); }
}
