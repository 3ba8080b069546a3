// `bulkhead images`: Debian's riscv64 guest software (kernel, modules, busybox-static,
// OpenSBI, U-Boot) fetched through the host's apt into the cache, and busybox
// initramfs images built from it. The work is in src/images/; this file parses
// arguments and prints.

import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildInitramfs, DEFAULT_MODULES } from "../images/initramfs.js";
import { fetchPackageSet } from "../images/packages.js";
import { countModules, fetchDebianImages } from "../images/debian.js";
import { ImagesError } from "../images/errors.js";
import { formatBytes, type ProgressOut } from "../images/progress.js";
import {
  cacheRoot, cachedImages, debianLayout, readManifest, resolveManifest, type CachedImages, type Manifest,
} from "../images/store.js";

/** Where a run writes; process streams by default, fakes in tests. */
export interface ImagesIo {
  out: ProgressOut;
  err: ProgressOut;
  env: NodeJS.ProcessEnv;
}

const USAGE = "usage: bulkhead images <fetch|list|path|initramfs> [options]";

const HELP = `${USAGE}

Debian's own riscv64 guest software, fetched through this host's apt configuration
(its Debian mirror, suite stable, architecture riscv64, private apt state in the cache;
the host's apt is not changed), unpacked as Debian ships it, plus busybox initramfs images.

  fetch       download and unpack the kernel, busybox-static, opensbi, u-boot-qemu;
              run depmod; build the default initramfs (does nothing if already done)
  list        what is cached: versions, sizes, paths
  path WHAT   print one path (kernel, initrd, opensbi-dynamic, opensbi-jump, uboot,
              modules, busybox, cache)
  initramfs   build a busybox initramfs: --out FILE [--modules a,b] [--load a,b] [--packages a,b] [--init FILE]

Cache: $BULKHEAD_CACHE, else $XDG_CACHE_HOME/bulkhead, else ~/.cache/bulkhead.
Run 'bulkhead images SUBCOMMAND --help' for a subcommand's options.
`;

const FETCH_HELP = `usage: bulkhead images fetch [--force] [--verbose]

Fetch Debian's riscv64 packages through the host's apt configuration and prepare them:
  linux-image-VERSION-riscv64 (the dependency of linux-image-riscv64), busybox-static,
  opensbi, u-boot-qemu; unpacked with dpkg-deb -x, depmod run on the kernel's modules,
  and a default initramfs.cpio.gz built (modules: ${DEFAULT_MODULES.join(", ")}).
Needs apt-get, apt-cache, dpkg-deb and depmod (kmod) on a Debian/Ubuntu host. The mirror
is the host's Debian archive from /etc/apt/sources.list{,.d}; set BULKHEAD_DEBIAN_MIRROR
to use another.

  --force     fetch again even if the cache is complete
  --verbose   show apt's and depmod's own output
  -h, --help  this text
`;

const LIST_HELP = `usage: bulkhead images list [--json]

Show what 'bulkhead images fetch' cached: package versions, image sizes and paths.

  --json      machine-readable output (the manifest plus absolute paths)
  -h, --help  this text
`;

const PATH_NAMES = ["kernel", "initrd", "opensbi-dynamic", "opensbi-jump", "uboot", "modules", "busybox", "cache"] as const;
type PathName = (typeof PATH_NAMES)[number];

const PATH_HELP = `usage: bulkhead images path ${PATH_NAMES.join("|")}

Print the absolute path of one cached image, for scripts:
  kernel            Debian's kernel Image (uncompressed, RISC-V image header)
  initrd            the default busybox initramfs (gzipped newc)
  opensbi-dynamic   OpenSBI generic fw_dynamic.bin
  opensbi-jump      OpenSBI generic fw_jump.bin
  uboot             U-Boot qemu-riscv64_smode u-boot.bin
  modules           the kernel's lib/modules/VERSION directory
  busybox           busybox-static's binary
  cache             the cache directory (printed even before a fetch)

  -h, --help  this text
`;

const INITRAMFS_HELP = `usage: bulkhead images initramfs --out FILE [--modules a,b] [--load a,b] [--packages a,b] [--init FILE]

Build a busybox initramfs from the fetched images: busybox-static with applet links,
/dev/console, the modules with their dependencies (modules.dep, and soft dependencies
such as crc32c_generic for ext4), and /init. FILE ending in .gz is gzipped.

The default /init mounts proc, sysfs and devtmpfs, prints "bulkhead: init started",
loads the --load modules, the drivers of the devices present (by modalias) and those
named by bulkhead.modules=a,b on the kernel command line, then runs the command line's
bulkhead.run="CMD" (or bulkhead.run64=BASE64) and powers off; without it, a shell
on the console.

  --out FILE       where to write (required)
  --modules LIST   comma-separated modules to carry (default: ${DEFAULT_MODULES.join(",")};
                   '' for none)
  --load LIST      modules to carry and load at boot whatever the devices
  --packages LIST  Debian packages to carry (nftables,iproute2): apt resolves their
                   dependencies in the private apt state of 'images fetch', and each
                   package is unpacked as Debian ships it (no maintainer scripts; its
                   documentation left out); cached by the set of versions apt chose
  --init FILE      use FILE as /init instead of the default script
  -h, --help       this text
`;

/** A one-line error and its exit status: 2 for usage mistakes, 1 for the rest. */
class ImagesCliError extends Error {
  constructor(message: string, readonly status: 1 | 2) {
    super(message);
  }
}
const usageError = (message: string) => new ImagesCliError(message, 2);

/** The `images` row of the verb table (src/cli/verbs.ts). */
export const imagesCommand = {
  name: "images",
  summary: "fetch Debian's riscv64 kernel, firmware and busybox; build initramfs images",
  help: HELP,
  run: (argv: readonly string[]): Promise<number> => runImages(argv),
};

/** Run `bulkhead images ARGV...`; returns the exit status (0 ok, 1 failed, 2 usage). */
export async function runImages(
  argv: readonly string[],
  io: ImagesIo = { out: process.stdout, err: process.stderr, env: process.env },
): Promise<number> {
  const [sub, ...rest] = argv;
  const known = ["fetch", "list", "path", "initramfs"];
  const prefix = sub !== undefined && known.includes(sub) ? `bulkhead images ${sub}` : "bulkhead images";
  try {
    switch (sub) {
      case "fetch": return await fetch(rest, io);
      case "list": return list(rest, io);
      case "path": return path(rest, io);
      case "initramfs": return await initramfs(rest, io);
      case "-h": case "--help": case "help":
        io.out.write(HELP);
        return 0;
      case undefined:
        io.err.write(HELP);
        return 2;
      default:
        throw usageError(sub.startsWith("-") ? `unknown option '${sub}'` : `unknown subcommand '${sub}'`);
    }
  } catch (e) {
    if (e instanceof ImagesCliError) {
      io.err.write(`${prefix}: ${e.message}${e.status === 2 ? ` (see ${prefix} --help)` : ""}\n`);
      return e.status;
    }
    if (e instanceof ImagesError) {
      io.err.write(`${prefix}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

type OptionSpec = Record<string, { type: "boolean" | "string"; short?: string }>;
interface Parsed { values: Record<string, string | boolean | undefined>; positionals: string[] }

/** parseArgs, with its errors turned into one-line usage errors; undefined means --help was printed. */
function parse(args: readonly string[], options: OptionSpec, help: string, io: ImagesIo, positionals = false): Parsed | undefined {
  let r: Parsed;
  try {
    r = parseArgs({ args: [...args], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: positionals, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    const name = /'([^']+)'/.exec(msg)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw usageError(`unknown option '${name ?? msg}'`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw usageError(`unexpected argument '${name ?? msg}'`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const opt = /--[\w-]+/.exec(msg)?.[0];
      const what = /does not take/.test(msg) ? "takes no value" : "needs a value";
      throw usageError(opt ? `option '${opt}' ${what}` : msg.split("\n")[0]!);
    }
    throw e;
  }
  if (r.values.help) {
    io.out.write(help);
    return undefined;
  }
  return r;
}

async function fetch(args: readonly string[], io: ImagesIo): Promise<number> {
  const r = parse(args, { force: { type: "boolean" }, verbose: { type: "boolean" } }, FETCH_HELP, io);
  if (r === undefined) return 0;
  const started = Date.now();
  const result = await fetchDebianImages({
    force: r.values.force === true, verbose: r.values.verbose === true, out: io.err, env: io.env,
  });
  if (!result.fetched) {
    io.out.write(`Debian images are already fetched in ${result.cache} (kernel ${result.manifest.kernelVersion}, ` +
      `fetched ${result.manifest.fetchedAt}): nothing to do; --force fetches again\n`);
    return 0;
  }
  io.out.write(`fetched in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  io.out.write(describeCache(result.cache, result.manifest, result.images));
  return 0;
}

function list(args: readonly string[], io: ImagesIo): number {
  const r = parse(args, { json: { type: "boolean" } }, LIST_HELP, io);
  if (r === undefined) return 0;
  const layout = debianLayout(cacheRoot(io.env));
  const m = readManifest(layout);
  if (m === undefined) {
    if (r.values.json) io.out.write(JSON.stringify({ cache: layout.base, fetched: false }, null, 2) + "\n");
    else io.out.write(`nothing cached in ${layout.base}: run ./bin/bulkhead images fetch\n`);
    return 0;
  }
  const { images, missing } = resolveManifest(layout, m);
  if (r.values.json) {
    io.out.write(JSON.stringify({ cache: layout.base, fetched: true, complete: missing === undefined, manifest: m, images }, null, 2) + "\n");
    return 0;
  }
  io.out.write(describeCache(layout.base, m, images));
  if (missing !== undefined) io.out.write(`incomplete: ${missing} is missing; run ./bin/bulkhead images fetch --force\n`);
  return 0;
}

function describeCache(cache: string, m: Manifest, images: CachedImages): string {
  const size = (p: string) => (existsSync(p) ? formatBytes(statSync(p).size) : "missing");
  const width = Math.max(...m.packages.map((p) => p.name.length));
  const lines = [
    `cache     ${cache}`,
    `source    ${m.mirror} ${m.suite} ${m.architecture}, fetched ${m.fetchedAt}`,
    "packages",
    ...m.packages.map((p) => `  ${p.name.padEnd(width)}  ${p.version}`),
    `kernel    ${images.kernelVersion}`,
    "images",
  ];
  const rows: [string, string, string][] = [
    ["kernel", size(images.kernel), images.kernel],
    ["initrd", size(images.initrd), `${images.initrd}  (modules: ${m.initrdModules.join(" ")})`],
    ["opensbi-dynamic", size(images.fwDynamic), images.fwDynamic],
    ["opensbi-jump", size(images.fwJump), images.fwJump],
    ["uboot", size(images.uboot), images.uboot],
    ["modules", `${countModules(images.modulesDir)} modules`, images.modulesDir],
    ["busybox", size(images.busybox), images.busybox],
  ];
  for (const [name, sz, p] of rows) lines.push(`  ${name.padEnd(16)} ${sz.padStart(12)}  ${p}`);
  return lines.join("\n") + "\n";
}

function path(args: readonly string[], io: ImagesIo): number {
  const r = parse(args, {}, PATH_HELP, io, true);
  if (r === undefined) return 0;
  if (r.positionals.length !== 1) throw usageError(`expected one of ${PATH_NAMES.join(", ")}`);
  const what = r.positionals[0]! as PathName;
  if (!PATH_NAMES.includes(what)) throw usageError(`unknown image '${what}': expected one of ${PATH_NAMES.join(", ")}`);
  const root = cacheRoot(io.env);
  if (what === "cache") {
    io.out.write(debianLayout(root).base + "\n");
    return 0;
  }
  const images = cachedImages(root);
  const pick: Record<Exclude<PathName, "cache">, string> = {
    kernel: images.kernel, initrd: images.initrd, "opensbi-dynamic": images.fwDynamic, "opensbi-jump": images.fwJump,
    uboot: images.uboot, modules: images.modulesDir, busybox: images.busybox,
  };
  io.out.write(pick[what] + "\n");
  return 0;
}

async function initramfs(args: readonly string[], io: ImagesIo): Promise<number> {
  const r = parse(args, {
    out: { type: "string", short: "o" }, modules: { type: "string" }, load: { type: "string" }, init: { type: "string" },
    packages: { type: "string" },
  },
    INITRAMFS_HELP, io);
  if (r === undefined) return 0;
  const out = r.values.out as string | undefined;
  const modulesArg = r.values.modules as string | undefined;
  const initArg = r.values.init as string | undefined;
  if (!out) throw usageError("--out FILE is required");
  const names = (s: string) => s.split(",").map((n) => n.trim()).filter((n) => n !== "");
  const modules = modulesArg === undefined ? [...DEFAULT_MODULES] : names(modulesArg);
  const load = names((r.values.load as string | undefined) ?? "");
  let init: string | undefined;
  if (initArg !== undefined) {
    if (!existsSync(initArg)) throw new ImagesCliError(`--init ${initArg}: no such file`, 1);
    init = readFileSync(initArg, "utf8");
  }
  const packagesArg = r.values.packages as string | undefined;
  const images = cachedImages(cacheRoot(io.env));
  const set = packagesArg === undefined ? undefined
    : await fetchPackageSet({ names: names(packagesArg), cache: cacheRoot(io.env), env: io.env, out: io.err });
  const gzip = out.endsWith(".gz");
  const buf = buildInitramfs({
    busybox: images.busybox, modulesDir: images.modulesDir, modules, load, gzip, ...(init !== undefined ? { init } : {}),
    ...(set !== undefined ? { packages: set.root } : {}),
  });
  writeFileSync(out, buf);
  io.out.write(`${out}: ${formatBytes(buf.length)}${gzip ? " gzipped" : ""} newc, kernel ${images.kernelVersion}, ` +
    `modules: ${modules.length ? modules.join(" ") : "none"}` +
    `${set !== undefined ? `, packages: ${set.packages.map((p) => `${p.name} ${p.version}`).join(", ")}` : ""}${load.length ? `, loaded at boot: ${load.join(" ")}` : ""}${init !== undefined ? `, /init from ${initArg}` : ""}\n`);
  return 0;
}
