import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "./errors.js";
import { matchRoute } from "./routes.js";

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
