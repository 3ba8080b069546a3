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
//   /lib/modules/VERSION/...       the chosen .ko files as Debian ships them, with
//                                  modules.dep and modules.alias trimmed to them, so
//                                  busybox modprobe (and the kernel's requests) work
//   /etc/bulkhead/modules          modules to insmod at boot: absolute paths, in order
//   /usr/..., /lib -> usr/lib      with Debian packages (packages.ts): their unpacked root,
//                                  merged-/usr as Debian lays it out; the modules then sit
//                                  in /usr/lib/modules, reached through /lib
//   /sbin/bulkhead-uevent          the device links udev would make (/dev/virtio-ports/NAME),
//                                  run by the default /init and by busybox uevent
//
// Debian's 6.12 kernel unpacks gzip initramfs images (CONFIG_RD_GZIP=y) and loads
// xz-compressed modules (CONFIG_MODULE_DECOMPRESS=y; busybox's insmod unpacks them too).

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { CpioWriter } from "./cpio.js";
import { addTree } from "./packages.js";
import { readModuleIndex, resolveModules, trimModulesAlias, trimModulesDep, type KernelModule } from "./modules.js";

/** First line the default /init prints; tests and `bulkhead run` look for it. */
export const INIT_BANNER = "bulkhead: init started";
/** Printed by the default /init after a bulkhead.run command, followed by its exit status. */
export const RUN_DONE_PREFIX = "bulkhead: run finished, status ";

/**
 * Modules the default initramfs from `bulkhead images fetch` carries: the virtio
 * drivers Debian builds as modules, ext4 and 9p, and evdev for virtio_input's
 * /dev/input/event* (fbcon and DRM's fbdev emulation are built in). None is loaded unless a device
 * needs it.
 */
export const DEFAULT_MODULES: readonly string[] = [
  "virtio_mmio", "virtio_blk", "virtio_net", "virtio_rng", "ext4", "9pnet_virtio", "9p",
  "virtio_gpu", "virtio_input", "evdev",
];

/**
 * The device links udev's rules would make, for an initramfs without udev (Debian's
 * kernel has no CONFIG_UEVENT_HELPER, so busybox `uevent` runs it for each netlink
 * uevent): /dev/virtio-ports/NAME -> ../vportNpM, as udev's 50-udev-default.rules does
 * for a virtio-console port with a name. The name comes after the port itself
 * (VIRTIO_CONSOLE_PORT_NAME, then a "change" uevent), so both add and change link.
 * `bulkhead-uevent scan` links the ports already there.
 */
export const UEVENT_HELPER = `#!/bin/sh
# /sbin/bulkhead-uevent (src/images/initramfs.ts): udev's /dev/virtio-ports links.
link() {
  n=$(cat "/sys/class/virtio-ports/$1/name" 2>/dev/null) && [ -n "$n" ] || return 0
  mkdir -p /dev/virtio-ports && ln -sfn "../$1" "/dev/virtio-ports/$n"
}
if [ "$1" = scan ]; then
  for d in /sys/class/virtio-ports/*; do [ -e "$d" ] && link "\${d##*/}"; done
  exit 0
fi
[ "$SUBSYSTEM" = virtio-ports ] || exit 0
case "$ACTION" in
  add|change) link "$DEVNAME" ;;
  remove) for l in /dev/virtio-ports/*; do [ "$(readlink "$l")" = "../$DEVNAME" ] && rm -f "$l"; done ;;
esac
exit 0
`;

/** Applets linked in the archive itself; /init links every other applet at boot. */
export const CORE_APPLETS: Readonly<Record<string, readonly string[]>> = {
  bin: [
    "sh", "ash", "cat", "echo", "ls", "mount", "umount", "mkdir", "mknod", "ln", "rm", "cp", "mv",
    "dmesg", "uname", "sleep", "grep", "sed", "awk", "head", "tail", "wc", "ps", "kill", "sync",
    "setsid", "cttyhack", "base64", "true", "false", "test", "[", "printf", "tr", "cut", "dd", "date",
    "hostname", "vi", "df", "free", "stty",
  ],
  sbin: ["poweroff", "reboot", "halt", "insmod", "modprobe", "rmmod", "lsmod", "ip", "ifconfig", "udhcpc", "mdev", "uevent"],
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
  /** lib/modules/VERSION of the kernel, after depmod; required with `modules` or `load` */
  modulesDir?: string;
  /**
   * Modules to carry ("virtio_blk", "ext4"), with their dependencies and soft
   * dependencies. The default /init loads the ones the devices present need (by
   * modalias); the kernel asks for others itself (ext4 when mounting).
   */
  modules?: readonly string[];
  /** Modules the default /init loads at boot whatever the devices (carried too). */
  load?: readonly string[];
  /** the /init script text; default: `defaultInit()` */
  init?: string;
  extraFiles?: readonly InitramfsFile[];
  /** an unpacked root of Debian packages (packages.ts: fetchPackageSet) to carry */
  packages?: string;
  /** gzip the archive (Debian's kernel accepts both) */
  gzip?: boolean;
}

/**
 * The default /init. It mounts proc, sysfs, devtmpfs and devpts, prints
 * "bulkhead: init started", loads modules (the boot list, then the drivers of the
 * devices present by their modalias, then those named by bulkhead.modules=a,b), then
 * runs the command from the kernel command line and powers off:
 *
 *   bulkhead.run="echo hello; cat /proc/cpuinfo"   (double or single quotes, or one word)
 *   bulkhead.run64=ZWNobyBoaQ==                    (base64 of the command: any quoting)
 *
 * Shares (virtio-9p, `bulkhead run --virtfs ...,mount_tag=TAG`) named by
 * bulkhead.share=TAG:DIR[,TAG2:DIR2] are mounted before the command (TAG alone: on /mnt),
 * so `bulkhead.share=host:/mnt bulkhead.run=/mnt/tool` runs a program from the host.
 *
 * Before the command it starts busybox uevent with /sbin/bulkhead-uevent, so named
 * virtio-console ports appear as /dev/virtio-ports/NAME (now and when added later).
 *
 * Without either it starts an interactive shell on the console; leaving it powers off.
 * Later module needs (fs-ext4 on mount, crypto-crc32c) go through the kernel's own
 * call of /sbin/modprobe.
 */
export function defaultInit(): string {
  return `#!/bin/sh
# /init of a bulkhead initramfs (src/images/initramfs.ts).
# /usr first: Debian's programs, where an image carries them, before busybox's applets.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
/bin/busybox --install -s 2>/dev/null
echo "${INIT_BANNER} (kernel $(uname -r))"

# --- command line: the kernel keeps it as typed, quotes included.
cmdline=" $(cat /proc/cmdline)"
# param NAME: print the value of NAME= ("...", '...' or one word); fail if absent.
param() {
  case "$cmdline" in *" $1="*) ;; *) return 1 ;; esac
  v=\${cmdline#*" $1="}
  case "$v" in
    \\"*) v=\${v#\\"}; v=\${v%%\\"*} ;;
    \\'*) v=\${v#\\'}; v=\${v%%\\'*} ;;
    *) v=\${v%% *} ;;
  esac
  printf '%s' "$v"
}
run=$(param bulkhead.run)
if v=$(param bulkhead.run64); then run=$(printf '%s' "$v" | base64 -d); fi
mods=$(param bulkhead.modules)
shares=$(param bulkhead.share)

# --- modules
if [ -d /lib/modules ]; then
  if [ -s /etc/bulkhead/modules ]; then
    while read -r m; do insmod "$m" || echo "bulkhead: insmod $m failed"; done < /etc/bulkhead/modules
  fi
  set -f
  # Drivers for the devices present; again while that adds modules (virtio_mmio
  # brings virtio devices whose drivers are modules too; virtio_input brings input
  # devices, a class and not a bus, whose handler evdev is a module).
  n=-1
  while [ "$n" != "$(wc -l < /proc/modules)" ]; do
    n=$(wc -l < /proc/modules)
    aliases=$(set +f; cat /sys/bus/*/devices/*/modalias /sys/class/input/*/modalias 2>/dev/null)
    [ -n "$aliases" ] && modprobe -qa $aliases
  done
  for m in $(echo "$mods" | tr , ' '); do modprobe "$m" || echo "bulkhead: modprobe $m failed"; done
  set +f
  loaded=$(cut -d' ' -f1 /proc/modules | tr '\\n' ' ')
  [ -n "$loaded" ] && echo "bulkhead: modules loaded: $loaded"
fi

# --- shares: TAG:DIR, comma-separated (9pnet_virtio came with the devices; the kernel asks for 9p)
for s in $(echo "$shares" | tr , ' '); do
  tag=\${s%%:*}; dir=/mnt
  case "$s" in *:*) dir=\${s#*:} ;; esac
  if mkdir -p "$dir" && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 "$tag" "$dir"; then
    echo "bulkhead: share $tag mounted on $dir"
  else
    echo "bulkhead: mounting share $tag on $dir failed"
  fi
done

# --- device links (no udev): watch for ports named later, then link those there now
uevent /sbin/bulkhead-uevent &
/sbin/bulkhead-uevent scan

# --- run
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

/** Names what the default archive holds besides busybox: a cached initramfs with another digest is out of date. */
export function defaultInitDigest(): string {
  return createHash("sha256").update(defaultInit()).update(UEVENT_HELPER).update(DEFAULT_MODULES.join(" ")).digest("hex").slice(0, 16);
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
  if (opts.packages !== undefined) {
    addTree(w, opts.packages);
    w.symlink("lib", "usr/lib");
  }

  const busybox = typeof opts.busybox === "string" ? readFileSync(opts.busybox) : opts.busybox;
  w.file("bin/busybox", busybox, 0o755);
  for (const [dir, applets] of Object.entries(CORE_APPLETS)) {
    for (const a of applets) w.symlink(`${dir}/${a}`, "/bin/busybox");
  }

  const load = opts.load ?? [];
  const modules = [...(opts.modules ?? []), ...load];
  if (modules.length > 0) {
    if (opts.modulesDir === undefined) throw new TypeError("buildInitramfs: modules given without modulesDir");
    const index = readModuleIndex(opts.modulesDir);
    const chosen = resolveModules(index, modules);
    const root = `${opts.packages !== undefined ? "usr/lib" : "lib"}/modules/${basename(opts.modulesDir)}`;
    for (const m of chosen) w.file(`${root}/${m.path}`, readFileSync(join(opts.modulesDir, m.path)), 0o644);
    w.file(`${root}/modules.dep`, trimModulesDep(index, chosen));
    w.file(`${root}/modules.alias`, trimModulesAlias(index, chosen));
    if (load.length > 0) w.file("etc/bulkhead/modules", resolveModules(index, load).map((m) => `/${root}/${m.path}\n`).join(""));
  }

  w.file("init", opts.init ?? defaultInit(), 0o755);
  w.file("sbin/bulkhead-uevent", UEVENT_HELPER, 0o755);
  for (const f of opts.extraFiles ?? []) w.file(f.path, f.data, f.mode ?? 0o644);

  const archive = w.finish();
  return opts.gzip ? gzipSync(archive, { level: 9 }) : archive;
}
