// `node dist/test/perf/screen-bench.js [--seconds N]`: what a connected viewer of a
// screen receives when a guest repaints a 100x100 region 30 times a second on a
// 1280x800 display. The guest is synthetic: a driver on a virtqueue (src/virtio/testing)
// sends the virtio-gpu device what Linux's virtio_gpu sends for a damaged rectangle
// (TRANSFER_TO_HOST_2D then RESOURCE_FLUSH of it); everything after is the real path:
// the device, the damage sink of the VM's worker (forwardingSink, each rectangle's pixels
// moved through a MessageChannel as between the worker and the RootOS), the RootOS's
// Screen, and the screen WebSocket (serveScreen) to a ws client on loopback.
// Prints bytes/s received against the region's and the whole screen's. A benchmark, not
// a test: exit 0 whatever it measures.
import { createServer } from "node:http";
import { MessageChannel } from "node:worker_threads";
import WebSocket, { WebSocketServer } from "ws";
import { applyUpdate, forwardingSink, Screen, type ScreenUpdate } from "../../src/display/screen.js";
import { serveScreen } from "../../src/display/socket.js";
import {
  VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, VIRTIO_GPU_CMD_RESOURCE_FLUSH, VIRTIO_GPU_CMD_SET_SCANOUT,
  VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, VIRTIO_GPU_RESP_OK_NODATA, VirtioGpu,
} from "../../src/virtio/gpu/index.js";
import { TestDriver, TestRam, testContext } from "../../src/virtio/testing.js";

const W = 1280, H = 800, REGION = { x: 600, y: 300, width: 100, height: 100 }, HZ = 30;
const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1] ?? 0) || 10;

async function main(): Promise<void> {
  const ram = new TestRam(16 << 20);
  const ctrl = new TestDriver(ram, 64, { ringBase: ram.base });
  const cursor = new TestDriver(ram, 16, { ringBase: ram.base + 0x4_0000, index: 1 });
  // The worker's side: damage posted through a channel; the RootOS's side applies it to its Screen.
  const channel = new MessageChannel();
  const screen = new Screen();
  channel.port2.on("message", (u: ScreenUpdate) => applyUpdate(screen, u));
  const sink = forwardingSink((u) => channel.port1.postMessage(u, u.op === "damage" ? [u.rgba.buffer as ArrayBuffer] : []));
  const gpu = new VirtioGpu({ sink, log: (l) => process.stderr.write(`gpu: ${l}\n`), mode: { width: W, height: H } });
  gpu.activate(testContext(ram, [ctrl.vq, cursor.vq]));
  const cmdAt = ram.alloc(256), respAt = ram.alloc(64);
  const send = (type: number, fields: readonly number[], extra?: Uint8Array): void => {
    const cmd = new Uint8Array(24 + 4 * fields.length), dv = new DataView(cmd.buffer);
    dv.setUint32(0, type, true);
    fields.forEach((f, i) => dv.setUint32(24 + 4 * i, f >>> 0, true));
    ctrl.add([{ addr: cmdAt, data: cmd }, ...(extra ? [{ data: extra }] : []), { addr: respAt, len: 64, write: true }]);
    gpu.notify(0, ctrl.vq);
    ctrl.takeUsed();
    const got = new DataView(ram.bytes.buffer, respAt - ram.base, 4).getUint32(0, true);
    if (got !== VIRTIO_GPU_RESP_OK_NODATA) throw new Error(`command 0x${type.toString(16)}: response 0x${got.toString(16)}`);
  };
  const fb = ram.alloc(W * H * 4);
  const entry = new Uint8Array(16), edv = new DataView(entry.buffer);
  edv.setBigUint64(0, BigInt(fb), true);
  edv.setUint32(8, W * H * 4, true);
  send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H]);
  send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [1, 1], entry);
  send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, W, H, 0, 1]);

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer();
  server.on("upgrade", (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => serveScreen(ws, screen, () => true)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  let bytes = 0, messages = 0, counting = false;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.on("message", (d: Buffer, binary) => { if (binary && counting) { bytes += d.length; messages++; } });
  await new Promise((r) => ws.once("open", r));
  await new Promise((r) => setTimeout(r, 300)); // the size and the whole first frame, not counted

  const { x, y, width, height } = REGION;
  let frame = 0;
  const paint = (): void => {
    frame++;
    for (let row = 0; row < height; row++) ram.view(fb + ((y + row) * W + x) * 4, width * 4).fill(frame & 0xff);
    send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [x, y, width, height, (y * W + x) * 4, 0, 1, 0]);
    send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [x, y, width, height, 1, 0]);
  };
  const timer = setInterval(paint, 1000 / HZ);
  await new Promise((r) => setTimeout(r, 1000)); // settle
  counting = true;
  const t0 = performance.now(), f0 = frame;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const dt = (performance.now() - t0) / 1000, flushes = frame - f0;
  counting = false;
  clearInterval(timer);
  ws.close();
  wss.close();
  server.closeAllConnections();
  server.close();
  channel.port1.close();

  const region = width * height * 4, full = W * H * 4;
  const rate = bytes / dt, fps = flushes / dt;
  console.log(`screen bench: a ${width}x${height} region repainted ${fps.toFixed(1)} times/s on a ${W}x${H} screen, for ${dt.toFixed(1)} s`);
  console.log(`  to the viewer: ${(rate / 1024).toFixed(1)} KiB/s in ${(messages / dt).toFixed(1)} messages/s`);
  console.log(`  the region x repaints/s: ${(region * fps / 1024).toFixed(1)} KiB/s (ratio ${(rate / (region * fps)).toFixed(3)})`);
  console.log(`  whole frames x repaints/s would be: ${(full * fps / 1024).toFixed(1)} KiB/s (${(full * fps / rate).toFixed(0)}x more)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
