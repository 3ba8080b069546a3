// One VM's panel: its state and facts, the lifecycle and throttle controls (each a route
// of the command table: POST /v1/vms/VM/pause, PUT .../throttle), its console, its screen
// when it has a display, and its boot: the measured-boot digests, its A/B slots and an
// upgrade. A refused command shows the RootOS's own message and changes nothing.
import { api } from "./api.js";
import { VmConsole } from "./console.js";
import { bytes, h } from "./dom.js";
import { VmScreen } from "./screen.js";
import type { SlotsInfo, VmInfo } from "./types.js";

const ACTIONS = ["start", "stop", "shutdown", "pause", "resume", "reset"] as const;

const throttleText = (t: VmInfo["throttle"]): string => (t === null ? "off" : t.kind === "mips" ? String(t.mips) : `${t.percent}%`);

/** A display device in the VM's device list, in the words of `info`. */
export const hasDisplay = (v: VmInfo): boolean => v.devices.some((d) => /\b(gpu|display)\b/i.test(d));

export class VmPanel {
  readonly element: HTMLElement;
  readonly console: VmConsole;
  private screen: VmScreen | undefined;
  private readonly state: HTMLElement;
  private readonly facts: HTMLElement;
  private readonly message: HTMLElement;
  private readonly throttle: HTMLInputElement;
  private readonly boot: HTMLDetailsElement;
  private readonly bootBody: HTMLElement;
  private readonly screenSlot: HTMLElement;
  private boots = -1;

  constructor(private info: VmInfo, nextFocus: () => void) {
    const vm = info.name;
    const id = `vm-${vm.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    this.state = h("span", { class: "state", "data-testid": "state" });
    this.facts = h("p", { class: "facts" });
    this.message = h("p", { class: "message", role: "status", "aria-live": "polite" });
    this.throttle = h("input", { type: "text", size: 6, "aria-label": `${vm} throttle: MIPS, a share such as 25%, or off`, placeholder: "50, 25%, off" });
    const controls = h("div", { class: "controls", role: "group", "aria-label": `${vm} controls` },
      ...ACTIONS.map((a) => h("button", { type: "button", "data-action": a, onclick: () => void this.run(a) }, a)),
      h("span", { class: "throttle" }, this.throttle, h("button", { type: "button", "data-action": "throttle", onclick: () => void this.run("throttle") }, "throttle")));
    this.throttle.addEventListener("keydown", (e) => { if (e.key === "Enter") void this.run("throttle"); });
    this.console = new VmConsole(vm, nextFocus);
    this.screenSlot = h("div");
    this.bootBody = h("div", {}, "…");
    this.boot = h("details", { class: "boot" }, h("summary", {}, "Boot: measured digests, A/B slots, upgrade"), this.bootBody);
    this.boot.addEventListener("toggle", () => { if (this.boot.open) void this.loadBoot(); });
    this.element = h("article", { class: "vm-panel", id, "data-vm": vm, hidden: true, "aria-label": vm },
      h("h2", {}, vm, " ", this.state), this.facts, controls, this.message,
      h("section", { "aria-label": `${vm} console` }, this.console.element), this.screenSlot, this.boot);
    this.update(info);
  }

  update(info: VmInfo): void {
    this.info = info;
    this.state.textContent = info.state;
    this.state.dataset["state"] = info.state;
    this.facts.textContent = `${info.os}, ${info.criticality}; cores ${info.cores.join(",")}; ${bytes(info.ramBytes)}; ${info.bootMode} boot, ${info.timing} timing; throttle ${throttleText(info.throttle)}; starts ${info.starts}, boots ${info.boots}${info.lastExit ? `; last exit: ${info.lastExit}` : ""}`;
    if (hasDisplay(info) && this.screen === undefined) {
      this.screen = new VmScreen(info.name, () => this.element.querySelector<HTMLElement>("[data-action=start]")?.focus());
      this.screenSlot.replaceChildren(h("h3", {}, "Screen"), this.screen.element);
    }
    if (info.boots !== this.boots) {
      this.boots = info.boots;
      if (this.boot.open) void this.loadBoot();
    }
  }

  private async run(action: (typeof ACTIONS)[number] | "throttle"): Promise<void> {
    const vm = encodeURIComponent(this.info.name);
    this.message.textContent = `${action}…`;
    try {
      const info = action === "throttle"
        ? await api<VmInfo>("PUT", `/v1/vms/${vm}/throttle`, { cap: this.throttle.value.trim() || "off" })
        : await api<VmInfo>("POST", `/v1/vms/${vm}/${action}`);
      this.update(info);
      this.message.textContent = `${action}: ${info.state}`;
    } catch (e) {
      this.message.textContent = `${action}: ${(e as Error).message}`;
    }
  }

  private async loadBoot(): Promise<void> {
    const vm = encodeURIComponent(this.info.name);
    const [m, slots] = await Promise.allSettled([
      api<{ verifiedBoot: VmInfo["verifiedBoot"]; measurements: VmInfo["measurements"] }>("GET", `/v1/vms/${vm}/measurements`),
      api<SlotsInfo>("GET", `/v1/vms/${vm}/slots`),
    ]);
    const why = (r: PromiseRejectedResult): string => (r.reason instanceof Error ? r.reason.message : String(r.reason));
    let measured: HTMLElement;
    if (m.status === "rejected") measured = h("p", {}, why(m));
    else if (m.value.measurements === null) measured = h("p", {}, "not measured yet (the VM has not started)");
    else {
      const log = m.value.measurements, vb = m.value.verifiedBoot;
      measured = h("div", {}, h("p", {}, vb ? `verified bundle ${vb.bundle} version ${vb.version}, signed by '${vb.key}'` : "unsigned images (allowed)"),
        h("table", { class: "digests" }, h("tbody", {}, ...log.entries.map((e) => h("tr", {}, h("td", {}, e.stage), h("td", {}, h("code", {}, `sha256:${e.digest}`), h("br"), h("small", {}, e.name)))),
          h("tr", {}, h("td", {}, "chained"), h("td", {}, h("code", {}, log.value))))));
    }
    const file = h("input", { type: "file", "aria-label": `${this.info.name}: a signed bundle to install` });
    const upgrade = h("button", { type: "button", onclick: () => void this.upgrade(file) }, "upgrade");
    const slotView = slots.status === "rejected" ? h("p", {}, why(slots))
      : h("div", {}, h("p", {}, `boots slot ${slots.value.active ?? "-"}; committed version ${slots.value.committed ?? "-"}${slots.value.upgrading ? `; upgrade to version ${slots.value.upgrading.version} ${slots.value.upgrading.phase} in slot ${slots.value.upgrading.slot}` : ""}`),
        h("table", { class: "slots" }, h("tbody", {}, ...slots.value.slots.map((s) => h("tr", {}, h("td", {}, s.slot), h("td", {}, s.state), h("td", {}, s.version === null ? "" : `version ${s.version}`), h("td", {}, s.key ?? s.why ?? ""))))),
        h("p", {}, file, " ", upgrade));
    this.bootBody.replaceChildren(h("h3", {}, "Measured boot"), measured, h("h3", {}, "A/B slots"), slotView);
  }

  private async upgrade(file: HTMLInputElement): Promise<void> {
    const f = file.files?.[0];
    if (!f) { this.message.textContent = "upgrade: choose a signed bundle first"; return; }
    this.message.textContent = `upgrade: sending ${f.name} (${f.size} bytes)…`;
    try {
      const r = await api<{ text: string }>("POST", `/v1/vms/${encodeURIComponent(this.info.name)}/upgrade`, f);
      this.message.textContent = r.text;
    } catch (e) {
      this.message.textContent = `upgrade: ${(e as Error).message}`;
    }
    void this.loadBoot();
  }

  show(shown: boolean): void {
    this.element.hidden = !shown;
    if (shown) requestAnimationFrame(() => this.console.resize());
  }
}
