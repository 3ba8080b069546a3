// virtio-console with Debian's own driver (virtio_console, built in), multiport:
//   1. named ports carry bytes both ways between guest processes and host sockets (a
//      Unix socket and a TCP port on 127.0.0.1), and a file port collects guest output,
//      each at /dev/virtio-ports/NAME as on a udev system (the default initramfs makes
//      the links); and a line piped into bulkhead's stdin before the boot reaches the
//      shell on ttyS0 (the UART holds it until the guest opens the tty);
//   2. `--console hvc` with `console=hvc0`: the kernel's console and the shell run on
//      hvc0, and the keys typed into bulkhead's stdin reach that shell;
//   3. a port whose host end cannot be opened stops the run before it starts, in one
//      line, leaving no socket behind.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cli, describeRun, ensureImages, runBulkhead, type ProcessRun } from "../support/bulkhead.js";

const TIMEOUT_MS = 180_000;

let scratch: string;
before(async () => {
  await ensureImages();
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-console-"));
}, { timeout: 15 * 60_000 });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freeTcpPort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/**
 * A host-side client: connect (retrying until bulkhead listens), send `line`, and
 * collect what comes back.
 */
async function client(target: string | number, line: string): Promise<{ received: () => string; close: () => void }> {
  let sock: Socket | undefined;
  for (let i = 0; i < 600 && !sock; i++) {
    sock = await new Promise<Socket | undefined>((res) => {
      const s = typeof target === "string" ? connect(target) : connect(target, "127.0.0.1");
      s.once("connect", () => res(s));
      s.once("error", () => res(undefined));
    });
    if (!sock) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(sock, `could not connect to ${target}`);
  let got = "";
  sock.on("data", (d) => { got += d.toString(); });
  sock.on("error", () => {});
  sock.write(line);
  return { received: () => got, close: () => sock.destroy() };
}

describe("virtio-console ports, Debian's virtio_console driver", { timeout: 3 * TIMEOUT_MS }, () => {
  it("named ports at /dev/virtio-ports: bytes both ways over a Unix socket and a TCP port; a file collects output; stdin piped before boot reaches ttyS0", { timeout: TIMEOUT_MS + 10_000 }, async () => {
    const sockPath = join(scratch, "port.sock"), logPath = join(scratch, "port.log");
    const tcpPort = await freeTcpPort();
    // Each `read` opens the port (the device holds the host's line until then), each echo
    // opens it again to answer: the host end sees what the guest read, prefixed.
    // The ports by the paths a udev system gives them; stdin is the console, ttyS0. A
    // uevent for a port (here one the guest asks for) links it again, as udev would.
    const command = `read s; echo "serial:$s"; echo ports: $(ls -l /dev/virtio-ports | grep -o '[^ ]* -> .*'); ` +
      `p=/dev/virtio-ports; l=$(readlink $p/log); rm $p/log; echo change > /sys/class/virtio-ports/\${l#../}/uevent; sleep 1; echo relinked: $(readlink $p/log); ` +
      `read a < $p/org.bulkhead.sock; echo "sock:$a" > $p/org.bulkhead.sock; ` +
      `read b < $p/tcp0; echo "tcp:$b" > $p/tcp0; cat /proc/version > $p/log; echo "guest read: $a $b"`;
    const args = [
      "run", "--timing", "virtual", "--memory", "256M",
      "--port", `name=org.bulkhead.sock,socket=${sockPath}`, "--port", `name=tcp0,tcp=127.0.0.1:${tcpPort}`, "--port", `name=log,file=${logPath}`,
      "--append", `console=ttyS0 bulkhead.run64=${Buffer.from(command).toString("base64")}`,
    ];
    const run = runBulkhead(args, { timeoutMs: TIMEOUT_MS, input: "typed-before-boot\n" });
    const [unix, tcp] = await Promise.all([client(sockPath, "hello-unix\n"), client(tcpPort, "hello-tcp\n")]);
    const r = await run;
    unix.close();
    tcp.close();
    const why = describeRun(`bulkhead ${args.join(" ")}`, r);
    assert.equal(r.status, 0, why);
    assert.match(r.stdout, /^serial:typed-before-boot\r?$/m, `the line piped before the boot did not reach the shell\n${why}`);
    assert.match(r.stdout, /^relinked: \.\.\/vport\d+p3\r?$/m, `a change uevent did not link the port again\n${why}`);
    assert.match(r.stdout, /ports: log -> \.\.\/vport\d+p3 org\.bulkhead\.sock -> \.\.\/vport\d+p1 tcp0 -> \.\.\/vport\d+p2\r?$/m, `/dev/virtio-ports links the three named ports\n${why}`);
    assert.ok(r.stdout.includes("guest read: hello-unix hello-tcp"), `the guest did not read both lines\n${why}`);
    assert.equal(unix.received(), "sock:hello-unix\n", `the Unix socket got ${JSON.stringify(unix.received())}\n${why}`);
    assert.equal(tcp.received(), "tcp:hello-tcp\n", `the TCP client got ${JSON.stringify(tcp.received())}\n${why}`);
    assert.match(readFileSync(logPath, "utf8"), /^Linux version \S+ .*\n$/, "the file port got the kernel version: `cat file > /dev/virtio-ports/log` works");
    assert.ok(!existsSync(sockPath), "the socket file is removed when the run ends");
  });

  it("--console hvc: the console and the shell are on hvc0, and typed keys reach it", { timeout: TIMEOUT_MS + 10_000 }, async () => {
    const args = [cli, "run", "--timing", "virtual", "--memory", "256M", "--console", "hvc", "--append", "console=hvc0"];
    const r = await new Promise<ProcessRun>((resolve) => {
      const started = performance.now();
      const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "", stderr = "", typed = false, timedOut = false;
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        // The default /init starts a shell on the console when no command is given.
        if (!typed && stdout.includes("built-in shell (ash)")) {
          typed = true;
          child.stdin.write("echo hvc-$((40+2)) on $(cat /sys/class/tty/console/active); poweroff -f\n");
        }
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
      const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, TIMEOUT_MS);
      child.on("close", (status, signal) => {
        clearTimeout(timer);
        resolve({ status, signal, stdout, stderr, ms: performance.now() - started, timedOut });
      });
    });
    const why = describeRun(`bulkhead ${args.slice(1).join(" ")}`, r);
    assert.equal(r.status, 0, why);
    // With console=hvc0 alone, the kernel's log reaches us through hvc0 (replayed once it registers).
    assert.match(r.stdout, /Run \/init as init process/, `no kernel log on hvc0\n${why}`);
    assert.match(r.stdout, /^hvc-42 on hvc0\r?$/m, `the typed command did not run on hvc0\n${why}`);
  });

  it("a port that cannot be opened: one line, exit 1, nothing left behind", { timeout: 30_000 }, async () => {
    const sockPath = join(scratch, "first.sock");
    const bad = join(scratch, "no-such-dir", "x.log");
    const r = await runBulkhead(["run", "--port", `name=a,socket=${sockPath}`, "--port", `name=b,file=${bad}`], { timeoutMs: 20_000 });
    assert.equal(r.status, 1, describeRun("bulkhead run --port …", r));
    assert.equal(r.stderr, `bulkhead: --port name=b,file=${bad}: file ${bad}: no such directory\n`);
    assert.equal(r.stdout, "");
    assert.ok(!existsSync(sockPath), "the first port's socket was closed and removed");
    const u = await runBulkhead(["run", "--port", "name=a,tcp=0.0.0.0:4555"], { timeoutMs: 20_000 });
    assert.equal(u.status, 2);
    assert.match(u.stderr, /^bulkhead: run: --port name=a,tcp=0\.0\.0\.0:4555: tcp '0\.0\.0\.0:4555': a console port listens on 127\.0\.0\.1 only .*\n$/);
  });
});
