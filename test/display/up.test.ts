// A display through `bulkhead up`, with Debian's own drivers: a board `displays:` entry
// passed through to one VM (Debian's kernel, this tree's default initramfs, virtual
// timing). The VM runs in its worker thread; its flushed rectangles reach the RootOS's
// Screen, which the API serves. The guest writes text to tty1 (fbcon) and a rectangle of one
// colour into /dev/fb0; GET /v1/vms/hmi/screen.png (decoded with pngjs) and `bulkhead ctl
// screenshot` show both; a key sent over the API's screen WebSocket arrives as EV_KEY on
// the guest's keyboard event device (busybox od); after a reset of the VM the same
// WebSocket hears the new boot's screen. And `validate` refuses the display given to two VMs.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { PNG } from "pngjs";
import WebSocket from "ws";
import { buildInitramfs, DEFAULT_MODULES } from "../../src/images/initramfs.js";
import { ensureImages, runBulkhead } from "../support/bulkhead.js";
import { ApiConsole, startUp, type Up } from "../support/up.js";

const BOX = { x: 100, y: 200, width: 64, height: 32 };
/** XRGB8888 in memory (little-endian): B, G, R, X. The screen shows R=0x20 G=0xc0 B=0x60. */
const COLOUR = { r: 0x20, g: 0xc0, b: 0x60 };

const GUEST = `
fb=/sys/class/graphics/fb0
echo "fb0 size $(cat $fb/virtual_size) bpp $(cat $fb/bits_per_pixel)"
echo 0 > /sys/class/graphics/fbcon/cursor_blink 2>/dev/null
printf 'FBCON TEXT ON TTY1\\n' > /dev/tty1
i=0; : > /tmp/row
while [ $i -lt ${BOX.width} ]; do printf '\\${COLOUR.b.toString(8)}\\${COLOUR.g.toString(8)}\\${COLOUR.r.toString(8)}\\000' >> /tmp/row; i=$((i+1)); done
stride=$(cat $fb/stride); r=0
while [ $r -lt ${BOX.height} ]; do
  dd if=/tmp/row of=/dev/fb0 bs=4 conv=notrunc seek=$(( ((${BOX.y}+r)*stride)/4 + ${BOX.x} )) 2>/dev/null
  r=$((r+1))
done
sleep 1
for e in /sys/class/input/event*; do grep -q Keyboard $e/device/name && kbd=/dev/input/\${e##*/}; done
echo "pattern written; reading keys from $kbd"
echo "key event: $(dd if=$kbd bs=24 count=1 2>/dev/null | od -An -tx1)"
echo "holding still"; sleep 3600
`;

let scratch: string, kernel: string, initrd: string;

before(async () => {
  const images = await ensureImages();
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-display-up-"));
  kernel = images.kernel;
  initrd = join(scratch, "initrd.gz");
  writeFileSync(initrd, buildInitramfs({ busybox: images.busybox, modulesDir: images.modulesDir, modules: DEFAULT_MODULES, gzip: true }));
}, { timeout: 15 * 60_000 });

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

function system(owners: readonly string[]): string {
  return `board:
  name: screen-board
  cores: 2
  memory: 512M
  displays:
    - { name: panel, width: 800, height: 600 }
vms:
${owners.map((name, i) => `  - name: ${name}
    cores: [${i}]
    memory: 192M
    timing: virtual
    boot:
      kernel: ${kernel}
      initrd: ${initrd}
      append: "console=ttyS0 quiet bulkhead.run64=${Buffer.from(GUEST).toString("base64")}"
    devices: [{ passthrough: panel }]
`).join("")}`;
}

test("validate refuses a display given to two VMs, naming the second owner's path", async () => {
  const file = join(scratch, "two.yaml");
  writeFileSync(file, system(["hmi", "other"]));
  const r = await runBulkhead(["validate", file], { cwd: scratch, timeoutMs: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /vms\[1\]\.devices\[0\]\.passthrough: panel is also given to vm 'hmi'/);
});

test("bulkhead up: the VM's screen through the API (PNG, ctl screenshot, WebSocket damage and keys), across a reset", { timeout: 400_000 }, async () => {
  const file = join(scratch, "system.yaml");
  writeFileSync(file, system(["hmi"]));
  const up: Up = await startUp(file, scratch, "up");
  const con = new ApiConsole("hmi", up);
  let ws: WebSocket | undefined;
  try {
    await con.open(60_000);
    const fb = await con.waitFor(/fb0 size (\d+),(\d+) bpp (\d+)/, 240_000);
    assert.deepEqual(fb.slice(1, 4).map(Number), [800, 600, 32], "fb0 reports the description's mode");
    await con.waitFor(/pattern written; reading keys from \/dev\/input\/event\d/, 60_000);
    await new Promise((r) => setTimeout(r, 500)); // the last flush's rectangle crosses from the VM's thread

    const res = await fetch(`http://${up.api}/v1/vms/hmi/screen.png`);
    assert.equal(res.headers.get("content-type"), "image/png");
    const bytes = Buffer.from(await res.arrayBuffer());
    const png = PNG.sync.read(bytes);
    assert.deepEqual([png.width, png.height], [800, 600]);
    const at = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)];
    const inside = [COLOUR.r, COLOUR.g, COLOUR.b, 255];
    for (const [x, y] of [[BOX.x, BOX.y], [BOX.x + BOX.width - 1, BOX.y + BOX.height - 1]] as const) assert.deepEqual(at(x, y), inside, `(${x},${y})`);
    for (const [x, y] of [[BOX.x - 1, BOX.y], [BOX.x, BOX.y + BOX.height]] as const) assert.notDeepEqual(at(x, y), inside, `(${x},${y}) just outside`);
    // fbcon drew the text line on tty1: lit pixels in the top rows, the background elsewhere black.
    let lit = 0;
    for (let y = 0; y < 48; y++) for (let x = 0; x < 400; x++) if (at(x, y).slice(0, 3).some((c) => c > 0x40)) lit++;
    assert.ok(lit > 200, `fbcon's text shows (${lit} lit pixels in the top rows)`);
    assert.deepEqual(at(700, 500), [0, 0, 0, 255], "the background is black");

    const shot = join(scratch, "shot.png");
    const ctl = await runBulkhead(["ctl", "--api", up.api, "screenshot", "hmi", shot], { cwd: scratch, timeoutMs: 60_000 });
    assert.equal(ctl.status, 0, ctl.stderr);
    assert.deepEqual(PNG.sync.read(readFileSync(shot)).data.subarray((BOX.y * 800 + BOX.x) * 4, (BOX.y * 800 + BOX.x) * 4 + 4), Buffer.from(inside));
    const noDisplay = await fetch(`http://${up.api}/v1/vms/nosuch/screen.png`);
    assert.equal(noDisplay.status, 404);

    // The screen WebSocket: the size and the whole frame first, then keys into the guest.
    const got: Array<{ size?: [number, number]; rect?: number[] }> = [];
    ws = new WebSocket(`ws://${up.api}/v1/vms/hmi/screen`);
    ws.on("message", (d: Buffer, binary) => {
      if (!binary) { const m = JSON.parse(d.toString()); if (m.type === "size") got.push({ size: [m.width, m.height] }); }
      else got.push({ rect: [0, 4, 8, 12].map((o) => d.readUInt32LE(o)) });
    });
    await new Promise((r, j) => { ws!.once("open", r); ws!.once("error", j); });
    const wsUntil = async (what: string, ok: () => boolean, ms = 60_000) => {
      const end = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > end) assert.fail(`no ${what} on the screen WebSocket: ${JSON.stringify(got)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await wsUntil("size and frame", () => got.length >= 2);
    assert.deepEqual(got.slice(0, 2), [{ size: [800, 600] }, { rect: [0, 0, 800, 600] }]);
    const press = setInterval(() => {
      ws!.send(JSON.stringify({ type: "key", code: "KeyA", down: true }));
      ws!.send(JSON.stringify({ type: "key", code: "KeyA", down: false }));
    }, 300);
    let event: RegExpMatchArray;
    try {
      event = await con.waitFor(/key event: ((?:\s*[0-9a-f]{2}){24})/, 60_000);
    } finally {
      clearInterval(press);
    }
    const b = Buffer.from(event[1]!.trim().split(/\s+/).map((h) => parseInt(h, 16)));
    assert.deepEqual([b.readUInt16LE(16), b.readUInt16LE(18)], [1, 30], "EV_KEY, KEY_A (struct input_event: timeval, type, code, value)");

    // A reset: a new machine, new device models; the same Screen, so the same socket hears the new boot's mode.
    const before = got.length;
    const reset = await fetch(`http://${up.api}/v1/vms/hmi/reset`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    assert.equal(reset.status, 200, await reset.text());
    await con.waitFor(/pattern written/, 240_000, con.text.lastIndexOf("key event"));
    await wsUntil("the new boot's screen", () => got.slice(before).some((g) => g.size?.[0] === 800));
    assert.equal(ws.readyState, WebSocket.OPEN, "the viewer stayed connected across the reset");
  } finally {
    ws?.close();
    con.close();
    await up.stop();
  }
});
