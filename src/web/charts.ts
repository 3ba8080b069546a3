// Live charts with uPlot, one line per VM in its colour: MIPS, interrupts per second,
// virtio bytes per second (read and written, every device). Rates come
// from the difference of two samples of a counter; a counter that went down (the VM
// started again, its thread's counters from 0) gives no point for that sample.
import uPlot from "uplot";
import { colourOf, h } from "./dom.js";
import type { VmStats } from "./types.js";

/** Points kept: two minutes at one sample a second. */
const KEEP = 120;

interface Metric {
  readonly title: string;
  /** The value now: a gauge, or the counter whose rate is shown. */
  readonly value: (s: VmStats) => number | undefined;
  readonly rate: boolean;
}

const METRICS: readonly Metric[] = [
  { title: "MIPS", value: (s) => s.mips, rate: false },
  { title: "interrupts / s", value: (s) => s.interrupts, rate: true },
  { title: "virtio bytes / s", value: (s) => s.devices.reduce((n, d) => n + d.bytesRead + d.bytesWritten, 0), rate: true },
];

class Chart {
  readonly element: HTMLElement;
  private plot: uPlot | undefined;
  private readonly data: (number | null)[][];
  private last = new Map<string, { t: number; v: number }>();

  constructor(private readonly metric: Metric, private readonly vms: readonly string[], private readonly width: number) {
    // The VMs' colours are named in the caption (the legend of uPlot is for a cursor this page does not use).
    this.element = h("figure", { class: "chart", "data-points": 0 }, h("figcaption", {}, metric.title, ...vms.flatMap((vm, i) =>
      [" ", h("i", { class: "swatch", style: `background:${colourOf(i)}`, "aria-hidden": "true" }), ` ${vm}`])));
    this.data = [[], ...vms.map(() => [])];
  }

  push(t: number, stats: ReadonlyMap<string, VmStats>): void {
    const row = this.vms.map((vm) => {
      const s = stats.get(vm);
      const v = s ? this.metric.value(s) : undefined;
      if (v === undefined) return null;
      if (!this.metric.rate) return v;
      const before = this.last.get(vm);
      this.last.set(vm, { t, v });
      return before && v >= before.v && t > before.t ? (v - before.v) / (t - before.t) : null;
    });
    this.data[0]!.push(t);
    row.forEach((v, i) => this.data[i + 1]!.push(v));
    if (this.data[0]!.length > KEEP) for (const col of this.data) col.shift();
    if (this.plot === undefined) {
      this.plot = new uPlot({
        width: this.width, height: 100, legend: { show: false }, cursor: { show: false },
        scales: { x: { time: true } },
        series: [{}, ...this.vms.map((vm, i) => ({ label: vm, stroke: colourOf(i), width: 1.5, spanGaps: false }))],
        axes: [{ stroke: "#aaa", grid: { stroke: "#333" } }, { stroke: "#aaa", grid: { stroke: "#333" }, size: 50 }],
      }, this.data as uPlot.AlignedData, this.element);
    } else {
      this.plot.setData(this.data as uPlot.AlignedData);
    }
    this.element.dataset["points"] = String(this.data[0]!.length);
  }

  setWidth(width: number): void { this.plot?.setSize({ width, height: 100 }); }

  destroy(): void { this.plot?.destroy(); }
}

export class Charts {
  private charts: Chart[] = [];
  private vms: readonly string[] = [];

  constructor(private readonly root: HTMLElement) {}

  /** A sample of every VM's stats at time `t` (seconds). Rebuilds the charts when the VMs change. */
  push(t: number, vms: readonly string[], stats: ReadonlyMap<string, VmStats>): void {
    if (vms.join("\0") !== this.vms.join("\0")) {
      for (const c of this.charts) c.destroy();
      this.vms = vms;
      this.charts = METRICS.map((m) => new Chart(m, vms, this.width()));
      this.root.replaceChildren(h("h2", {}, "Charts"), ...this.charts.map((c) => c.element));
    }
    for (const c of this.charts) c.push(t, stats);
  }

  /** Fit the charts to the column again (the window was resized). */
  resize(): void { for (const c of this.charts) c.setWidth(this.width()); }

  private width(): number { return Math.max(200, this.root.clientWidth - 8); }
}
