// The dashboard (docs/dashboard.md): the board, each VM with its controls, console and
// screen, live charts and the event log, all from the management API of the RootOS that
// serves this page. Once a second it reads the VMs and their counters; that poll is also
// how it notices a stopped RootOS or a refused token, says so at the top, and comes back
// by itself when the RootOS answers again (its sockets reconnect on their own).
import "@xterm/xterm/css/xterm.css";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { api, ApiFailure, setToken, takeTokenFromUrl, token, Unreachable } from "./api.js";
import { renderBoard } from "./board.js";
import { Charts } from "./charts.js";
import { colourOf, h } from "./dom.js";
import { EventLog } from "./events.js";
import type { BoardView, VmInfo, VmStats } from "./types.js";
import { VmPanel } from "./vm-panel.js";

const POLL_MS = 1000;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = $("status"), problem = $("problem"), list = $<HTMLUListElement>("vm-list"), panelsRoot = $("vm-panels");

const panels = new Map<string, VmPanel>();
const charts = new Charts($("charts"));
let selected: string | undefined;
let names: readonly string[] = [];
let boardStale = true;

takeTokenFromUrl();
new EventLog($<HTMLOListElement>("events")).onEntry((e) => { if (e.kind !== "state") boardStale = true; });

function select(vm: string): void {
  selected = vm;
  for (const [name, p] of panels) p.show(name === vm);
  for (const b of list.querySelectorAll<HTMLButtonElement>("button")) b.setAttribute("aria-current", String(b.dataset["vm"] === vm));
}

/** The list and the panels for exactly these VMs (a `create` adds one). */
function syncVms(vms: readonly VmInfo[]): void {
  const now = vms.map((v) => v.name);
  if (now.join("\0") !== names.join("\0")) {
    names = now;
    boardStale = true;
    for (const [name, p] of panels) if (!now.includes(name)) { p.element.remove(); panels.delete(name); }
    list.replaceChildren(...vms.map((v, i) => h("li", {}, h("button", { type: "button", "data-vm": v.name, onclick: () => select(v.name) },
      h("i", { class: "swatch", style: `background:${colourOf(i)}`, "aria-hidden": "true" }), v.name, " ", h("span", { class: "state" })))));
    for (const v of vms) {
      if (!panels.has(v.name)) {
        const p = new VmPanel(v, () => list.querySelector<HTMLButtonElement>(`button[data-vm="${CSS.escape(v.name)}"]`)?.focus());
        panels.set(v.name, p);
        panelsRoot.append(p.element);
      }
    }
    select(selected !== undefined && now.includes(selected) ? selected : now[0]!);
  }
  for (const v of vms) {
    panels.get(v.name)!.update(v);
    const badge = list.querySelector<HTMLElement>(`button[data-vm="${CSS.escape(v.name)}"] .state`);
    if (badge) { badge.textContent = v.state; badge.dataset["state"] = v.state; }
  }
}

function showProblem(text: string | undefined, askToken = false): void {
  if (text === undefined) { problem.hidden = true; return; }
  const children: (Node | string)[] = [text];
  if (askToken) {
    const input = h("input", { type: "password", autocomplete: "off", "aria-label": "API token", placeholder: "token" });
    const form = h("form", { class: "token" }, input, h("button", { type: "submit" }, "use this token"));
    form.addEventListener("submit", (e) => { e.preventDefault(); setToken(input.value.trim()); showProblem("trying the token…"); void tick(); });
    children.push(form);
  }
  // Keep a form being typed into.
  if (!problem.hidden && problem.dataset["text"] === text) return;
  problem.dataset["text"] = text;
  problem.replaceChildren(...children);
  problem.hidden = false;
}

let ticking = false;
async function tick(): Promise<void> {
  if (ticking) return;
  ticking = true;
  try {
    const vms = await api<VmInfo[]>("GET", "/v1/vms");
    showProblem(undefined);
    status.textContent = `connected to ${location.host}: ${vms.length} VM${vms.length === 1 ? "" : "s"}, ${vms.filter((v) => v.state === "running").length} running`;
    syncVms(vms);
    if (boardStale) {
      const board = await api<BoardView>("GET", "/v1/board");
      boardStale = false;
      $("board-name").textContent = board.name;
      renderBoard($("board"), board, vms);
    }
    const stats = new Map<string, VmStats>();
    await Promise.all(vms.filter((v) => v.state === "running" || v.state === "paused" || v.state === "booting").map(async (v) => {
      try { stats.set(v.name, await api<VmStats>("GET", `/v1/vms/${encodeURIComponent(v.name)}/stats`)); } catch { /* it stopped in between */ }
    }));
    charts.push(Date.now() / 1000, names, stats);
  } catch (e) {
    boardStale = true;
    if (e instanceof Unreachable) {
      status.textContent = "disconnected";
      showProblem(`The RootOS at ${location.host} does not answer: is bulkhead up still running? Trying again every second; the page comes back by itself.`);
    } else if (e instanceof ApiFailure && e.status === 401) {
      status.textContent = "not authorized";
      showProblem(token() === null
        ? "This RootOS's API needs a token: open the dashboard as http://HOST:PORT/#token=TOKEN, or enter it here (it stays in this tab only)."
        : "The API refused this token (wrong, or changed when bulkhead up restarted): enter the right one.", true);
    } else {
      showProblem(`The API answered with an error: ${(e as Error).message}`);
    }
  } finally {
    ticking = false;
  }
}

void tick();
setInterval(() => void tick(), POLL_MS);
window.addEventListener("resize", () => {
  for (const p of panels.values()) p.console.resize();
  charts.resize();
});
