// The board as a picture: a box per core in its VM's colour, the memory map as a bar cut
// in proportion to each VM's range, each board device and who has it, each VM's own
// (virtio) devices, and the RootOS networks as lines between the VMs they join. Every
// colour also has its name in text.
import { bytes, colourOf, h } from "./dom.js";
import type { BoardView, Owner, VmInfo } from "./types.js";

const ownerText = (o: Owner): string => (o === null ? "free" : "vm" in o ? o.vm : `RootOS: ${o.rootos}`);

export function renderBoard(root: HTMLElement, board: BoardView, infos: readonly VmInfo[]): void {
  const vms = infos.map((v) => v.name);
  const colour = (vm: string | null): string => (vm === null ? "var(--free)" : colourOf(vms.indexOf(vm)));
  const cores = h("ol", { class: "cores", "aria-label": "cores" }, ...board.cores.map((vm, i) =>
    h("li", { style: `background:${colour(vm)}`, title: `core ${i}: ${vm ?? "free"}` }, h("b", {}, String(i)), h("span", {}, vm ?? "free"))));
  const total = board.memory.size;
  const memory = h("ol", { class: "memory", "aria-label": "memory map" }, ...board.regions.map((r) =>
    h("li", { style: `flex-grow:${r.size / total};background:${colour(r.vm)}`, title: `${r.base}: ${bytes(r.size)}, ${r.vm ?? "free"}` },
      h("span", {}, `${r.vm ?? "free"} ${bytes(r.size)}`), h("small", {}, r.base))));
  const devices = board.devices.length === 0 ? h("p", {}, "no board devices")
    : h("table", { class: "devices" }, h("thead", {}, h("tr", {}, h("th", {}, "device"), h("th", {}, "owner"))),
      h("tbody", {}, ...board.devices.map((d) => h("tr", {}, h("td", {}, `${d.kind} ${d.name} `, h("small", {}, d.detail)), h("td", {}, d.owners.length === 0 ? "free" : d.owners.map(ownerText).join(", "))))));
  root.replaceChildren(
    h("h2", {}, `Board ${board.name}`),
    h("h3", {}, `${board.cores.length} cores`), cores,
    h("h3", {}, `memory ${bytes(total)} at ${board.memory.base}`), memory,
    h("h3", {}, "board devices"), devices,
    h("h3", {}, "VM devices"), h("table", { class: "devices" }, h("tbody", {}, ...infos.flatMap((v) =>
      v.devices.map((d, i) => h("tr", {}, h("td", {}, i === 0 ? h("b", { style: `color:${colour(v.name)}` }, v.name) : ""), h("td", {}, d)))))),
    ...(board.networks.length > 0 ? [h("h3", {}, "networks"), networks(board, vms, colour)] : []),
  );
}

/** The VMs in a row on top, the networks below, a line from each network to each VM on it. */
function networks(board: BoardView, vms: readonly string[], colour: (vm: string) => string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const el = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const width = 260, step = width / Math.max(vms.length, 1), netStep = width / Math.max(board.networks.length, 1);
  const svg = el("svg", { viewBox: `0 0 ${width} 90`, class: "networks", role: "img" });
  svg.append(el("title", {}, board.networks.map((n) => `${n.name}: ${n.vms.join(", ") || "no VM"}${n.uplink ? `, uplink ${n.uplink}` : ""}`).join("; ")));
  board.networks.forEach((n, j) => {
    const nx = netStep * (j + 0.5);
    for (const vm of n.vms) svg.append(el("line", { x1: nx, y1: 66, x2: step * (vms.indexOf(vm) + 0.5), y2: 22, stroke: "currentColor" }));
    svg.append(el("rect", { x: nx - 30, y: 62, width: 60, height: 18, rx: 4, class: "net" }), el("text", { x: nx, y: 75, "text-anchor": "middle" }, n.name + (n.uplink ? ` ⇄ ${n.uplink}` : "")));
  });
  vms.forEach((vm, i) => {
    const x = step * (i + 0.5);
    svg.append(el("rect", { x: x - 28, y: 6, width: 56, height: 18, rx: 4, fill: colour(vm) }), el("text", { x, y: 19, "text-anchor": "middle", class: "vm" }, vm));
  });
  return svg;
}
