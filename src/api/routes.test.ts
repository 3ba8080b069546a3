import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { COMMANDS } from "../rootos/commands/index.js";
import { ApiError } from "./errors.js";
import { matchRoute, ROUTES } from "./routes.js";

const kindOf = (f: () => unknown): unknown => {
  try { f(); } catch (e) { assert.ok(e instanceof ApiError, String(e)); return e.info; }
  assert.fail("no error");
};

test("paths match by shape, VM names are decoded; the wrong method, a missing upgrade and unknown paths are errors", () => {
  const m = matchRoute("POST", "/v1/vms/linux%201/pause", false);
  assert.equal(m.route.kind === "http" && m.route.path, "/v1/vms/{vm}/pause");
  assert.deepEqual(m.params, { vm: "linux 1" });
  assert.equal(matchRoute("GET", "/v1/vms/a/console", true).route.kind, "socket");
  assert.deepEqual(kindOf(() => matchRoute("DELETE", "/v1/vms/a/throttle", false)),
    { kind: "MethodNotAllowed", method: "DELETE", path: "/v1/vms/a/throttle", allowed: ["PUT", "POST"] });
  assert.deepEqual(kindOf(() => matchRoute("GET", "/v1/events", false)), { kind: "UpgradeRequired", path: "/v1/events" });
  assert.deepEqual(kindOf(() => matchRoute("GET", "/v1/vms", true)), { kind: "NoRoute", path: "/v1/vms (WebSocket)" });
  assert.deepEqual(kindOf(() => matchRoute("GET", "/v1/vms//stats", false)), { kind: "NoRoute", path: "/v1/vms//stats" });
  assert.deepEqual(kindOf(() => matchRoute("GET", "/v1/vms/%zz", false)), { kind: "NoRoute", path: "/v1/vms/%zz" });
  assert.deepEqual(kindOf(() => matchRoute("POST", "/v1/vms/a/frobnicate", false)), { kind: "NoRoute", path: "/v1/vms/a/frobnicate" });
});

/** docs/api.md's table of routes: each line's methods, path, parameters (with whether optional) and command. */
function documentedRoutes(): { methods: string[]; path: string; params: Map<string, boolean>; command: string }[] {
  const text = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");
  const table = text.slice(text.indexOf("| method | path | parameters | what | command |"));
  const lines = table.split("\n").slice(2);
  return lines.slice(0, lines.findIndex((l) => !l.startsWith("|"))).map((line) => {
    const cols = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
    const params = new Map<string, boolean>();
    for (const segment of cols[2]!.split("; ").filter(Boolean)) {
      const m = /^`(\w+)`/.exec(segment);
      assert.ok(m, `a parameter is written \`name\` first: ${segment}`);
      params.set(m[1]!, segment.includes("(optional)"));
    }
    return { methods: cols[0]!.split(", "), path: /`([^`]+)`/.exec(cols[1]!)![1]!, params, command: /^`([^\s`]+)/.exec(cols[4]!)?.[1] ?? "" };
  });
}

test("docs/api.md and the route table agree: every route documented, every documented route exists, with the row's parameters", () => {
  const docs = documentedRoutes();
  const key = (method: string, path: string) => `${method} ${path}`;
  const documented = docs.flatMap((d) => d.methods.map((m) => key(m, d.path)));
  const served = ROUTES.map((r) => key(r.kind === "socket" ? "WebSocket" : r.method, r.path));
  assert.deepEqual([...documented].sort(), [...served].sort());
  for (const c of COMMANDS) {
    for (const r of c.routes) {
      const d = docs.find((x) => x.path === r.path && x.methods.includes(r.method));
      assert.ok(d, `${r.method} ${r.path}`);
      assert.equal(d.command, c.name, `${r.path} is documented as the ${c.name} command`);
      const taken = Object.entries(c.params).filter(([n, p]) => p.source !== "stream" && !r.path.includes(`{${n}}`));
      assert.deepEqual([...d.params.entries()], taken.map(([n, p]) => [n, p.optional]), `${r.method} ${r.path}: its parameters, and which are optional`);
    }
  }
  assert.ok(COMMANDS.every((c) => c.routes.length > 0), "every command has a route");
});
