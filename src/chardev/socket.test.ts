import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ChardevError, type PortEvents } from "./index.js";
import { listenPort, parseTcpListen, type SocketPort } from "./socket.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-chardev-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Events as a log, plus a way to wait for the next one matching. */
function recorder() {
  const log: string[] = [];
  let waiters: Array<{ test: (s: string) => boolean; res: () => void }> = [];
  const push = (s: string) => {
    log.push(s);
    waiters = waiters.filter((w) => (w.test(s) ? (w.res(), false) : true));
  };
  const events: PortEvents = {
    data: (b) => push(`data:${Buffer.from(b).toString()}`),
    connection: (open) => push(open ? "open" : "closed"),
  };
  const until = (test: (s: string) => boolean) =>
    log.some(test) ? Promise.resolve() : new Promise<void>((res) => waiters.push({ test, res }));
  return { log, events, until, data: () => log.filter((s) => s.startsWith("data:")).map((s) => s.slice(5)).join("") };
}

function client(path: string | number): Promise<Socket> {
  return new Promise((res, rej) => {
    const c = typeof path === "string" ? connect(path) : connect(path, "127.0.0.1");
    c.once("connect", () => res(c));
    c.once("error", rej);
  });
}

function readUntil(c: Socket, text: string): Promise<string> {
  let got = "";
  return new Promise((res) => {
    const on = (d: Buffer) => {
      got += d.toString();
      if (got.includes(text)) { c.off("data", on); res(got); }
    };
    c.on("data", on);
  });
}

async function bothWays(port: SocketPort, addr: string | number): Promise<void> {
  const r = recorder();
  port.attach(r.events);
  assert.equal(port.connected, false);
  port.write(new TextEncoder().encode("lost: nobody is connected\n"));
  const c = await client(addr);
  await r.until((s) => s === "open");
  assert.equal(port.connected, true);
  c.write("from host");
  await r.until(() => r.data() === "from host");
  const echoed = readUntil(c, "from guest");
  port.write(new TextEncoder().encode("from guest"));
  assert.equal(await echoed, "from guest", "output before the client came was dropped");
  c.end();
  await r.until((s) => s === "closed");
  assert.equal(port.connected, false);
  // The next client is welcome.
  const c2 = await client(addr);
  await r.until((s) => r.log.filter((x) => x === "open").length === 2 && s === "open");
  c2.destroy();
  await r.until(() => r.log.filter((x) => x === "closed").length === 2);
}

test("a Unix socket port: bytes both ways, open/close per client, the next client welcome", async () => {
  const path = join(dir, "a.sock");
  const port = await listenPort({ kind: "unix", path });
  try {
    assert.equal(port.label, `socket ${path}`);
    await bothWays(port, path);
  } finally {
    await port.close();
  }
  assert.equal(existsSync(path), false, "the socket file is removed on close");
});

test("a TCP port on 127.0.0.1: bytes both ways", async () => {
  const port = await listenPort({ kind: "tcp", port: 0 });
  try {
    assert.match(port.label, /^tcp 127\.0\.0\.1:\d+$/);
    await bothWays(port, port.port);
  } finally {
    await port.close();
  }
});

test("one client at a time: a second is closed while the first stays", async () => {
  const path = join(dir, "one.sock");
  const port = await listenPort({ kind: "unix", path });
  const r = recorder();
  port.attach(r.events);
  try {
    const first = await client(path);
    await r.until((s) => s === "open");
    const second = await client(path);
    await new Promise<void>((res) => second.once("close", () => res()));
    assert.equal(port.counters.refused, 1);
    first.write("still here");
    await r.until(() => r.data() === "still here");
    assert.deepEqual(r.log.filter((s) => s === "open" || s === "closed"), ["open"]);
    first.destroy();
  } finally {
    await port.close();
  }
});

test("input waits until attach; pause holds input back until resume", async () => {
  const path = join(dir, "early.sock");
  const port = await listenPort({ kind: "unix", path });
  try {
    const c = await client(path);
    c.write("early");
    await new Promise((r) => setTimeout(r, 50));
    const r = recorder();
    port.attach(r.events);
    await r.until(() => r.data() === "early");
    assert.equal(r.log[0], "open");
    port.pause();
    c.write("later");
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(r.data(), "early");
    port.resume();
    await r.until(() => r.data() === "earlylater");
    c.destroy();
  } finally {
    await port.close();
  }
});

test("socket paths: a stale socket is replaced; a live one, a file, a long path, a missing directory are errors", async () => {
  const stale = join(dir, "stale.sock");
  // A VM that was killed: its socket file stays, nobody listens on it.
  spawnSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, "SIGKILL"))`]);
  assert.ok(lstatSync(stale).isSocket(), "the killed listener left its socket file");
  writeFileSync(join(dir, "placeholder"), "");
  const again = await listenPort({ kind: "unix", path: stale });
  await again.close();

  const live = await listenPort({ kind: "unix", path: join(dir, "live.sock") });
  const is = (kind: string, re: RegExp) => (e: unknown) => e instanceof ChardevError && e.info.kind === kind && re.test(e.message);
  try {
    await assert.rejects(listenPort({ kind: "unix", path: join(dir, "live.sock") }), is("SocketInUse", /another program is listening on it/));
  } finally {
    await live.close();
  }
  await assert.rejects(listenPort({ kind: "unix", path: join(dir, "placeholder") }), is("NotASocket", /exists and is not a socket/));
  await assert.rejects(listenPort({ kind: "unix", path: join(dir, "x".repeat(120)) }), is("PathTooLong", /longer than the 107 bytes/));
  await assert.rejects(listenPort({ kind: "unix", path: join(dir, "nodir", "a.sock") }), is("Open", /^socket .*nodir\/a\.sock: no such directory$/));
});

test("tcp: 127.0.0.1 only; a port in use is an error", async () => {
  assert.deepEqual(parseTcpListen("127.0.0.1:4555"), { kind: "tcp", port: 4555 });
  assert.deepEqual(parseTcpListen("localhost:4555"), { kind: "tcp", port: 4555 });
  assert.throws(() => parseTcpListen("0.0.0.0:4555"), /tcp '0\.0\.0\.0:4555': a console port listens on 127\.0\.0\.1 only/);
  assert.throws(() => parseTcpListen("192.168.1.2:22"), /127\.0\.0\.1 only/);
  assert.throws(() => parseTcpListen(":4555"), /127\.0\.0\.1 only/);
  assert.throws(() => parseTcpListen("127.0.0.1"), /expected 127\.0\.0\.1:PORT/);
  assert.throws(() => parseTcpListen("127.0.0.1:0"), /port 0 is not from 1 to 65535/);
  const a = await listenPort({ kind: "tcp", port: 0 });
  try {
    await assert.rejects(listenPort({ kind: "tcp", port: a.port }), /tcp 127\.0\.0\.1:\d+: the address is in use/);
  } finally {
    await a.close();
  }
});
