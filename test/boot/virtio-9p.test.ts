// virtio-9p with Debian's own v9fs (9pnet_virtio and 9p modules from the default
// initramfs, loaded by its /init; the shares mounted by its bulkhead.share=). One boot,
// virtual timing, two shares: `host` (read-write, virtio-pci) and `ro` (readonly=on,
// virtio-mmio). The command is a script the host put in the share, run by
// bulkhead.run=/mnt/t.sh: it runs Debian's busybox-static copied into the share, a
// second script and a lock program built on the host (riscv64-linux-gnu-gcc, when
// installed), reads the busybox binary back whole (md5), writes, appends, renames,
// chmods, stats, links, truncates and removes files that the host then checks; an xattr
// is ENODATA; df, sync; every kind of write to `ro` fails with EROFS; a
// file the host changes while the guest waits is seen changed. Escapes: host symlinks to a
// directory and a file outside the share, and `..` from the mount's root: no byte of the
// outside file reaches the guest (its console output), and nothing outside changes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildInitramfs, DEFAULT_MODULES } from "../../src/images/initramfs.js";
import { describeRun, ensureImages, runBulkhead } from "../support/bulkhead.js";

const BOOT_TIMEOUT_MS = 240_000;
const SECRET = "OUTSIDE-SECRET-7f3a";

let scratch: string, share: string, ro: string, outside: string, kernel: string, initrd: string;

before(async () => {
  const images = await ensureImages();
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-9p-boot-"));
  share = join(scratch, "share");
  ro = join(scratch, "ro");
  outside = join(scratch, "outside");
  for (const d of [share, ro, outside]) mkdirSync(d);
  kernel = images.kernel;
  // This tree's default /init (with bulkhead.share=), built beside the test rather than
  // into the shared image cache.
  initrd = join(scratch, "initrd.gz");
  writeFileSync(initrd, buildInitramfs({ busybox: images.busybox, modulesDir: images.modulesDir, modules: DEFAULT_MODULES, gzip: true }));
  copyFileSync(images.busybox, join(share, "busybox"));
  writeFileSync(join(outside, "secret"), SECRET + "\n");
  symlinkSync(outside, join(share, "out-dir"));
  symlinkSync(join(outside, "secret"), join(share, "out-file"));
  symlinkSync("../outside/secret", join(share, "rel"));
  writeFileSync(join(share, "changing"), "before\n");
  writeFileSync(join(share, "tool.sh"), "#!/bin/sh\necho \"tool ran: $((6 * 7)) from $0\"\n", { mode: 0o755 });
  writeFileSync(join(ro, "keep"), "kept\n");
  writeFileSync(join(share, "t.sh"), GUEST_SCRIPT, { mode: 0o755 });
  // A program built on the host, as a developer's would be, run from the share: it takes a
  // flock and an fcntl lock on a shared file (busybox-static has no flock applet).
  const cc = spawnSync("riscv64-linux-gnu-gcc", ["-static", "-O2", "-o", join(share, "locker"), "-x", "c", "-"], { input: LOCKER_C });
  hostBuilt = cc.status === 0;
}, { timeout: 15 * 60_000 });

let hostBuilt = false;
const LOCKER_C = `#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDWR);
  struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  if (fd < 0 || flock(fd, LOCK_EX) || flock(fd, LOCK_UN) || fcntl(fd, F_SETLKW, &l)) { perror("locker"); return 1; }
  l.l_type = F_UNLCK;
  if (fcntl(fd, F_SETLK, &l)) { perror("locker: unlock"); return 1; }
  puts("locker: flock and fcntl locks taken and released");
  return 0;
}
`;

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

const GUEST_SCRIPT = `#!/bin/sh
cd /mnt
grep ' 9p ' /proc/mounts | while read -r tag dir fs opts rest; do echo "mount $tag $dir $fs"; done
/mnt/busybox echo "busybox from the share runs on $(/mnt/busybox uname -m)"
echo "md5 $(md5sum < /mnt/busybox)"
/mnt/tool.sh
sh /mnt/tool.sh
echo one > w.txt && echo two >> w.txt && mv w.txt renamed.txt && chmod 640 renamed.txt && echo written
ln -s renamed.txt sl && ln renamed.txt hl && [ "$(readlink sl)" = renamed.txt ] && cat sl && echo linked
mkdir -p d/e && echo x > d/e/f && rm d/e/f && rmdir d/e && mkdir gone && rmdir gone && echo dirs
printf 'abcdef' > trunc.txt && truncate -s 3 trunc.txt && echo "trunc $(cat trunc.txt)"
touch -d '2001-02-03 04:05:06' renamed.txt && echo "mtime $(date -r renamed.txt +%Y)"
echo "stat $(stat -c '%s %a %F' renamed.txt)"
getfattr -n user.note renamed.txt 2>&1 | sed 's/^/xattr: /'
[ -x /mnt/locker ] && /mnt/locker /mnt/renamed.txt
dd if=/dev/zero of=big bs=65536 count=16 2>/dev/null && echo "big $(wc -c < big)"
rm -f gone-file; echo bye > gone-file && rm gone-file && [ ! -e gone-file ] && echo removed
ls -la /mnt | grep -c . | sed 's/^/ls-lines /'
df -k /mnt | tail -1 | awk '{ print "df", ($2 > 0 ? "blocks" : "none") }'
sync && echo synced
ro() { if out=$(sh -c "$1" 2>&1); then echo "ro-allowed: $1"; else case "$out" in *"Read-only file system"*) echo "ro-refused: $1" ;; *) echo "ro-other: $1: $out" ;; esac; fi; }
ro 'echo x > /ro/new'
ro 'echo x >> /ro/keep'
ro 'mkdir /ro/d'
ro 'rm /ro/keep'
ro 'mv /ro/keep /ro/moved'
ro 'chmod 600 /ro/keep'
ro 'touch /ro/keep'
ro 'truncate -s 0 /ro/keep'
ro 'ln -s keep /ro/sl'
ro 'ln /ro/keep /ro/hl'
echo "ro-read $(cat /ro/keep)"
readlink /mnt/out-dir >/dev/null && echo "out-dir is a link"
cat /mnt/out-file 2>&1 | sed 's/^/escape-file: /'
ls /mnt/out-dir/ 2>&1 | sed 's/^/escape-dir: /'
cat /mnt/out-dir/secret 2>&1 | sed 's/^/escape-dir-file: /'
cat /mnt/rel 2>&1 | sed 's/^/escape-rel: /'
(cd /mnt/.. && pwd && ls) 2>&1 | tr '\\n' ' ' | sed 's/^/dotdot: /'; echo
echo please > /mnt/please-change
i=0; while [ "$(cat /mnt/changing)" != after ] && [ $i -lt 5000 ]; do i=$((i+1)); sleep 1; done
echo "host change seen: $(cat /mnt/changing)"
`;

describe("virtio-9p with Debian's v9fs", { timeout: BOOT_TIMEOUT_MS + 30_000 }, () => {
  it("one boot: run from the share, write what the host sees, read-only refuses, no escape", { timeout: BOOT_TIMEOUT_MS + 10_000 }, async (t) => {
    const outsideBefore = readFileSync(join(outside, "secret"), "utf8");
    // The host answers the guest's request to change a file while the guest waits for it.
    // Once, and whole (a new file renamed over the old): a rewrite every tick would let the
    // guest's second read fall between a truncation and its write.
    const watcher = setInterval(() => {
      if (!existsSync(join(share, "please-change"))) return;
      clearInterval(watcher);
      writeFileSync(join(scratch, "changing.new"), "after\n");
      renameSync(join(scratch, "changing.new"), join(share, "changing"));
    }, 20);
    const args = [
      "run", "--timing", "virtual", "--memory", "256M", "--kernel", kernel, "--initrd", initrd,
      "--virtfs", `local,path=${share},mount_tag=host`,
      "--virtfs", `local,path=${ro},mount_tag=ro,readonly=on,if=virtio-mmio`,
      "--append", "console=ttyS0 bulkhead.share=host:/mnt,ro:/ro bulkhead.run=/mnt/t.sh",
    ];
    let r;
    try {
      r = await runBulkhead(args, { timeoutMs: BOOT_TIMEOUT_MS });
    } finally {
      clearInterval(watcher);
    }
    const why = describeRun(`bulkhead ${args.join(" ")}`, r);
    assert.equal(r.status, 0, why);
    const lines = r.stdout.split(/\r?\n/).map((l) => l.trimEnd());
    const has = (l: string) => assert.ok(lines.includes(l), `expected the line '${l}'\n${why}`);
    has("bulkhead: share host mounted on /mnt");
    has("bulkhead: share ro mounted on /ro");
    has("mount host /mnt 9p");
    has("mount ro /ro 9p");
    has("busybox from the share runs on riscv64");
    has("tool ran: 42 from /mnt/tool.sh");
    has(`md5 ${createHash("md5").update(readFileSync(join(share, "busybox"))).digest("hex")}  -`);
    for (const l of ["written", "one", "two", "linked", "dirs", "trunc abc", "mtime 2001", `big ${16 * 65536}`, "removed", "df blocks", "synced", "ro-read kept", "out-dir is a link"]) has(l);
    has("host change seen: after");
    has("stat 8 640 regular file");
    has("xattr: getfattr: renamed.txt: No data available");
    if (hostBuilt) has("locker: flock and fcntl locks taken and released");
    else t.diagnostic("riscv64-linux-gnu-gcc (static) is not installed: the host-built lock program was not run");
    has("bulkhead: run finished, status 0");
    // Read-only: every kind of write refused with EROFS.
    const roLines = lines.filter((l) => l.startsWith("ro-") && !l.startsWith("ro-read"));
    assert.equal(roLines.length, 10, why);
    assert.deepEqual(roLines.filter((l) => !l.startsWith("ro-refused: ")), [], `each write to the read-only share fails with EROFS\n${why}`);
    assert.equal(readFileSync(join(ro, "keep"), "utf8"), "kept\n");
    assert.deepEqual(readdirSync(ro), ["keep"]);
    // What the guest wrote, as the host sees it.
    assert.equal(readFileSync(join(share, "renamed.txt"), "utf8"), "one\ntwo\n");
    assert.ok(!existsSync(join(share, "w.txt")));
    assert.equal(statSync(join(share, "renamed.txt")).mode & 0o777, 0o640);
    assert.equal(statSync(join(share, "renamed.txt")).mtime.getUTCFullYear(), 2001);
    assert.equal(readlinkSync(join(share, "sl")), "renamed.txt");
    assert.equal(statSync(join(share, "hl")).ino, statSync(join(share, "renamed.txt")).ino);
    assert.equal(readFileSync(join(share, "trunc.txt"), "utf8"), "abc");
    assert.equal(statSync(join(share, "big")).size, 16 * 65536);
    assert.ok(readFileSync(join(share, "big")).every((b) => b === 0));
    assert.deepEqual(readdirSync(join(share, "d")), []);
    assert.ok(!existsSync(join(share, "gone")) && !existsSync(join(share, "gone-file")));
    // Escapes: the links resolve in the guest's own namespace, where nothing is there.
    for (const p of ["escape-file: ", "escape-dir: ", "escape-dir-file: ", "escape-rel: "]) {
      const l = lines.find((x) => x.startsWith(p));
      assert.match(l ?? "", /No such file or directory/, `${p}\n${why}`);
    }
    assert.match(lines.find((l) => l.startsWith("dotdot: ")) ?? "", /^dotdot: \/ /, "'..' of the mount is the guest's own /");
    assert.ok(!r.stdout.includes(SECRET), `a byte of the outside file reached the guest\n${why}`);
    assert.equal(readFileSync(join(outside, "secret"), "utf8"), outsideBefore);
    assert.deepEqual(readdirSync(outside), ["secret"]);
    assert.ok(lstatSync(join(share, "out-dir")).isSymbolicLink());
  });
});
