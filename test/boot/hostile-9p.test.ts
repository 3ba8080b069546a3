// A guest is not trusted, and neither is its 9P: test/hostile/bin/hostile-9p.elf, a
// bare-metal client of the project's own, speaks raw 9P2000.L to a virtio-9p device
// (virtio-mmio) serving share/, beside which lies hello with outside content, and in
// which out-dir and out-file are host symlinks to the parent directory and that file.
// Walks through the symlinks, ".." at the root, names holding "/" or "..", opening a
// symlink, creating "../escape", 17-name walks, lying sizes, strings past the message,
// unknown and reused fids: each gets its Rlerror (or stops at the link), the share's own
// files are still served afterwards, and no byte of the outside file reaches the guest.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { describeRun, repoRoot, runBulkhead } from "../support/bulkhead.js";

const OUTSIDE = "OUTSIDE SECRET\n";
const INSIDE = "inside hello\n";
let scratch: string, share: string;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-hostile-9p-"));
  share = join(scratch, "share");
  mkdirSync(share);
  writeFileSync(join(scratch, "hello"), OUTSIDE);
  writeFileSync(join(share, "hello"), INSIDE);
  symlinkSync(scratch, join(share, "out-dir"));
  symlinkSync(join(scratch, "hello"), join(share, "out-file"));
});
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

const EINVAL = 22, EBADF = 9, ELOOP = 40, EPERM = 1;
const hex = (s: string): string => [...Buffer.from(s)].map((b) => b.toString(16).padStart(2, "0")).join(" ");

describe("a hostile 9P client", () => {
  it("cannot leave the share: every escape refused, the share still served, no outside byte read", { timeout: 60_000 }, async () => {
    const args = [
      "run", "--bios", "none", "--kernel", join(repoRoot, "test", "hostile", "bin", "hostile-9p.elf"), "--memory", "64M",
      "--timing", "virtual", "--virtfs", `local,path=${share},mount_tag=host,if=virtio-mmio`,
    ];
    const r = await runBulkhead(args, { timeoutMs: 50_000 });
    const why = describeRun(`bulkhead ${args.join(" ")}`, r);
    assert.equal(r.status, 0, why);
    const replies = new Map<string, { type: number; body: number[] }>();
    for (const l of r.stdout.split(/\r?\n/)) {
      const m = /^(\S+) R=([0-9a-f]{2})((?: [0-9a-f]{2})*)$/.exec(l);
      if (m) replies.set(m[1]!, { type: parseInt(m[2]!, 16), body: m[3]!.trim().split(" ").filter(Boolean).map((b) => parseInt(b, 16)) });
    }
    assert.ok(r.stdout.includes("hostile-9p: done"), why);
    const get = (step: string) => {
      const x = replies.get(step);
      assert.ok(x, `no reply line for ${step}\n${why}`);
      return x!;
    };
    const errno = (step: string, e: number) => {
      const x = get(step);
      assert.deepEqual([x.type, x.body[0]], [7, e], `${step}: Rlerror ${e}\n${why}`);
    };
    const u16 = (b: number[], at: number) => b[at]! | (b[at + 1]! << 8);

    assert.equal(get("version").type, 101);
    const root = get("attach");
    assert.equal(root.type, 105);
    assert.equal(root.body[0], 0x80, "the root is a directory");
    const link = get("walk-through-symlink");
    assert.deepEqual([link.type, u16(link.body, 0), link.body[2]], [111, 1, 0x02], "the walk stops at the link: one qid, a symlink's");
    errno("partial-walk-made-no-fid", EBADF);
    const up = get("dotdot-at-root");
    assert.equal(u16(up.body, 0), 3);
    assert.deepEqual(up.body.slice(2, 15), root.body.slice(0, 13), "'..' at the root is the root");
    assert.deepEqual(up.body.slice(15, 24), root.body.slice(0, 9), "and '..' again");
    assert.equal(get("open-after-dotdot").type, 13);
    const read = get("read-after-dotdot");
    assert.equal(read.type, 117);
    assert.equal(Buffer.from(read.body.slice(4)).toString(), INSIDE, "the share's own hello, not its parent's");
    errno("walk-name-with-slash", EINVAL);
    errno("walk-name-dotdot-slash", EINVAL);
    assert.equal(get("walk-to-file-link").body[2], 0x02);
    errno("open-file-link", ELOOP);
    const target = get("readlink-file-link");
    assert.equal(target.type, 23, "the link's own text is the guest's to resolve");
    assert.ok(join(scratch, "hello").startsWith(Buffer.from(target.body.slice(2)).toString()));
    errno("walk-17-names", EINVAL);
    assert.deepEqual([get("clone-root").type, u16(get("clone-root").body, 0)], [111, 0]);
    for (const s of ["create-dotdot-escape", "mkdir-with-slash", "symlink-dotdot", "rename-onto-dotdot", "unlink-dotdot"]) errno(s, EINVAL);
    errno("mknod-fifo", EPERM);
    errno("size-lies", EINVAL);
    errno("string-past-end", EINVAL);
    errno("unknown-fid", EBADF);
    errno("reuse-fid", EINVAL);
    assert.equal(Buffer.from(get("read-after-all").body.slice(4)).toString(), INSIDE, "still serving");

    assert.ok(!r.stdout.includes(hex(OUTSIDE.slice(0, 8))) && !r.stdout.includes("OUTSIDE"), `no byte of the outside file reached the guest\n${why}`);
    assert.equal(readFileSync(join(scratch, "hello"), "utf8"), OUTSIDE);
    assert.deepEqual(readdirSync(scratch).sort(), ["hello", "share"], "nothing created beside the share");
    assert.deepEqual(readdirSync(share).sort(), ["hello", "out-dir", "out-file"], "nothing created in it either");
    assert.match(r.stderr, /virtio-9p0: malformed 9P message \(type 24\): size 60000 is not within/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
  });
});
