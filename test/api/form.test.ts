// multipart/form-data bodies (src/api/form.ts), as curl -F and `bulkhead ctl create …
// kernel=@FILE` send them: only POST /v1/vms takes one; each malformed form is a 400 that
// says what is wrong, before the command runs (the create's own successes and refusals
// are test/rootos/workstation.test.ts, against a running `bulkhead up`).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startApi, type ApiServer } from "../../src/api/index.js";
import { Supervisor } from "../../src/rootos/supervisor/supervisor.js";
import { testSystemPlan, testVmPlan } from "../../src/rootos/supervisor/testing.js";

let sup: Supervisor;
let api: ApiServer;
before(async () => {
  sup = new Supervisor(testSystemPlan([testVmPlan("spin", { autostart: false })]), { eventLog: null });
  api = await startApi(sup, { port: 0 });
});
after(async () => {
  await api?.close();
  await sup?.close();
});

async function post(path: string, body: FormData | string, contentType?: string): Promise<{ status: number; error: string }> {
  const res = await fetch(`http://${api.address}${path}`, { method: "POST", body, ...(contentType ? { headers: { "Content-Type": contentType } } : {}) });
  return { status: res.status, error: ((await res.json()) as { error: string }).error };
}

const form = (parts: [string, string | Blob][]): FormData => {
  const f = new FormData();
  for (const [name, v] of parts) f.append(name, v);
  return f;
};
const file = new Blob([new Uint8Array(16)]);
const JSON_SPEC = JSON.stringify({ name: "dev", spec: { cores: 1, memory: "16M", kernel: "@k" } });

test("a form where the route takes JSON or bytes, a body that is no form, a form without its JSON: 400, saying so", async () => {
  assert.deepEqual(await post("/v1/vms/spin/start", form([["json", "{}"]])), { status: 400, error: "bad request body: /v1/vms/{vm}/start takes JSON, not multipart/form-data" });
  assert.deepEqual(await post("/v1/vms/spin/upgrade", form([["json", "{}"]])), { status: 400, error: "bad request body: /v1/vms/{vm}/upgrade takes the bytes themselves (application/octet-stream), not multipart/form-data" });
  const broken = await post("/v1/vms", "--x\r\nnot a part", "multipart/form-data; boundary=x");
  assert.equal(broken.status, 400);
  assert.match(broken.error, /^bad request body: not a multipart\/form-data body/);
  assert.deepEqual(await post("/v1/vms", form([["k", file]])), { status: 400, error: "bad request body: no part 'json' with the request's JSON (curl -F 'json={...}' -F k=@FILE)" });
});

test("the JSON part: not JSON, twice, or not the route's body; file parts: a text part, one sent twice, one no field names, a name with no part", async () => {
  assert.match((await post("/v1/vms", form([["json", "{nope"]]))).error, /^bad request body: the part 'json' is not JSON: /);
  assert.equal((await post("/v1/vms", form([["json", JSON_SPEC], ["json", JSON_SPEC], ["k", file]]))).error, "bad request body: the part 'json' is sent twice");
  assert.equal((await post("/v1/vms", form([["json", JSON.stringify({ name: "dev" })], ["k", file]]))).error.startsWith("bad request body: 'spec' is missing"), true);
  assert.equal((await post("/v1/vms", form([["json", JSON_SPEC], ["k", "text"]]))).error, "bad request body: the part 'k' is not a file (send it as one: curl -F k=@FILE)");
  assert.equal((await post("/v1/vms", form([["json", JSON_SPEC], ["k", file], ["k", file]]))).error, "bad request body: the file part 'k' is sent twice");
  assert.deepEqual(await post("/v1/vms", form([["json", JSON_SPEC], ["k", file], ["x", file]])), { status: 400, error: "bad request body: the file part 'x' is named by no field (name it \"@x\")" });
  const unnamed = await post("/v1/vms", form([["json", JSON_SPEC]]));
  assert.deepEqual(unnamed, { status: 400, error: "create: @k: no file part 'k' was sent with the request (parts: none)" });
  assert.deepEqual(sup.names(), ["spin"], "nothing was created");
});
