// virtio-gpu and virtio-input with Debian's own drivers: `bulkhead run --display 1024x768
// --screen 127.0.0.1:0 --timing virtual` boots Debian's kernel with this tree's default
// initramfs (virtio_gpu, virtio_input and evdev loaded by its /init for the devices
// present). The guest reports fb0's mode from sysfs, writes a 64x32 rectangle of one
// colour into /dev/fb0 at (100,200) through DRM's fbdev emulation; the host fetches
// GET /screen.png (decoded with pngjs) and finds it there, in that colour, and black
// around it. Then the guest reads its keyboard's /dev/input/event* with od while the host
// sends KeyA over the screen WebSocket (dd of the device: one struct input_event): the guest's first event is EV_KEY KEY_A.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { PNG } from "pngjs";
import WebSocket from "ws";
import { buildInitramfs, DEFAULT_MODULES } from "../../src/images/initramfs.js";
import { cli, ensureImages } from "../support/bulkhead.js";

const TIMEOUT_MS = 240_000;
const MODE = { width: 1024, height: 768 };
const BOX = { x: 100, y: 200, width: 64, height: 32 };
/** XRGB8888 in memory (little-endian): B, G, R, X. The screen shows R=0xff G=0x80 B=0x40. */
const COLOUR = { r: 0xff, g: 0x80, b: 0x40 };

const GUEST = `
fb=/sys/class/graphics/fb0
echo "fb0 size $(cat $fb/virtual_size) bpp $(cat $fb/bits_per_pixel) stride $(cat $fb/stride) name $(cat $fb/name)"
echo 0 > /sys/class/graphics/fbcon/cursor_blink 2>/dev/null
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
`;

let scratch: string, kernel: string, initrd: string;

before(async () => {
  const images = await ensureImages();
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-gpu-boot-"));
  kernel = images.kernel;
  // This tree's default /init and modules, built beside the test rather than into the shared cache.
  initrd = join(scratch, "initrd.gz");
  writeFileSync(initrd, buildInitramfs({ busybox: images.busybox, modulesDir: images.modulesDir, modules: DEFAULT_MODULES, gzip: true }));
}, { timeout: 15 * 60_000 });

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

test("Debian's virtio_gpu shows /dev/fb0 in screen.png; a key sent over the screen WebSocket is EV_KEY in the guest", { timeout: TIMEOUT_MS + 30_000 }, async () => {
  const child = spawn(process.execPath, [
    cli, "run", "--kernel", kernel, "--initrd", initrd, "--timing", "virtual", "--no-reboot",
    "--display", `${MODE.width}x${MODE.height}`, "--screen", "127.0.0.1:0",
    "--append", `console=ttyS0 quiet bulkhead.run64=${Buffer.from(GUEST).toString("base64")}`,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  const exited = new Promise<number | null>((r) => child.on("close", (code) => { clearTimeout(timer); r(code); }));
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding("utf8").on("data", (d: string) => { out += d; for (const w of waiters.splice(0)) w(); });
  child.stderr.setEncoding("utf8").on("data", (d: string) => { err += d; for (const w of waiters.splice(0)) w(); });
  const until = async (what: string, found: () => RegExpExecArray | null): Promise<RegExpExecArray> => {
    for (;;) {
      const m = found();
      if (m) return m;
      if (child.exitCode !== null || child.signalCode !== null) assert.fail(`the run ended before ${what}:\n${out.slice(-3000)}\n${err}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  let ws: WebSocket | undefined;
  try {
    const addr = (await until("the screen address", () => /screen on http:\/\/([\d.]+:\d+)\/screen\.png/.exec(err)))[1]!;
    const fb = await until("fb0's mode", () => /fb0 size (\d+),(\d+) bpp (\d+) stride (\d+) name (\S+)/.exec(out));
    assert.deepEqual(fb.slice(1, 5).map(Number), [MODE.width, MODE.height, 32, MODE.width * 4], "fb0: the configured mode, 32 bpp");
    assert.match(fb[5]!, /virtio/i, "fb0 is virtio_gpu's");
    assert.match(out, /modules loaded:.*virtio_gpu.*/);
    assert.match(out, /modules loaded:.*evdev/);

    // The guest holds still from here, reading its keyboard.
    await until("the pattern", () => /pattern written; reading keys from \/dev\/input\/event\d/.exec(out));
    const png = PNG.sync.read(Buffer.from(await (await fetch(`http://${addr}/screen.png`)).arrayBuffer()));
    assert.deepEqual([png.width, png.height], [MODE.width, MODE.height]);
    const at = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)];
    const inside = [COLOUR.r, COLOUR.g, COLOUR.b, 255];
    for (const [x, y] of [[BOX.x, BOX.y], [BOX.x + BOX.width - 1, BOX.y + BOX.height - 1], [BOX.x + 31, BOX.y + 16]] as const) {
      assert.deepEqual(at(x, y), inside, `(${x},${y}) is the pattern's colour`);
    }
    for (const [x, y] of [[BOX.x - 1, BOX.y], [BOX.x + BOX.width, BOX.y], [BOX.x, BOX.y - 1], [BOX.x, BOX.y + BOX.height]] as const) {
      assert.notDeepEqual(at(x, y), inside, `(${x},${y}), just outside, is not`);
    }

    ws = new WebSocket(`ws://${addr}/screen`);
    await new Promise((r, j) => { ws!.once("open", r); ws!.once("error", j); });
    // Until od has the device open, evdev has no client and drops the events: press until one arrives.
    const press = setInterval(() => {
      ws!.send(JSON.stringify({ type: "key", code: "KeyA", down: true }));
      ws!.send(JSON.stringify({ type: "key", code: "KeyA", down: false }));
    }, 300);
    let event: RegExpExecArray;
    try {
      event = await until("the key event", () => /key event: ((?:\s*[0-9a-f]{2}){24})/.exec(out));
    } finally {
      clearInterval(press);
    }
    const bytes = event[1]!.trim().split(/\s+/).map((h) => parseInt(h, 16));
    // struct input_event on 64-bit: timeval (16 bytes), u16 type, u16 code, s32 value.
    const b = Buffer.from(bytes);
    assert.deepEqual([b.readUInt16LE(16), b.readUInt16LE(18)], [1, 30], "EV_KEY, KEY_A");
    assert.ok([0, 1].includes(b.readInt32LE(20)), "a press or a release");
    await until("the run's end", () => /run finished, status 0/.exec(out));
    assert.equal(await exited, 0, err);
  } catch (e) {
    await new Promise((r) => setTimeout(r, 500));
    throw new Error(`${(e as Error).message}\n--- guest:\n${out.slice(-3000)}\n--- bulkhead:\n${err.slice(-3000)}`, { cause: e });
  } finally {
    ws?.close();
    child.kill("SIGKILL");
    await exited;
  }
});
