// A busybox initramfs for Debian's riscv64 kernel: busybox-static as the whole
// userland, chosen kernel modules with their dependencies, and an /init script.
//
// Layout of the archive:
//   /init                          default script below, or the caller's
//   /bin/busybox, /bin/sh, ...     busybox and applet symlinks (init adds the rest
//   /sbin/poweroff, ...            with `busybox --install -s`)
//   /dev/console                   c 5 1: the kernel opens it for init's stdio before
//                                  anything mounts devtmpfs
//   /proc /sys /tmp /root /etc /usr/bin /usr/sbin
//   /lib/modules/VERSION/...       the chosen .ko files as Debian ships them, and a
//                                  modules.dep trimmed to them
//   /etc/bulkhead/modules          absolute module paths in load order
//
// Debian's 6.12 kernel unpacks gzip initramfs images (CONFIG_RD_GZIP=y) and loads
// xz-compressed modules (CONFIG_MODULE_DECOMPRESS=y; busybox's insmod unpacks them too).

import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { CpioWriter } from "./cpio.js";
import { readModuleIndex, resolveModules, trimModulesDep, type KernelModule } from "./modules.js";

/** First line the default /init prints; tests and `bulkhead run` look for it. */
export const INIT_BANNER = "bulkhead: init started";
/** Printed by the default /init after a bulkhead.run command, followed by its exit status. */
export const RUN_DONE_PREFIX = "bulkhead: run finished, status ";

/** Modules in the default initramfs that `bulkhead images fetch` builds. */
export const DEFAULT_MODULES: readonly string[] = ["virtio_mmio", "virtio_blk", "virtio_net", "ext4"];

/** Applets linked in the archive itself; /init links every other applet at boot. */
export const CORE_APPLETS: Readonly<Record<string, readonly string[]>> = {
  bin: [
    "sh", "ash", "cat", "echo", "ls", "mount", "umount", "mkdir", "mknod", "ln", "rm", "cp", "mv",
    "dmesg", "uname", "sleep", "grep", "sed", "awk", "head", "tail", "wc", "ps", "kill", "sync",
    "setsid", "cttyhack", "base64", "true", "false", "test", "[", "printf", "tr", "cut", "dd", "date",
    "hostname", "vi", "df", "free", "stty",
  ],
  sbin: ["poweroff", "reboot", "halt", "insmod", "modprobe", "rmmod", "lsmod", "ip", "ifconfig", "udhcpc", "mdev"],
};

/** A file to add to the archive (replaces any default entry at the same path). */
export interface InitramfsFile {
  path: string;
  data: string | Uint8Array;
  /** permission bits; default 0644 (use 0o755 for scripts) */
  mode?: number;
}

export interface InitramfsOptions {
  /** busybox-static's binary: a path (…/usr/bin/busybox) or its bytes */
  busybox: string | Uint8Array;
  /** lib/modules/VERSION of the kernel, after depmod; required when `modules` is non-empty */
  modulesDir?: string;
  /** module names ("virtio_blk", "ext4"); dependencies and soft dependencies are added */
  modules?: readonly string[];
  /** the /init script text; default: `defaultInit()` */
  init?: string;
  extraFiles?: readonly InitramfsFile[];
  /** gzip the archive (Debian's kernel accepts both) */
  gzip?: boolean;
}

/**
 * The default /init. It mounts proc, sysfs, devtmpfs and devpts, prints
 * "bulkhead: init started", loads the modules listed in /etc/bulkhead/modules, then
 * runs the command from the kernel command line and powers off:
 *
 *   bulkhead.run="echo hello; cat /proc/cpuinfo"   (double or single quotes, or one word)
 *   bulkhead.run64=ZWNobyBoaQ==                    (base64 of the command: any quoting)
 *
 * Without either it starts an interactive shell on the console; leaving it powers off.
 */
export function defaultInit(): string {
  return `#!/bin/sh
# /init of a bulkhead initramfs (src/images/initramfs.ts).
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
/bin/busybox --install -s 2>/dev/null
echo "${INIT_BANNER} (kernel $(uname -r))"

if [ -s /etc/bulkhead/modules ]; then
  n=0
  while read -r m; do
    if insmod "$m"; then n=$((n + 1)); else echo "bulkhead: insmod $m failed"; fi
  done < /etc/bulkhead/modules
  echo "bulkhead: loaded $n modules"
fi

# The kernel keeps the command line as typed, quotes included.
cmdline=" $(cat /proc/cmdline)"
run=
case "$cmdline" in
  *" bulkhead.run64="*)
    v=\${cmdline#*" bulkhead.run64="}
    run=$(echo "\${v%% *}" | base64 -d) ;;
  *" bulkhead.run="*)
    v=\${cmdline#*" bulkhead.run="}
    case "$v" in
      \\"*) v=\${v#\\"}; run=\${v%%\\"*} ;;
      \\'*) v=\${v#\\'}; run=\${v%%\\'*} ;;
      *) run=\${v%% *} ;;
    esac ;;
esac

if [ -n "$run" ]; then
  sh -c "$run"
  echo "${RUN_DONE_PREFIX}$?"
  sync
  poweroff -f
fi
echo "bulkhead: no bulkhead.run= on the kernel command line: starting a shell (exit powers off)"
setsid cttyhack sh
sync
poweroff -f
`;
}

/** Resolve `modules` against `modulesDir`: the files to pack, in load order. */
export function selectModules(modulesDir: string, modules: readonly string[]): KernelModule[] {
  return resolveModules(readModuleIndex(modulesDir), modules);
}

/** Build the archive described in the header comment; returns newc bytes, gzipped if asked. */
export function buildInitramfs(opts: InitramfsOptions): Buffer {
  const w = new CpioWriter();
  for (const d of ["dev", "proc", "sys", "tmp", "root", "etc", "bin", "sbin", "usr/bin", "usr/sbin", "mnt"]) {
    w.dir(d, d === "tmp" ? 0o1777 : d === "root" ? 0o700 : 0o755);
  }
  w.charDevice("dev/console", 5, 1, 0o600);

  const busybox = typeof opts.busybox === "string" ? readFileSync(opts.busybox) : opts.busybox;
  w.file("bin/busybox", busybox, 0o755);
  for (const [dir, applets] of Object.entries(CORE_APPLETS)) {
    for (const a of applets) w.symlink(`${dir}/${a}`, "/bin/busybox");
  }

  const modules = opts.modules ?? [];
  if (modules.length > 0) {
    if (opts.modulesDir === undefined) throw new TypeError("buildInitramfs: modules given without modulesDir");
    const index = readModuleIndex(opts.modulesDir);
    const chosen = resolveModules(index, modules);
    const version = basename(opts.modulesDir);
    const root = `lib/modules/${version}`;
    for (const m of chosen) w.file(`${root}/${m.path}`, readFileSync(join(opts.modulesDir, m.path)), 0o644);
    w.file(`${root}/modules.dep`, trimModulesDep(index, chosen));
    w.file("etc/bulkhead/modules", chosen.map((m) => `/${root}/${m.path}\n`).join(""));
  }

  w.file("init", opts.init ?? defaultInit(), 0o755);
  for (const f of opts.extraFiles ?? []) w.file(f.path, f.data, f.mode ?? 0o644);

  const archive = w.finish();
  return opts.gzip ? gzipSync(archive, { level: 9 }) : archive;
}
