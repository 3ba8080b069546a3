// The dashboard in Debian's chromium (driven by playwright-core) against a real `bulkhead
// up` with one Debian VM in virtual timing, its API on loopback with a token: the URL
// `up` prints; a page without the token, or with a wrong one, says so; with #token= it
// lists the VM and takes the token out of the address bar; its console runs `uname -r`
// and shows the kernel's version; pause through the page pauses the VM (checked through
// the API), and the event log shows it; the charts gain points; a reset reboots the VM
// and the page goes on (its console reaches the new shell); a page of another origin
// cannot act through the browser; stopping the RootOS gives a clear message, and the page
// reconnects by itself when it is back. The VM has a display: the page's canvas shows
// its screen, and a key pressed there arrives in the guest as EV_KEY. A screenshot is
// kept in test-artifacts/.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { cli, ensureImages, repoRoot, tail } from "../support/bulkhead.js";

const CHROMIUM = "/usr/bin/chromium";
const BOOT_MS = 120_000;
const TOKEN = "dashboard-test-token";
const dir = mkdtempSync(join(tmpdir(), "bulkhead-web-"));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => { if (existsSync(CHROMIUM)) await ensureImages(); }, { timeout: 15 * 60_000 });

const SYSTEM = `
board:
  name: webtest
  cores: 1
  memory: 256M
  displays:
    - { name: panel, width: 640, height: 480 }
vms:
  - name: debian
    os: debian
    cores: [0]
    memory: 256M
    timing: virtual
    boot:
      kernel: debian:kernel
      initrd: debian:initrd
      append: console=tty0 console=ttyS0
    devices:
      - passthrough: panel
`;

/** `bulkhead up --headless` on `port`; resolves with the dashboard URL it prints. */
async function up(port: number): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  writeFileSync(join(dir, "system.yaml"), SYSTEM);
  const child = spawn(process.execPath, [cli, "up", "--headless", "--no-fetch", "--api", `127.0.0.1:${port}`, "--token", TOKEN, "--shutdown-timeout", "2s",
    "--log", join(dir, "events.log"), join(dir, "system.yaml")], { cwd: repoRoot, env: { ...process.env, XDG_STATE_HOME: join(dir, "state") }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bulkhead up printed no dashboard URL:\n${tail(out)}`)), 60_000);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /bulkhead: dashboard on (http:\/\/\S+\/)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`bulkhead up exited (${code}):\n${tail(out)}`)); });
  });
  return { child, url, output: () => out };
}

const stop = (child: ChildProcess): Promise<void> => new Promise((resolve) => {
  if (child.exitCode !== null) { resolve(); return; }
  child.once("exit", () => resolve());
  child.kill("SIGTERM");
});

/** The API's view of the VM, with the token, from outside the browser. */
async function vmState(url: string): Promise<string> {
  const res = await fetch(`${url}v1/vms/debian`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { state: string }).state;
}

/** The visible lines of the VM's xterm.js terminal. */
const consoleLines = (page: Page): Promise<string[]> =>
  page.$$eval('[data-vm="debian"] .xterm-rows > div', (rows) => rows.map((r) => (r.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()));

async function untilConsole(page: Page, what: RegExp, timeout: number): Promise<string[]> {
  await page.waitForFunction((src) => [...document.querySelectorAll('[data-vm="debian"] .xterm-rows > div')].some((r) => new RegExp(src).test((r.textContent ?? "").replace(/\u00a0/g, " "))), what.source, { timeout });
  return consoleLines(page);
}

const points = (page: Page): Promise<number> => page.$eval("figure.chart", (f) => Number((f as HTMLElement).dataset["points"]));

test("the dashboard in chromium against bulkhead up with a Debian VM", { timeout: 4 * BOOT_MS, skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (Debian's chromium package): the dashboard's browser test needs it` }, async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  let rootos = await up(port);
  let browser: BrowserContext | undefined;
  try {
    const url = rootos.url;
    assert.equal(url, `http://127.0.0.1:${port}/`);
    assert.doesNotMatch(rootos.output(), new RegExp(TOKEN), "the token is not printed");
    browser = await chromium.launchPersistentContext(mkdtempSync(join(dir, "chromium-")), {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = browser.pages()[0] ?? await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) errors.push(`console: ${m.text()}`); });

    // No token, then a wrong one: the page says what is wrong.
    await page.goto(url);
    await page.locator("#problem", { hasText: "needs a token" }).waitFor({ timeout: 20_000 });
    await page.goto("about:blank");
    await page.goto(`${url}#token=wrong`);
    await page.locator("#problem", { hasText: "refused this token" }).waitFor({ timeout: 20_000 });
    await page.goto("about:blank");
    await page.goto(`${url}#token=${TOKEN}`);
    await page.locator('nav button[data-vm="debian"]').waitFor({ timeout: 20_000 });
    assert.equal(page.url(), url, "the token is gone from the address bar");
    assert.equal(await page.locator("#problem").isHidden(), true);
    assert.match(await page.locator("#board").innerText(), /Board webtest[\s\S]*1 cores[\s\S]*debian/);

    // The console: Debian's busybox shell, where uname -r prints what the kernel said it was.
    const banner = await untilConsole(page, /bulkhead: init started \(kernel \S+\)/, BOOT_MS);
    const version = /bulkhead: init started \(kernel (\S+)\)/.exec(banner.join("\n"))![1]!;
    await untilConsole(page, /~ # *$/, 60_000);
    await page.locator('[data-vm="debian"] .xterm').click();
    await page.keyboard.type("uname -r\n");
    const lines = await untilConsole(page, /~ # uname -r/, 30_000);
    await page.waitForFunction((v) => [...document.querySelectorAll('[data-vm="debian"] .xterm-rows > div')].some((r) => (r.textContent ?? "").trim() === v), version, { timeout: 30_000 });
    assert.ok(lines.some((l) => l.includes("uname -r")), lines.join("\n"));

    // The screen: the canvas shows the guest's (fbcon's text on black), and a key pressed
    // on the canvas reaches the guest's keyboard as EV_KEY (busybox od of its event device).
    const canvas = page.locator('[data-vm="debian"] canvas.screen');
    await canvas.waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-vm="debian"] canvas.screen') as HTMLCanvasElement | null;
      if (!c || c.width !== 640 || c.height !== 480) return false;
      const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! + px[i + 1]! + px[i + 2]! > 200) lit++;
      return lit > 200;
    }, undefined, { timeout: 60_000 });
    await page.locator('[data-vm="debian"] .xterm').click();
    await page.keyboard.type('for e in /sys/class/input/event*; do grep -q Keyboard $e/device/name && k=/dev/input/${e##*/}; done; ' +
      'echo "key-event: $(dd if=$k bs=24 count=1 2>/dev/null | od -An -tx1 -j16 -N4 | tr -d \'\\n\')"\n');
    await page.waitForTimeout(2000);
    await canvas.click();
    await page.keyboard.press("KeyA");
    await page.keyboard.press("Control+BracketRight");
    const keyLine = (await untilConsole(page, /^key-event:(\s+[0-9a-f]{2}){4}/, 30_000)).find((l) => l.startsWith("key-event:"))!;
    const ev = keyLine.slice("key-event:".length).trim().split(/\s+/).map((x) => parseInt(x, 16));
    // struct input_event: a timeval (16 bytes), then type and code: EV_KEY (1), KEY_A (30).
    assert.deepEqual([ev[0]! | (ev[1]! << 8), ev[2]! | (ev[3]! << 8)], [1, 30], `EV_KEY KEY_A from the page's canvas: ${keyLine}`);

    // The charts gain points, one a second.
    const before = await points(page);
    await page.waitForFunction((n) => Number((document.querySelector("figure.chart") as HTMLElement).dataset["points"]) >= n + 2, before, { timeout: 20_000 });

    // Pause from the page: the API says paused, the event log shows it; resume.
    await page.locator('[data-vm="debian"] button[data-action="pause"]').click();
    await page.locator('[data-vm="debian"] [data-testid="state"][data-state="paused"]').waitFor({ timeout: 20_000 });
    assert.equal(await vmState(url), "paused");
    await page.locator("#events li", { hasText: "running -> paused (command pause)" }).waitFor({ timeout: 20_000 });
    await page.locator('[data-vm="debian"] button[data-action="resume"]').click();
    await page.locator('[data-vm="debian"] [data-testid="state"][data-state="running"]').waitFor({ timeout: 20_000 });
    assert.equal(await vmState(url), "running");

    // Measured boot: the digests the API has, in the page.
    await page.locator('[data-vm="debian"] details.boot summary').click();
    const measured = (await (await fetch(`${url}v1/vms/debian/measurements`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { measurements: { value: string } };
    await page.locator('[data-vm="debian"] details.boot code', { hasText: measured.measurements.value }).waitFor({ timeout: 20_000 });

    mkdirSync(join(repoRoot, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: join(repoRoot, "test-artifacts", "dashboard.png") });

    // A page of another origin: the browser sends the request, the API refuses it, nothing changes.
    const foreign = createServer((_, res) => res.end(`<script>fetch("${url}v1/vms/debian/pause", { method: "POST", mode: "no-cors" }).finally(() => document.title = "sent")</script>`));
    await new Promise<void>((r) => foreign.listen(0, "127.0.0.1", r));
    try {
      const other = await browser.newPage();
      await other.goto(`http://127.0.0.1:${(foreign.address() as { port: number }).port}/`);
      await other.waitForFunction(() => document.title === "sent", undefined, { timeout: 20_000 });
      await other.close();
    } finally {
      foreign.close();
    }
    assert.equal(await vmState(url), "running", "a foreign page's POST changed nothing");

    // Reset: the VM boots again, and the page's console reaches the new shell.
    // (The screen is cleared first, so that what shows next is the new boot's.)
    await page.locator('[data-vm="debian"] .xterm').click();
    await page.keyboard.type("clear\n");
    await page.waitForFunction(() => ![...document.querySelectorAll('[data-vm="debian"] .xterm-rows > div')].some((r) => /init started/.test(r.textContent ?? "")), undefined, { timeout: 30_000 });
    await page.locator('[data-vm="debian"] button[data-action="reset"]').click();
    await page.locator('[data-vm="debian"] .facts', { hasText: "boots 2" }).waitFor({ timeout: 30_000 });
    await untilConsole(page, /bulkhead: init started/, BOOT_MS);
    await untilConsole(page, /~ # *$/, BOOT_MS);
    await page.locator('[data-vm="debian"] .xterm').click();
    await page.keyboard.type("echo after-$((6*7))\n");
    await untilConsole(page, /^after-42 *$/, 30_000);

    // The RootOS stops: the page says so; it comes back on the same port, and so does the page.
    await stop(rootos.child);
    await page.locator("#problem", { hasText: "does not answer" }).waitFor({ timeout: 30_000 });
    rootos = await up(port);
    await page.locator("#problem").waitFor({ state: "hidden", timeout: 30_000 });
    await page.locator('nav button[data-vm="debian"] .state[data-state]').waitFor({ timeout: 20_000 });
    await untilConsole(page, /bulkhead: init started/, BOOT_MS);
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await stop(rootos.child);
  }
});
