// Layers only call downward (ARCHITECTURE.md): no module of src/ imports, through any
// chain of imports (type-only ones included), a module that imports it. Checked by madge
// on the TypeScript sources; the fixture shows the check finds a cycle when there is one.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../support/bulkhead.js";

interface MadgeResult { circular(): string[][]; obj(): Record<string, string[]> }
const madge = createRequire(import.meta.url)("madge") as (path: string, config: object) => Promise<MadgeResult>;

/** The import cycles among the .ts files under `dir`, as madge reports them. */
async function cycles(dir: string): Promise<{ circular: string[][]; files: number }> {
  const res = await madge(join(repoRoot, dir), {
    fileExtensions: ["ts"],
    detectiveOptions: { ts: { skipTypeImports: false } },
  });
  return { circular: res.circular(), files: Object.keys(res.obj()).length };
}

test("the check finds a cycle: the fixture's a.ts and b.ts import each other", async () => {
  const { circular } = await cycles("test/layers/fixtures/cycle");
  assert.deepEqual(circular, [["a.ts", "b.ts"]]);
});

test("no import cycle in src/", async () => {
  const { circular, files } = await cycles("src");
  assert.ok(files > 150, `madge read the sources (${files} files)`);
  assert.deepEqual(circular, [], `import cycles:\n${circular.map((c) => c.join(" > ")).join("\n")}`);
});
