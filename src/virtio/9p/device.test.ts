import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { LocalShare } from "../../share/local.js";
import { VirtioError } from "../errors.js";
import { MAX_MSIZE } from "./device.js";
import { Encoder, ERRNO, P9, P9_NOFID, QTDIR, QTSYMLINK } from "./protocol.js";
import { P9TestClient } from "./testing.js";

const SECRET = "TOP SECRET: outside the share";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulkhead-9p-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/**
 * A fresh tree: tmp/N/outside/{secret, inner} (never to be reached) and tmp/N/share with
 * a file, a directory, symlinks pointing outside (absolute and relative), and a FIFO.
 */
function fixture(opts: { readOnly?: boolean } = {}) {
  const base = path.join(tmp, String(n++)), share = path.join(base, "share"), outside = path.join(base, "outside");
  fs.mkdirSync(path.join(share, "sub"), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret"), SECRET);
  fs.writeFileSync(path.join(outside, "inner"), SECRET);
  fs.writeFileSync(path.join(share, "hello"), "hello world\n");
  fs.writeFileSync(path.join(share, "sub", "inner"), "inside\n");
  fs.symlinkSync(outside, path.join(share, "out-dir"));
  fs.symlinkSync(path.join(outside, "secret"), path.join(share, "out-file"));
  fs.symlinkSync("../outside/secret", path.join(share, "rel"));
  execFileSync("mkfifo", [path.join(share, "fifo")]);
  const backend = LocalShare.open(share);
  const c = new P9TestClient(backend, opts);
  c.mount();
  const outsideBefore = snapshot(outside);
  return {
    c, share, outside, backend,
    /** Nothing outside the share was read into the guest, or changed. */
    checkOutside(): void {
      assert.deepEqual(snapshot(outside), outsideBefore, "the directory outside the share is unchanged");
      assert.ok(!Buffer.from(c.ram.bytes).includes(Buffer.from(SECRET)), "no byte of an outside file reached guest RAM");
    },
  };
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => {
    const st = fs.lstatSync(path.join(dir, f));
    return [f, `${st.mode} ${st.size} ${st.mtimeMs} ${fs.readFileSync(path.join(dir, f), "latin1")}`];
  }));
}

const RDONLY = 0, WRONLY = 1, RDWR = 2, TRUNC = 0o1000, APPEND = 0o2000;

describe("virtio-9p", () => {
  test("config space holds the mount tag; the MOUNT_TAG feature is offered; a bad tag is our bug", () => {
    const { c } = fixture();
    const cfg = c.dev.config();
    assert.equal(new DataView(cfg.buffer).getUint16(0, true), 4);
    assert.equal(Buffer.from(cfg.subarray(2)).toString(), "host");
    assert.equal(c.dev.features() & 1n, 1n);
    assert.equal(c.dev.type, 9);
    assert.throws(() => new P9TestClient(LocalShare.open(tmp), { tag: "a b" }), RangeError);
  });

  test("Tversion negotiates msize and the version; nothing is served before it", () => {
    const c = new P9TestClient(LocalShare.open(tmp));
    assert.equal(c.errno(P9.Tattach, (e) => e.u32(0).u32(P9_NOFID).str("").str("").u32(0)), ERRNO.EPROTO);
    let d = c.ok(P9.Tversion, (e) => e.u32(1 << 30).str("9P2000.L"));
    assert.equal(d.u32("msize"), MAX_MSIZE);
    assert.equal(d.str("version"), "9P2000.L");
    d = c.ok(P9.Tversion, (e) => e.u32(8192).str("9P2000.u"));
    assert.equal(d.u32("msize"), 8192);
    assert.equal(d.str("version"), "unknown");
    assert.equal(c.errno(P9.Tversion, (e) => e.u32(512).str("9P2000.L")), ERRNO.EINVAL, "an msize below 4096 is refused");
  });

  test("attach, walk, getattr, lopen, read: file bytes land straight in the guest's pages", () => {
    const { c, share } = fixture();
    const big = Buffer.alloc(100_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    fs.writeFileSync(path.join(share, "big"), big);
    const [q] = c.walk(0, 1, ["big"]);
    assert.equal(q!.type, 0);
    assert.equal(c.getattr(1).size, 100_000n);
    c.lopen(1, RDONLY);
    const got = Buffer.concat([c.read(1, 0, 60_000), c.read(1, 60_000, 60_000)]);
    assert.ok(got.equals(big));
    assert.equal(c.read(1, 100_000, 4096).length, 0, "at the end: 0 bytes");
    const [dirQ] = c.walk(0, 2, ["sub"]);
    assert.equal(dirQ!.type, QTDIR);
    c.lopen(2, RDONLY);
    assert.throws(() => c.read(2, 0, 10), /E21/, "a directory is read with Treaddir (EISDIR)");
  });

  test("a read's count is clamped to msize and to the guest's buffers", () => {
    const { c, share } = fixture();
    fs.writeFileSync(path.join(share, "big"), Buffer.alloc(200_000, 1));
    c.walk(0, 1, ["big"]);
    c.lopen(1, RDONLY);
    assert.equal(c.read(1, 0, 100_000).length, 65536 - 11, "msize 65536");
    const r = c.rpc(P9.Tread, (e) => e.u32(1).u64(0).u32(60_000), 11, [1000]);
    assert.equal(r.d.u32("count"), 1000, "only as much as the writable buffers hold");
  });

  test("'..' at the root stays at the root; '..' below it goes up one", () => {
    const { c, checkOutside } = fixture();
    const root = c.getattr(0).qid;
    const qs = c.walk(0, 1, ["..", "..", ".."]);
    assert.deepEqual(qs.map((q) => q.path), [root.path, root.path, root.path]);
    assert.deepEqual(c.getattr(1).qid, root);
    const [, up] = c.walk(0, 2, ["sub", ".."]);
    assert.equal(up!.path, root.path);
    const hello = c.walk(0, 3, ["..", "..", "hello"]);
    assert.equal(hello.length, 3);
    c.lopen(3, RDONLY);
    assert.equal(Buffer.from(c.read(3, 0, 100)).toString(), "hello world\n");
    checkOutside();
  });

  test("symlinks are served as links: never walked through, never opened, read with Treadlink", () => {
    const { c, outside, checkOutside } = fixture();
    for (const link of ["out-dir", "out-file", "rel"]) {
      const [q] = c.walk(0, 1, [link]);
      assert.equal(q!.type, QTSYMLINK, `${link} is a symlink`);
      assert.equal(c.getattr(1).mode & 0o170000, 0o120000, "getattr describes the link, not its target");
      assert.throws(() => c.lopen(1, RDONLY), /E40/, `${link}: opening a symlink fails (ELOOP)`);
      c.clunk(1);
    }
    c.walk(0, 1, ["out-dir"]);
    assert.equal(c.ok(P9.Treadlink, (e) => e.u32(1)).str("target"), outside, "the guest gets the link's text to resolve in its own namespace");
    // Through the link: the first name walks, the second is refused; newfid is not made.
    const r = c.rpc(P9.Twalk, (e) => e.u32(0).u32(2).u16(2).str("out-dir").str("secret"));
    assert.equal(r.type, P9.Rwalk);
    assert.equal(r.d.u16("nwqid"), 1);
    assert.equal(c.errno(P9.Tgetattr, (e) => e.u32(2).u64(0x7ff)), ERRNO.EBADF, "a partial walk makes no fid");
    assert.equal(c.errno(P9.Twalk, (e) => e.u32(1).u32(3).u16(1).str("secret")), ERRNO.ENOTDIR, "a walk from a symlink fid");
    // Creating under a symlinked directory reaches nothing outside either.
    assert.equal(c.errno(P9.Tlcreate, (e) => e.u32(1).str("new").u32(RDWR).u32(0o644).u32(0)), ERRNO.ENOTDIR);
    assert.equal(c.errno(P9.Tmkdir, (e) => e.u32(1).str("new").u32(0o755).u32(0)), ERRNO.ENOTDIR);
    checkOutside();
  });

  test("names with '/' or NUL, '.' and '..' where a name is made, and walks of 17 names are refused", () => {
    const { c, share, checkOutside } = fixture();
    assert.equal(c.errno(P9.Twalk, (e) => e.u32(0).u32(1).u16(1).str("sub/inner")), ERRNO.EINVAL);
    assert.equal(c.errno(P9.Twalk, (e) => e.u32(0).u32(1).u16(1).str("out-dir/secret")), ERRNO.EINVAL);
    assert.equal(c.errno(P9.Twalk, (e) => e.u32(0).u32(1).u16(1).str("hello\0")), ERRNO.EINVAL);
    assert.equal(c.errno(P9.Twalk, (e) => e.u32(0).u32(1).u16(1).str("")), ERRNO.EINVAL);
    assert.equal(c.errno(P9.Twalk, (e) => { e.u32(0).u32(1).u16(17); for (let i = 0; i < 17; i++) e.str("sub"); }), ERRNO.EINVAL);
    for (const bad of [".", "..", "a/b", "../escape", "x\0y", ""]) {
      assert.equal(c.errno(P9.Tmkdir, (e) => e.u32(0).str(bad).u32(0o755).u32(0)), ERRNO.EINVAL, `mkdir '${bad}'`);
      assert.equal(c.errno(P9.Tsymlink, (e) => e.u32(0).str(bad).str("x").u32(0)), ERRNO.EINVAL, `symlink '${bad}'`);
      assert.equal(c.errno(P9.Tunlinkat, (e) => e.u32(0).str(bad).u32(0)), ERRNO.EINVAL, `unlink '${bad}'`);
      assert.equal(c.errno(P9.Trenameat, (e) => e.u32(0).str("hello").u32(0).str(bad)), ERRNO.EINVAL, `rename to '${bad}'`);
    }
    c.walk(0, 1, []);
    assert.equal(c.errno(P9.Tlcreate, (e) => e.u32(1).str("../escape").u32(RDWR).u32(0o644).u32(0)), ERRNO.EINVAL);
    assert.equal(c.errno(P9.Tsymlink, (e) => e.u32(0).str("nul-target").str("a\0b").u32(0)), ERRNO.EINVAL);
    assert.deepEqual(fs.readdirSync(share).sort(), ["fifo", "hello", "out-dir", "out-file", "rel", "sub"]);
    assert.ok(!fs.existsSync(path.join(share, "..", "escape")));
    checkOutside();
  });

  test("no device file, FIFO or socket is created or opened", () => {
    const { c } = fixture();
    c.walk(0, 1, ["fifo"]);
    assert.equal(c.errno(P9.Tlopen, (e) => e.u32(1).u32(RDONLY)), ERRNO.ENXIO, "opening a FIFO is refused (without blocking)");
    assert.equal(c.errno(P9.Tmknod, (e) => e.u32(0).str("dev").u32(0o20644).u32(1).u32(3).u32(0)), ERRNO.EPERM);
    assert.equal(c.errno(P9.Tmknod, (e) => e.u32(0).str("pipe").u32(0o10644).u32(0).u32(0).u32(0)), ERRNO.EPERM);
  });

  test("writes the host then sees: create, write, append, truncate, chmod, utimes, mkdir, symlink, link, rename, unlink", () => {
    const { c, share, checkOutside } = fixture();
    c.walk(0, 1, []);
    c.ok(P9.Tlcreate, (e) => e.u32(1).str("new").u32(RDWR).u32(0o6755).u32(1234));
    assert.equal(c.write(1, 0, Buffer.from("x".repeat(10_000))), 10_000);
    assert.equal(fs.readFileSync(path.join(share, "new"), "utf8"), "x".repeat(10_000));
    assert.equal(fs.statSync(path.join(share, "new")).mode & 0o7000, 0, "no set-id bits reach the host");
    c.walk(0, 2, ["hello"]);
    c.lopen(2, WRONLY | APPEND);
    c.write(2, 0, Buffer.from("more\n"));
    assert.equal(fs.readFileSync(path.join(share, "hello"), "utf8"), "hello world\nmore\n", "O_APPEND appends");
    c.walk(0, 3, ["hello"]);
    c.ok(P9.Tsetattr, (e) => e.u32(3).u32(0x1 | 0x8 | 0x10 | 0x20 | 0x80 | 0x100).u32(0o600).u32(0).u32(0).u64(5).u64(1_000_000).u64(0).u64(2_000_000).u64(500_000_000));
    const st = fs.statSync(path.join(share, "hello"));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.size, 5);
    assert.equal(st.mtimeMs, 2_000_000_500);
    assert.equal(fs.readFileSync(path.join(share, "hello"), "utf8"), "hello");
    c.lopen(3, WRONLY | TRUNC);
    assert.equal(fs.statSync(path.join(share, "hello")).size, 0, "O_TRUNC");
    c.ok(P9.Tmkdir, (e) => e.u32(0).str("d").u32(0o755).u32(0));
    c.ok(P9.Tsymlink, (e) => e.u32(0).str("ln").str("d/target").u32(0));
    c.ok(P9.Tlink, (e) => e.u32(0).u32(1).str("new-link"));
    assert.equal(fs.readlinkSync(path.join(share, "ln")), "d/target");
    assert.equal(fs.statSync(path.join(share, "new-link")).ino, fs.statSync(path.join(share, "new")).ino);
    c.ok(P9.Trenameat, (e) => e.u32(0).str("new").u32(0).str("renamed"));
    assert.ok(fs.existsSync(path.join(share, "renamed")) && !fs.existsSync(path.join(share, "new")));
    c.ok(P9.Tunlinkat, (e) => e.u32(0).str("renamed").u32(0));
    c.ok(P9.Tunlinkat, (e) => e.u32(0).str("d").u32(0x200));
    assert.ok(!fs.existsSync(path.join(share, "renamed")) && !fs.existsSync(path.join(share, "d")));
    assert.equal(c.write(1, 10_000, Buffer.from("!")), 1, "an unlinked file stays writable through its open fid");
    c.ok(P9.Tfsync, (e) => e.u32(1).u32(0));
    c.walk(0, 4, ["sub", "inner"]);
    c.ok(P9.Tremove, (e) => e.u32(4));
    assert.ok(!fs.existsSync(path.join(share, "sub", "inner")));
    assert.equal(c.errno(P9.Tclunk, (e) => e.u32(4)), ERRNO.EBADF, "Tremove clunked the fid");
    checkOutside();
  });

  test("a rename moves the fids under it; the root cannot be renamed or removed", () => {
    const { c, share } = fixture();
    c.walk(0, 1, ["sub", "inner"]);
    c.walk(0, 2, ["sub"]);
    c.ok(P9.Trenameat, (e) => e.u32(0).str("sub").u32(0).str("moved"));
    assert.equal(c.getattr(1).size, 7n, "the fid follows the rename");
    c.ok(P9.Trename, (e) => e.u32(2).u32(0).str("again"));
    c.lopen(1, RDONLY);
    assert.equal(Buffer.from(c.read(1, 0, 100)).toString(), "inside\n");
    assert.ok(fs.existsSync(path.join(share, "again", "inner")));
    assert.equal(c.errno(P9.Trename, (e) => e.u32(0).u32(0).str("x")), ERRNO.EBUSY);
    c.walk(0, 3, []);
    assert.equal(c.errno(P9.Tremove, (e) => e.u32(3)), ERRNO.EBUSY);
  });

  test("a fid's path raced by the host: a directory swapped for a symlink to outside reaches nothing", () => {
    const { c, share, checkOutside, outside } = fixture();
    c.walk(0, 1, ["sub", "inner"]);
    c.walk(0, 2, ["sub"]);
    fs.renameSync(path.join(share, "sub"), path.join(share, "sub.old"));
    fs.symlinkSync(outside, path.join(share, "sub"));
    assert.equal(c.errno(P9.Tgetattr, (e) => e.u32(1).u64(0x7ff)), ERRNO.ENOTDIR);
    assert.equal(c.errno(P9.Tlopen, (e) => e.u32(1).u32(RDONLY)), ERRNO.ENOTDIR);
    assert.equal(c.errno(P9.Tunlinkat, (e) => e.u32(2).str("inner").u32(0)), ERRNO.ENOTDIR);
    assert.equal(c.errno(P9.Tlcreate, (e) => e.u32(2).str("dropped").u32(RDWR).u32(0o644).u32(0)), ERRNO.ENOTDIR);
    assert.equal(c.errno(P9.Tsetattr, (e) => e.u32(1).u32(1).u32(0o777).u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0)), ERRNO.ENOTDIR);
    assert.equal(c.errno(P9.Trenameat, (e) => e.u32(2).str("inner").u32(0).str("stolen")), ERRNO.ENOTDIR);
    checkOutside();
  });

  test("a host racing a symlink in and out of a path while the guest reads through it: no outside byte", async () => {
    const { c, share, outside, checkOutside } = fixture();
    // The racer swaps sub for a symlink to the outside directory (which has an inner too) and back, without end.
    const racer = spawn("sh", ["-c", `cd '${share}' && while :; do mv sub sub.x; ln -s '${outside}' sub; rm sub; mv sub.x sub; done`], { stdio: "ignore" });
    const seen = new Map<string, number>();
    try {
      const until = Date.now() + 1500;
      for (let fid = 1; Date.now() < until; fid++) {
        let got = "refused";
        try {
          c.walk(0, fid, ["sub", "inner"]);
          c.lopen(fid, RDONLY);
          got = Buffer.from(c.read(fid, 0, 100)).toString();
          c.clunk(fid);
        } catch { /* the walk or the open met the symlink, or nothing, and was refused */ }
        seen.set(got, (seen.get(got) ?? 0) + 1);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      racer.kill();
    }
    assert.ok(!seen.has(SECRET), `the outside file was read: ${JSON.stringify([...seen])}`);
    assert.ok((seen.get("inside\n") ?? 0) > 0, `the share's own file was read between the swaps: ${JSON.stringify([...seen])}`);
    checkOutside();
  });

  test("read-only: every kind of write is EROFS and the host tree is unchanged", () => {
    const { c, share, checkOutside } = fixture({ readOnly: true });
    const before = fs.readdirSync(share).sort();
    c.walk(0, 1, []);
    c.walk(0, 2, ["hello"]);
    const attempts: Array<[string, P9, (e: Encoder) => void]> = [
      ["lcreate", P9.Tlcreate, (e) => e.u32(1).str("new").u32(RDWR).u32(0o644).u32(0)],
      ["lopen for writing", P9.Tlopen, (e) => e.u32(2).u32(WRONLY)],
      ["lopen read-write", P9.Tlopen, (e) => e.u32(2).u32(RDWR)],
      ["lopen with O_TRUNC", P9.Tlopen, (e) => e.u32(2).u32(RDONLY | TRUNC)],
      ["setattr", P9.Tsetattr, (e) => e.u32(2).u32(1).u32(0o777).u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0)],
      ["truncate", P9.Tsetattr, (e) => e.u32(2).u32(8).u32(0).u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0)],
      ["mkdir", P9.Tmkdir, (e) => e.u32(0).str("d").u32(0o755).u32(0)],
      ["symlink", P9.Tsymlink, (e) => e.u32(0).str("l").str("hello").u32(0)],
      ["link", P9.Tlink, (e) => e.u32(0).u32(2).str("l")],
      ["mknod", P9.Tmknod, (e) => e.u32(0).str("p").u32(0o10644).u32(0).u32(0).u32(0)],
      ["rename", P9.Trename, (e) => e.u32(2).u32(0).str("x")],
      ["renameat", P9.Trenameat, (e) => e.u32(0).str("hello").u32(0).str("x")],
      ["unlinkat", P9.Tunlinkat, (e) => e.u32(0).str("hello").u32(0)],
      ["rmdir", P9.Tunlinkat, (e) => e.u32(0).str("sub").u32(0x200)],
      ["xattrcreate", P9.Txattrcreate, (e) => e.u32(2).str("user.x").u64(1).u32(0)],
    ];
    for (const [what, type, body] of attempts) assert.equal(c.errno(type, body), ERRNO.EROFS, what);
    c.lopen(2, RDONLY);
    const w = new Encoder(P9.Twrite, 9).u32(2).u64(0).u32(1).u8(0x41).finish();
    const r = c.raw(w);
    assert.equal(r.type, P9.Rlerror);
    assert.equal(r.d.u32("ecode"), ERRNO.EROFS, "write");
    c.walk(0, 3, ["sub"]);
    assert.equal(c.errno(P9.Tremove, (e) => e.u32(3)), ERRNO.EROFS, "remove");
    assert.deepEqual(fs.readdirSync(share).sort(), before);
    assert.equal(fs.readFileSync(path.join(share, "hello"), "utf8"), "hello world\n");
    assert.equal(Buffer.from(c.read(2, 0, 100)).toString(), "hello world\n", "reading still works");
    checkOutside();
  });

  test("Treaddir: '.', '..', every entry with its type, across replies; symlinks listed as links", () => {
    const { c, share } = fixture();
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(share, "sub", `file-${i}`), "");
    c.walk(0, 1, []);
    c.lopen(1, RDONLY);
    const top = c.readdir(1);
    const byName = new Map(top.map((e) => [e.name, e]));
    assert.deepEqual([...byName.keys()].sort(), [".", "..", "fifo", "hello", "out-dir", "out-file", "rel", "sub"]);
    assert.equal(byName.get("sub")!.type, 4);
    assert.equal(byName.get("hello")!.type, 8);
    assert.equal(byName.get("out-dir")!.type, 10, "DT_LNK");
    assert.equal(byName.get("..")!.qid.path, byName.get(".")!.qid.path, "'..' of the root is the root");
    c.walk(0, 2, ["sub"]);
    c.lopen(2, RDONLY);
    const sub = c.readdir(2, 512);
    assert.equal(sub.length, 2 + 201, "all entries, in many small replies");
    assert.equal(new Set(sub.map((e) => e.name)).size, sub.length, "no entry twice");
  });

  test("statfs, getattr, fsync, lock, getlock, flush, xattrs", () => {
    const { c } = fixture();
    const s = c.ok(P9.Tstatfs, (e) => e.u32(0));
    s.u32("type");
    assert.ok(s.u32("bsize") > 0);
    assert.ok(s.u64("blocks") > 0n);
    c.walk(0, 1, ["hello"]);
    assert.equal(c.getattr(1).size, 12n);
    assert.equal(c.errno(P9.Tfsync, (e) => e.u32(1).u32(0)), ERRNO.EBADF, "fsync of a fid that is not open");
    c.lopen(1, RDONLY);
    c.ok(P9.Tfsync, (e) => e.u32(1).u32(1));
    assert.equal(c.ok(P9.Tlock, (e) => e.u32(1).u8(1).u32(0).u64(0).u64(0).u32(42).str("guest")).u8("status"), 0);
    assert.equal(c.ok(P9.Tgetlock, (e) => e.u32(1).u8(1).u64(0).u64(0).u32(42).str("guest")).u8("type"), 2);
    c.ok(P9.Tflush, (e) => e.u16(7));
    assert.equal(c.errno(P9.Txattrwalk, (e) => e.u32(0).u32(5).str("security.selinux")), ERRNO.ENODATA);
    assert.equal(c.ok(P9.Txattrwalk, (e) => e.u32(0).u32(5).str("")).u64("size"), 0n, "the attribute list is empty");
    assert.equal(c.read(5, 0, 100).length, 0);
    c.clunk(5);
  });

  test("malformed messages get Rlerror, and the device keeps serving", () => {
    const { c, checkOutside } = fixture();
    const lie = new Encoder(P9.Tgetattr, 3).u32(0).u64(0x7ff).finish();
    new DataView(lie.buffer, lie.byteOffset).setUint32(0, 5000, true);
    let r = c.raw(lie);
    assert.equal(r.type, P9.Rlerror, "a size past the chain");
    assert.equal(r.tag, 3);
    assert.equal(r.d.u32("ecode"), ERRNO.EINVAL);
    new DataView(lie.buffer, lie.byteOffset).setUint32(0, 3, true);
    assert.equal(c.raw(lie).d.u32("ecode"), ERRNO.EINVAL, "a size below the header");
    const past = new Encoder(P9.Twalk, 4).u32(0).u32(1).u16(1).u16(200).finish(); // a string longer than the message
    assert.equal(c.raw(past).d.u32("ecode"), ERRNO.EINVAL);
    const short = new Encoder(P9.Tgetattr, 5).u32(0).finish(); // no request_mask
    assert.equal(c.raw(short).d.u32("ecode"), ERRNO.EINVAL);
    const badUtf8 = new Encoder(P9.Twalk, 6).u32(0).u32(1).u16(1).bytes(Uint8Array.of(0xff, 0xfe)).finish();
    assert.equal(c.raw(badUtf8).d.u32("ecode"), ERRNO.EINVAL);
    assert.equal(c.errno(P9.Tgetattr, (e) => e.u32(99).u64(0x7ff)), ERRNO.EBADF, "an unknown fid");
    assert.equal(c.errno(P9.Tattach, (e) => e.u32(0).u32(P9_NOFID).str("").str("").u32(0)), ERRNO.EINVAL, "a fid in use, attached again");
    c.walk(0, 1, ["hello"]);
    assert.equal(c.errno(P9.Twalk, (e) => e.u32(0).u32(1).u16(0)), ERRNO.EINVAL, "a walk onto a fid in use");
    c.lopen(1, RDONLY);
    assert.equal(c.errno(P9.Tlopen, (e) => e.u32(1).u32(RDONLY)), ERRNO.EINVAL, "a fid opened twice");
    const w = new Encoder(P9.Twrite, 8).u32(1).u64(0).u32(1000).u8(1).finish(); // count says 1000, one byte follows
    assert.equal(c.raw(w).d.u32("ecode"), ERRNO.EINVAL);
    const ww = new Encoder(P9.Twrite, 8).u32(1).u64(0).u32(1).u8(1).finish();
    assert.equal(c.raw(ww).d.u32("ecode"), ERRNO.EBADF, "a write to a fid open read-only");
    assert.equal(c.errno(P9.Tread, (e) => e.u32(1).u64(2n ** 63n).u32(10)), ERRNO.EINVAL, "an absurd offset");
    assert.equal(c.errno(P9.Tsetattr, (e) => e.u32(1).u32(8).u32(0).u32(0).u32(0).u64(2n ** 63n).u64(0).u64(0).u64(0).u64(0)), ERRNO.EFBIG, "an absurd size");
    assert.equal(c.errno(P9.Tsetattr, (e) => e.u32(1).u32(0x20 | 0x100).u32(0).u32(0).u32(0).u64(0).u64(0).u64(0).u64(2n ** 63n).u64(0)), ERRNO.EINVAL, "an absurd time");
    assert.equal(c.errno(130 as P9, (e) => e.u32(0)), ERRNO.EOPNOTSUPP, "an unknown type");
    assert.equal(c.errno(P9.Tauth, (e) => e.u32(7).str("").str("").u32(0)), ERRNO.EOPNOTSUPP);
    assert.ok(c.dev.stats.malformed >= 6);
    assert.equal(Buffer.from(c.read(1, 0, 100)).toString(), "hello world\n", "still serving");
    checkOutside();
  });

  test("a reply too big for the guest's buffer is EMSGSIZE; a chain with no room for any reply needs a reset", () => {
    const { c } = fixture();
    c.walk(0, 1, ["hello"]);
    const r = c.rpc(P9.Tgetattr, (e) => e.u32(1).u64(0x7ff), 64);
    assert.equal(r.type, P9.Rlerror);
    assert.equal(r.d.u32("ecode"), ERRNO.EMSGSIZE);
    assert.throws(() => c.rpc(P9.Tclunk, (e) => e.u32(1), 8), (e) => e instanceof VirtioError && e.info.kind === "ShortChain");
    assert.throws(() => c.raw(Uint8Array.of(1, 2, 3)), (e) => e instanceof VirtioError && e.info.kind === "ShortChain", "no header");
  });

  test("reset and Tversion clunk every fid and close every open file", () => {
    const { c, backend } = fixture();
    let closed = 0;
    const close = backend.close.bind(backend);
    backend.close = (h) => { closed++; close(h); };
    c.walk(0, 1, ["hello"]);
    c.lopen(1, RDONLY);
    c.walk(0, 2, ["sub"]);
    c.lopen(2, RDONLY);
    c.ok(P9.Tversion, (e) => e.u32(8192).str("9P2000.L"));
    assert.equal(closed, 2);
    assert.equal(c.errno(P9.Tgetattr, (e) => e.u32(0).u64(0x7ff)), ERRNO.EBADF);
    c.ok(P9.Tattach, (e) => e.u32(0).u32(P9_NOFID).str("").str("").u32(0));
    c.walk(0, 1, ["hello"]);
    c.lopen(1, RDONLY);
    c.dev.reset();
    assert.equal(closed, 3);
  });
});
