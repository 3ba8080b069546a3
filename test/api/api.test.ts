// The management API as a client sees it: node's fetch and the `ws` package's WebSocket
// client against startApi on a Supervisor running the bare-metal test guests (spin, and
// echo, which answers console input in upper case).
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { errorReply } from "../../src/api/errors.js";
import { ApiError, startApi, type ApiServer } from "../../src/api/index.js";
import { COMMANDS, runWords } from "../../src/rootos/commands/index.js";
import { parseExposition, sampleValue } from "../../src/api/testing.js";
import type { LogEntry } from "../../src/rootos/supervisor/event-log.js";
import { Supervisor, type VmInfo } from "../../src/rootos/supervisor/supervisor.js";
import { guestElf, sleep, testSystemPlan, testVmPlan, waitFor } from "../../src/rootos/supervisor/testing.js";

// Slow guests: the host is shared (and the child processes of ctl need a core to start).
const SLOW = { kind: "mips", mips: 10 } as const;
let sup: Supervisor;
let api: ApiServer;
let base: string;

before(async () => {
  sup = new Supervisor(testSystemPlan([
    testVmPlan("spin", { throttle: SLOW }),
    testVmPlan("echo", { program: guestElf("echo"), throttle: SLOW }),
    testVmPlan("idle", { autostart: false, throttle: SLOW }),
  ]), { eventLog: null });
  await sup.up();
  api = await startApi(sup, { port: 0 });
  base = `http://${api.address}`;
});
after(async () => {
  await api?.close();
  await sup?.close();
});

interface Answer { status: number; body: any; headers: Headers }

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}, at = base): Promise<Answer> {
  const res = await fetch(`${at}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(text) : text, headers: res.headers };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const r = await call("GET", "/metrics");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return sampleValue(parseExposition(r.body as string), name, labels);
}

/** A WebSocket to `path` with its message handler: open, or the HTTP status and JSON body it was refused with. */
function connect(path: string, onMessage: (data: Buffer, binary: boolean) => void = () => {}): Promise<WebSocket | { status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${api.address}${path}`);
    ws.on("message", onMessage); // before the upgrade: the scroll-back may come with it
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => { text += d; }).on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
  });
}

test("list and info; a VM that does not exist is 404 naming the VMs", async () => {
  const list = await call("GET", "/v1/vms");
  assert.equal(list.status, 200);
  assert.deepEqual((list.body as VmInfo[]).map((v) => [v.name, v.state]), [["spin", "running"], ["echo", "running"], ["idle", "created"]]);
  const info = await call("GET", "/v1/vms/idle");
  assert.equal((info.body as VmInfo).autostart, false);
  for (const [method, path] of [["GET", "/v1/vms/nope"], ["POST", "/v1/vms/nope/pause"], ["GET", "/v1/vms/nope/stats"], ["GET", "/v1/log?vm=nope"]] as const) {
    const r = await call(method, path);
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.deepEqual(r.body, { error: "no VM named 'nope' (the VMs are: spin, echo, idle)", kind: "NoSuchVm", vm: "nope", known: ["spin", "echo", "idle"] });
  }
});

test("pause freezes the instructions counter in /metrics, resume continues it; an illegal transition is 409 and changes nothing", async () => {
  const vm = { vm: "spin" };
  await waitFor("instructions", async () => (await metric("bulkhead_vm_instructions_total", vm)) > 0);
  const paused = await call("POST", "/v1/vms/spin/pause");
  assert.equal(paused.status, 200);
  assert.equal((paused.body as VmInfo).state, "paused");
  assert.equal(await metric("bulkhead_vm_state", { vm: "spin", state: "paused" }), 1);
  assert.equal(await metric("bulkhead_vm_state", { vm: "spin", state: "running" }), 0);
  const p1 = await metric("bulkhead_vm_instructions_total", vm);
  await sleep(300);
  assert.equal(await metric("bulkhead_vm_instructions_total", vm), p1, "no instruction retires while paused");
  assert.equal(await metric("bulkhead_vm_mips", vm), 0);

  const again = await call("POST", "/v1/vms/spin/pause");
  assert.equal(again.status, 409);
  assert.equal(again.body.kind, "IllegalTransition");
  assert.equal(again.body.error, "VM 'spin' is paused: cannot pause it (it is already paused)");
  assert.equal((await call("GET", "/v1/vms/spin")).body.state, "paused", "unchanged");

  assert.equal((await call("POST", "/v1/vms/spin/resume")).body.state, "running");
  await waitFor("instructions after resume", async () => (await metric("bulkhead_vm_instructions_total", vm)) > p1 + 1_000_000);
  const stats = await call("GET", "/v1/vms/spin/stats");
  assert.equal(stats.body.vm, "spin");
  assert.ok(stats.body.instructions > p1);
});

test("throttle (PUT and POST), log, and any shell command through POST /v1/commands", async () => {
  assert.deepEqual((await call("PUT", "/v1/vms/spin/throttle", '{"cap": "25%"}')).body.throttle, { kind: "share", percent: 25 });
  assert.deepEqual((await call("POST", "/v1/vms/spin/throttle", '{"cap": 40}')).body.throttle, { kind: "mips", mips: 40 });
  assert.equal((await call("PUT", "/v1/vms/spin/throttle", '{"cap": "off"}')).body.throttle, null);
  assert.deepEqual((await call("PUT", "/v1/vms/spin/throttle", '{"cap": "10"}')).body.throttle, SLOW);
  const log = await call("GET", "/v1/log?vm=spin&kind=command&n=2");
  assert.deepEqual((log.body as LogEntry[]).map((e) => e.message), ["throttle none: ok", "throttle 10 MIPS: ok"]);
  const cmd = await call("POST", "/v1/commands", JSON.stringify({ words: ["info", "idle"] }), { "Content-Type": "application/json" });
  assert.equal(cmd.status, 200);
  assert.equal(cmd.body.data.name, "idle");
  assert.match(cmd.body.text, /^idle: created since /);
});

test("bad requests: 400/404/405/426 saying what is wrong, and the system unchanged", async () => {
  const before = (await call("GET", "/v1/vms")).body as VmInfo[];
  const cases: [string, string, string | undefined, number, string, RegExp][] = [
    ["POST", "/v1/commands", '{"words": ["pause", "spin"', 400, "BadBody", /^bad request body: not JSON: /],
    ["POST", "/v1/commands", "", 400, "BadBody", /^bad request body: expected a JSON object such as \{"words": \["pause", "linux1"\]\}$/],
    ["POST", "/v1/commands", '{"words": []}', 400, "BadBody", /'words' must be a non-empty array of strings/],
    ["POST", "/v1/commands", '{"words": ["frobnicate", "spin"]}', 400, "UnknownCommand", /^unknown command 'frobnicate' \(the commands are: list, info, start/],
    ["POST", "/v1/commands", '{"words": ["pause"]}', 400, "BadArgument", /^pause: \(nothing\): missing arguments \(usage: pause VM\)$/],
    ["PUT", "/v1/vms/spin/throttle", '{"cap": "fast"}', 400, "BadArgument", /^throttle: fast: not a cap/],
    ["PUT", "/v1/vms/spin/throttle", '{"speed": 5}', 400, "BadBody", /'cap' is missing: send \{"cap": "50"\}/],
    ["POST", "/v1/vms/idle/shutdown?timeout=soon", undefined, 400, "BadArgument", /^shutdown: soon: not a duration/],
    ["GET", "/v1/log?kind=bogus", undefined, 400, "BadArgument", /^log: bogus: not a kind of entry \(the kinds are: state, command/],
    ["GET", "/v1/nothing", undefined, 404, "NoRoute", /^no such API route: \/v1\/nothing/],
    ["DELETE", "/v1/vms/spin", undefined, 405, "MethodNotAllowed", /^DELETE is not allowed on \/v1\/vms\/spin \(use GET\)$/],
    ["GET", "/v1/vms/spin/console", undefined, 426, "UpgradeRequired", /is a WebSocket/],
    ["POST", "/v1/vms/idle/pause", undefined, 409, "IllegalTransition", /^VM 'idle' is created: cannot pause it/],
  ];
  for (const [method, path, body, status, kind, message] of cases) {
    const r = await call(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${body ?? ""}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.kind, kind);
    assert.match(r.body.error, message);
  }
  assert.equal((await call("DELETE", "/v1/vms/spin")).headers.get("allow"), "GET");
  assert.deepEqual(((await call("GET", "/v1/vms")).body as VmInfo[]).map((v) => [v.name, v.state, v.throttle]), before.map((v) => [v.name, v.state, v.throttle]));
});

test("console WebSocket: the guest's output (scroll-back first), input reaches the guest, closing detaches", async () => {
  let seen = "", text = 0;
  const ws = await connect("/v1/vms/echo/console", (d, binary) => { seen += d.toString("latin1"); if (!binary) text++; });
  assert.ok(ws instanceof WebSocket);
  await waitFor("the banner", () => seen.startsWith("echo: running\n"));
  ws.send(Buffer.from("hello, guest\n"));
  ws.send("typed as text\n");
  await waitFor("the guest's answer", () => seen.includes("HELLO, GUEST\nTYPED AS TEXT\n"));
  assert.equal(text, 0, "output comes as binary messages");
  ws.close();
  await waitFor("detached", () => sup.log({ vm: "echo", kind: "command" }).some((e) => e.message === "console detached"));

  const none = await connect("/v1/vms/nope/console");
  assert.ok(!(none instanceof WebSocket));
  assert.equal(none.status, 404);
  assert.equal(none.body.kind, "NoSuchVm");
  const port = await connect("/v1/vms/echo/console?port=hvc9");
  assert.ok(!(port instanceof WebSocket));
  assert.equal(port.status, 400);
  assert.match(port.body.error, /VM 'echo' has no console port 'hvc9' that the RootOS keeps \(it keeps none\)/);
});

test("events WebSocket: every new event-log entry, as JSON, as it happens", async () => {
  const got: LogEntry[] = [];
  const ws = await connect("/v1/events", (d) => got.push(JSON.parse(d.toString("utf8")) as LogEntry));
  assert.ok(ws instanceof WebSocket);
  assert.equal((await call("POST", "/v1/vms/idle/start")).body.state, "running");
  await waitFor("idle's state changes", () => got.some((e) => e.vm === "idle" && e.kind === "state" && e.to === "running"));
  const states = got.filter((e) => e.vm === "idle" && e.kind === "state").map((e) => e.message);
  assert.deepEqual(states, ["created -> booting (command start)", "booting -> running (its machine runs)"]);
  assert.ok(got.some((e) => e.kind === "command" && e.message === "start: ok"));
  assert.ok(got.every((e, i) => i === 0 || e.seq === got[i - 1]!.seq + 1), "none missed, in order");
  ws.close();
});

test("a token: required off loopback (refused to start without one); with one, 401 without it, over HTTP and WebSocket", async () => {
  await assert.rejects(startApi(sup, { host: "0.0.0.0", port: 0 }), (e: unknown) => e instanceof ApiError && e.info.kind === "TokenRequired"
    && e.message === "the API would listen on 0.0.0.0, which other machines can reach: give it a token (bulkhead up --token, or BULKHEAD_TOKEN), or listen on 127.0.0.1");
  await assert.rejects(startApi(sup, { port: Number(api.address.split(":")[1]) }), /the API cannot listen on 127\.0\.0\.1:\d+: the address is in use/);
  const secured = await startApi(sup, { host: "0.0.0.0", port: 0, token: "s3cret-token" });
  try {
    const at = `http://127.0.0.1:${secured.address.split(":").at(-1)}`;
    for (const headers of [{}, { Authorization: "Bearer wrong" }, { Authorization: "Basic s3cret-token" }, { Authorization: "Bearer s3cret-token-and-more" }] as Record<string, string>[]) {
      const r = await call("GET", "/v1/vms", undefined, headers, at);
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.body.kind, "Unauthorized");
      assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="bulkhead"');
      assert.equal((await call("GET", "/metrics", undefined, headers, at)).status, 401);
    }
    const ok = await call("GET", "/v1/vms", undefined, { Authorization: "Bearer s3cret-token" }, at);
    assert.equal(ok.status, 200);
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${at.replace("http", "ws")}/v1/events`);
      ws.once("open", () => reject(new Error("opened without a token")));
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode!));
    });
    assert.equal(refused, 401);
    // A browser's WebSocket offers the token as a subprotocol (it cannot send Authorization); the server picks "bulkhead".
    const offer = (token: string) => ["bulkhead", `bulkhead.bearer.${Buffer.from(token).toString("base64url")}`];
    const opened = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${at.replace("http", "ws")}/v1/events`, offer("s3cret-token"));
      ws.once("open", () => resolve(ws));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
    assert.equal(opened.protocol, "bulkhead");
    opened.close();
    const wrong = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${at.replace("http", "ws")}/v1/events`, offer("wrong"));
      ws.once("open", () => reject(new Error("opened with a wrong token")));
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode!));
    });
    assert.equal(wrong, 401);
    // The dashboard's page needs no token (a browser opening the URL sends none); what it then asks for does.
    const page = await call("GET", "/", undefined, {}, at);
    assert.equal(page.status, 200, "npm run build writes the dashboard into dist/web");
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(page.body as string, /<script type="module" src="\/web\/main-\w+\.js">/);
    const script = /src="(\/web\/main-\w+\.js)"/.exec(page.body as string)![1]!;
    assert.equal((await call("GET", script, undefined, {}, at)).headers.get("content-type"), "text/javascript; charset=utf-8");
  } finally {
    await secured.close();
  }
});

/** A request with node:http, headers exactly as given (fetch will not send a foreign Host); `chunked`: the body without a length. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string, chunked = false): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const length = body !== undefined && !chunked ? { "Content-Length": String(Buffer.byteLength(body)) } : {};
    const req = request(`http://${api.address}${path}`, { method, headers: { ...headers, ...length } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => { text += d; }).on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on("error", reject);
    if (chunked && body !== undefined) for (let i = 0; i < body.length; i += 8192) req.write(body.slice(i, i + 8192));
    req.end(chunked ? undefined : body);
  });
}

/** A WebSocket opened with `headers` (an Origin, a Host): "open", or the status it was refused with. */
function socketWith(path: string, opts: { origin?: string; headers?: Record<string, string> }): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${api.address}${path}`, opts);
    ws.once("open", () => { ws.close(); resolve("open"); });
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => { res.resume(); resolve(res.statusCode!); });
  });
}

test("web pages are refused: a foreign Origin (POST and WebSocket) and a foreign Host change nothing; no Origin, or the API's own, work", async () => {
  const port = api.address.split(":").at(-1)!;
  const spin = () => sup.info("spin").state;
  const attached = () => sup.log({ vm: "echo", kind: "command" }).filter((e) => e.message === "console attached").length;
  assert.equal(spin(), "running");
  const evil = await raw("POST", "/v1/vms/spin/pause", { Origin: "http://evil.example", "Content-Type": "text/plain" }, "");
  assert.equal(evil.status, 403);
  assert.equal(evil.body.kind, "ForeignOrigin");
  assert.match(evil.body.error, /^refused: a request from the web page at http:\/\/evil\.example/);
  for (const origin of ["null", `http://evil.example:${port}`, `https://127.0.0.1:${port}`, `http://127.0.0.1:${Number(port) + 1}`]) {
    assert.equal((await raw("POST", "/v1/vms/spin/pause", { Origin: origin })).status, 403, origin);
  }
  const host = await raw("POST", "/v1/vms/spin/pause", { Host: "evil.example" });
  assert.equal(host.status, 403);
  assert.equal(host.body.kind, "ForeignHost");
  assert.match(host.body.error, /^refused: Host 'evil\.example' is not an address this API answers on \(127\.0\.0\.1:\d+, localhost:\d+, \[::1\]:\d+\)$/);
  assert.equal((await raw("GET", "/v1/vms", { Host: `evil.example:${port}` })).status, 403, "a rebound name is refused for reads too");
  assert.equal((await raw("GET", "/v1/vms", { Host: `127.0.0.1:${Number(port) + 1}` })).status, 403, "another port");
  const before = attached();
  assert.equal(await socketWith("/v1/vms/echo/console", { origin: "http://evil.example" }), 403);
  assert.equal(await socketWith("/v1/vms/echo/console", { headers: { Host: "evil.example" } }), 403);
  assert.equal(await socketWith("/v1/events", { origin: "http://evil.example" }), 403);
  await sleep(100);
  assert.equal(spin(), "running", "nothing paused it");
  assert.equal(attached(), before, "no console attached");

  // The API's own origin, by each name loopback has; and no Origin at all.
  for (const name of ["127.0.0.1", "localhost", "[::1]"]) {
    const own = `${name}:${port}`;
    const paused = await raw("POST", "/v1/vms/spin/pause", { Host: own, Origin: `http://${own}` });
    assert.equal(paused.status, 200, `${own}: ${JSON.stringify(paused.body)}`);
    assert.equal(paused.body.state, "paused");
    assert.equal((await raw("POST", "/v1/vms/spin/resume", { Host: own })).body.state, "running");
  }
  assert.equal(await socketWith("/v1/vms/echo/console", { origin: `http://${api.address}` }), "open");
  assert.equal(await socketWith("/v1/vms/echo/console", {}), "open");
  await waitFor("both attached and detached", () => sup.log({ vm: "echo", kind: "command" }).filter((e) => e.message === "console detached").length >= before + 2);
});

test("a body over 64 KiB is refused before it is read (413), with or without a length", async () => {
  const big = JSON.stringify({ words: ["list", "x".repeat(70 * 1024)] });
  const r = await raw("POST", "/v1/commands", {}, big);
  assert.equal(r.status, 413);
  assert.equal(r.body.kind, "BodyTooLarge");
  const chunked = await raw("PUT", "/v1/vms/spin/throttle", {}, big, true);
  assert.equal(chunked.status, 413);
  assert.deepEqual(sup.info("spin").throttle, SLOW);
});

/** A request each route refuses for one field or query parameter, derived from the command table. */
function malformed(): { what: string; method: string; path: string; body?: string; socket?: boolean; param: string; kind: string }[] {
  const out: ReturnType<typeof malformed> = [];
  for (const c of COMMANDS) {
    for (const r of c.routes) {
      const path = r.path.replace("{vm}", "idle");
      const fields = Object.entries(c.params).filter(([n, p]) => p.source === "value" && !r.path.includes(`{${n}}`));
      const valid = Object.fromEntries(fields.filter(([, p]) => !p.optional).map(([n, p]) => [n, p.example]));
      const socket = r.method === "WebSocket";
      out.push({ what: `${r.method} ${r.path} ?bogus`, method: socket ? "GET" : r.method, path: `${path}?bogus=1`, socket, param: "bogus", kind: "BadQuery" });
      if (r.method === "POST" || r.method === "PUT") {
        if (c.params["bundle"]?.source === "bytes") {
          out.push({ what: `${r.method} ${r.path} empty`, method: r.method, path, body: "", param: "bundle", kind: "BadArgument" });
          continue;
        }
        out.push({ what: `${r.method} ${r.path} {bogus}`, method: r.method, path, body: JSON.stringify({ ...valid, bogus: 1 }), param: "bogus", kind: "BadBody" });
        for (const [n] of fields) out.push({ what: `${r.method} ${r.path} {${n}: true}`, method: r.method, path, body: JSON.stringify({ ...valid, [n]: true }), param: n, kind: "BadBody" });
      }
    }
  }
  out.push({ what: "POST /v1/commands {words: 5}", method: "POST", path: "/v1/commands", body: '{"words": 5}', param: "words", kind: "BadBody" });
  return out;
}

test("a malformed body or query on every route is a 400 naming the field, and changes nothing", async () => {
  const before = (await call("GET", "/v1/vms")).body as VmInfo[];
  const cases = malformed();
  assert.ok(cases.length >= COMMANDS.length * 2, `${cases.length} cases`);
  for (const m of cases) {
    const r = m.socket ? await connect(m.path) : await call(m.method, m.path, m.body);
    assert.ok(!(r instanceof WebSocket), m.what);
    assert.equal(r.status, 400, `${m.what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.kind, m.kind, m.what);
    assert.equal(r.body.param, m.param, m.what);
    assert.match(r.body.error, new RegExp(`'${m.param}'|${m.param}`), m.what);
  }
  assert.deepEqual(((await call("GET", "/v1/vms")).body as VmInfo[]).map((v) => [v.name, v.state, v.throttle, v.devices]), before.map((v) => [v.name, v.state, v.throttle, v.devices]));
});

test("the shell and the API give the same error for the same bad parameter", async () => {
  const shell = async (words: string[]) => {
    try { await runWords(sup, words); } catch (e) { return errorReply(e)!; }
    assert.fail(`${words.join(" ")}: no error`);
  };
  const same: [string[], string, string, string?][] = [
    [["throttle", "spin", "fast"], "PUT", "/v1/vms/spin/throttle", '{"cap": "fast"}'],
    [["throttle", "spin", "-5"], "POST", "/v1/vms/spin/throttle", '{"cap": -5}'],
    [["shutdown", "idle", "soon"], "POST", "/v1/vms/idle/shutdown?timeout=soon"],
    [["shutdown", "idle", "soon"], "POST", "/v1/vms/idle/shutdown", '{"timeout": "soon"}'],
    [["log", "-n", "many"], "GET", "/v1/log?n=many"],
    [["log", "spin", "bogus"], "GET", "/v1/log?vm=spin&kind=bogus"],
    [["log", "-n", "-1"], "GET", "/v1/log?n=-1"],
  ];
  for (const [words, method, path, body] of same) {
    const s = await shell(words);
    const a = await call(method, path, body);
    assert.equal(a.status, s.status, `${words.join(" ")}: ${JSON.stringify(a.body)}`);
    assert.deepEqual(a.body, s.body, words.join(" "));
  }
  assert.equal((await shell(["throttle", "spin", "fast"])).body["param"], "cap");
});
