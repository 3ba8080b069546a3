// VMs launched from the developer's workstation, against `bulkhead up --headless` running
// as a user runs it (a child process, its API on a free port, its state directory in a
// temporary one), driven by `bulkhead ctl` in other child processes, with the bare-metal
// test guests (test/guests) as the "kernels":
// - a VM whose boot.kernel is a file in its share's directory: the file replaced on the
//   host, `ctl reset` boots the new one (its console and its measured boot say so);
// - `ctl create NAME … kernel=@FILE` reads FILE where ctl runs (another directory) and
//   uploads it; the RootOS keeps it in its state directory under a sanitised name, and
//   the VM boots it; a create refused by the checks, a missing file, and a raw form with
//   a hostile file name or a part no field names leave nothing behind;
// - on a board with secure_boot, an uploaded loose kernel is refused with the reason, a
//   signed bundle uploaded with bundle=@FILE boots verified, and one signed by a key the
//   board does not trust is created but refused at its start.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { guestElf } from "../../src/rootos/supervisor/testing.js";
import { testBundle, testKey } from "../../src/rootos/trust/testing.js";
import { cli, describeRun, repoRoot, runBulkhead, tail } from "../support/bulkhead.js";

const TIMEOUT_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), "bulkhead-workstation-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** `bulkhead up --headless FILE` with its API on a free port and its state in `state`; resolves once its VMs are up. */
async function up(file: string, state: string) {
  const api = `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, [cli, "up", "--headless", "--api", api, file], {
    cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, XDG_STATE_HOME: state, BULKHEAD_TOKEN: "" },
  });
  children.push(child);
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  const waitFor = async (re: RegExp, what: string): Promise<void> => {
    const end = Date.now() + TIMEOUT_MS;
    while (!re.test(out)) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`bulkhead up: no ${what} (${child.exitCode !== null ? `exit ${child.exitCode}` : "timed out"})\n${tail(out)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor(/bulkhead: API on http:\/\//, "API");
  const ctl = async (args: string[], cwd = repoRoot) => runBulkhead(["ctl", "--api", api, ...args], { timeoutMs: TIMEOUT_MS, cwd, env: { ...process.env, BULKHEAD_TOKEN: "" } });
  return {
    api, out: () => out, waitFor, ctl,
    /** ctl ARGS, which must succeed: its stdout. */
    async ok(args: string[], cwd?: string): Promise<string> {
      const r = await ctl(args, cwd);
      assert.equal(r.status, 0, describeRun(`ctl ${args.join(" ")}`, r));
      return r.stdout;
    },
    /** The VM's console so far (ctl console with no input: the scroll-back, then it detaches). */
    async console(vm: string): Promise<string> {
      return (await ctl(["console", vm])).stdout;
    },
    async stop(): Promise<void> {
      child.kill("SIGTERM");
      await new Promise<void>((r) => (child.exitCode !== null ? r() : child.on("exit", () => r())));
    },
  };
}

async function eventually(what: string, cond: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("a kernel in a share's directory: replaced on the host, `reset` boots the new one", { timeout: 5 * TIMEOUT_MS }, async () => {
  const base = join(dir, "loop");
  const share = join(base, "share"), state = join(base, "state");
  mkdirSync(share, { recursive: true });
  copyFileSync(guestElf("echo"), join(share, "guest.elf"));
  const file = join(base, "system.yaml");
  writeFileSync(file, `board: { name: ws, cores: 3, memory: 128M }
vms:
  - name: dev
    cores: [0]
    memory: 16M
    boot: { kernel: share/guest.elf, firmware: none }
    devices:
      - { virtio: share, path: share, tag: host }
`);
  const sys = await up(file, state);
  try {
    await sys.waitFor(/dev: started/, "dev started");
    await eventually("echo's banner", async () => (await sys.console("dev")).includes("echo: running"));
    copyFileSync(guestElf("kick"), join(share, "guest.elf")); // "rebuilt on the host"
    assert.match(await sys.ok(["reset", "dev"]), /^dev: running/);
    await eventually("the new kernel's banner", async () => (await sys.console("dev")).includes("kick: running"));
    const m = JSON.parse(await sys.ok(["--json", "measurements", "dev"])) as { measurements: { entries: { stage: string; digest: string }[] } };
    assert.equal(m.measurements.entries[0]!.digest, sha(readFileSync(guestElf("kick"))), "the measured boot is the new file's");
  } finally {
    await sys.stop();
  }
});

test("ctl create … kernel=@FILE uploads the file from where ctl runs; refusals leave nothing; names are sanitised", { timeout: 5 * TIMEOUT_MS }, async () => {
  const base = join(dir, "create");
  const state = join(base, "state"), work = join(base, "work");
  mkdirSync(work, { recursive: true });
  const file = join(base, "system.yaml");
  writeFileSync(file, `board: { name: ws, cores: 3, memory: 128M }
vms:
  - name: base
    cores: [0]
    memory: 16M
    boot: { kernel: ${guestElf("spin")}, firmware: none }
`);
  // Where ctl runs: not where the RootOS does, and the RootOS never sees this path.
  copyFileSync(guestElf("echo"), join(work, "my kernel;v2.elf"));
  const sys = await up(file, state);
  const uploads = join(state, "bulkhead", "uploads");
  const stored = () => readdirSync(uploads, { recursive: true, encoding: "utf8" }).sort();
  try {
    await sys.waitFor(/base: started/, "base started");
    const made = await sys.ok(["create", "dev", "cores=[1]", "memory=16M", "kernel=@./my kernel;v2.elf", "firmware=none"], work);
    assert.match(made, /^dev: created/);
    const [home, ...rest] = stored();
    assert.match(home!, /^dev-[A-Za-z0-9]{6}$/);
    assert.deepEqual(rest, [join(home!, "kernel-my_kernel_v2.elf")]);
    assert.deepEqual(readFileSync(join(uploads, home!, "kernel-my_kernel_v2.elf")), readFileSync(guestElf("echo")));
    assert.match(await sys.ok(["start", "dev"]), /^dev: running/);
    await eventually("the uploaded kernel's banner", async () => (await sys.console("dev")).includes("echo: running"));

    // Refused by the checks (no free core is left for 2), and a file that is not there: nothing is created, nothing kept.
    const refused = await sys.ctl(["create", "big", "cores=2", "memory=16M", "kernel=@./my kernel;v2.elf", "firmware=none"], work);
    assert.equal(refused.status, 1, describeRun("create big", refused));
    assert.match(refused.stderr, /create: refused, nothing changed: .*core/);
    const missing = await sys.ctl(["create", "gone", "cores=1", "memory=16M", "kernel=@./nope.elf"], work);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ctl: create: kernel=@\.\/nope\.elf: no such file/);
    const notBoot = await sys.ctl(["create", "odd", "cores=1", "memory=16M", "kernel=@./my kernel;v2.elf", "firmware=none", "os=@./my kernel;v2.elf"], work);
    assert.equal(notBoot.status, 1);
    assert.match(notBoot.stderr, /os=@.*: only a boot image can be uploaded \(kernel, initrd, firmware, bootloader, bundle\)/);
    assert.deepEqual(stored(), [home!, join(home!, "kernel-my_kernel_v2.elf")]);
    assert.doesNotMatch(await sys.ok(["list"]), /^(big|gone|odd)\s/m);

    // A raw form, as curl -F sends it: a hostile file name is only a name; a part no field names is refused.
    const form = (parts: Record<string, string>) => {
      const f = new FormData();
      f.set("json", JSON.stringify({ name: "raw", spec: { cores: 1, memory: "16M", kernel: "@k", firmware: "none" } }));
      for (const [name, filename] of Object.entries(parts)) f.set(name, new Blob([readFileSync(guestElf("echo"))]), filename);
      return fetch(`http://${sys.api}/v1/vms`, { method: "POST", body: f });
    };
    const extra = await form({ k: "x.elf", other: "y.elf" });
    assert.equal(extra.status, 400);
    assert.match(((await extra.json()) as { error: string }).error, /the file part 'other' is named by no field/);
    const hostile = await form({ k: "../../../../escape\u0000.elf" });
    assert.equal(hostile.status, 200, await hostile.clone().text());
    const raw = stored().filter((p) => p.startsWith("raw-"));
    assert.equal(raw.length, 2);
    assert.match(raw[1]!, /^raw-[A-Za-z0-9]{6}\/kernel-escape_\.elf$/);
    assert.deepEqual(readdirSync(base).sort(), ["state", "system.yaml", "work"], "nothing written beside the state directory");
  } finally {
    await sys.stop();
  }
  assert.deepEqual(readdirSync(uploads), [], "a created VM's files go with the RootOS");
});

test("secure_boot: an uploaded loose kernel is refused with the reason; an uploaded signed bundle boots verified, an untrusted one does not", { timeout: 5 * TIMEOUT_MS }, async () => {
  const base = join(dir, "secure");
  const state = join(base, "state"), work = join(base, "work");
  mkdirSync(work, { recursive: true });
  const release = testKey("release");
  writeFileSync(join(base, "release.pub"), release.publicPem);
  const spin = new Uint8Array(readFileSync(guestElf("spin")));
  const kernel = [{ role: "kernel" as const, name: "spin.elf", bytes: spin }];
  writeFileSync(join(base, "base.bundle"), testBundle(release, "base", 1, kernel));
  writeFileSync(join(work, "dev.bundle"), testBundle(release, "dev", 1, kernel));
  writeFileSync(join(work, "evil.bundle"), testBundle(testKey("stranger"), "evil", 1, kernel));
  copyFileSync(guestElf("spin"), join(work, "spin.elf"));
  const file = join(base, "system.yaml");
  writeFileSync(file, `board:
  name: ws
  cores: 3
  memory: 128M
  secure_boot: true
  trusted_keys: [{ name: release, file: release.pub }]
vms:
  - name: base
    cores: [0]
    memory: 16M
    boot: { bundle: base.bundle, firmware: none }
`);
  const sys = await up(file, state);
  const uploads = join(state, "bulkhead", "uploads");
  try {
    await sys.waitFor(/base: started/, "base started");
    const loose = await sys.ctl(["create", "dev", "cores=1", "memory=16M", "kernel=@spin.elf", "firmware=none"], work);
    assert.equal(loose.status, 1, describeRun("create with a loose kernel", loose));
    assert.match(loose.stderr, /create: refused, nothing changed: .*the board has secure_boot: true, and these are loose \(unsigned\) files/);
    assert.deepEqual(readdirSync(uploads), []);

    assert.match(await sys.ok(["create", "dev", "cores=1", "memory=16M", "bundle=@dev.bundle", "firmware=none"], work), /^dev: created/);
    assert.match(await sys.ok(["start", "dev"]), /^dev: running/);
    await sys.waitFor(/dev\s+check\s+verified boot: .*dev\.bundle version 1, signed by 'release'/, "dev's verified boot");

    assert.match(await sys.ok(["create", "evil", "cores=1", "memory=16M", "bundle=@evil.bundle", "firmware=none"], work), /^evil: created/);
    const start = await sys.ctl(["start", "evil"]);
    assert.equal(start.status, 1);
    assert.match(start.stderr, /verified boot refused .*evil\.bundle: unknown key/);
    assert.match(await sys.ok(["info", "evil"]), /^evil: stopped/);
  } finally {
    await sys.stop();
  }
});
