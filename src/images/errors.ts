// The one error type of src/images. Every message says what is wrong and how to fix it;
// the CLI prints `message` as one line and exits 1.

/** What went wrong, with the facts each message needs. */
export type ImagesErrorInfo =
  | { kind: "NotFetched"; cache: string }
  | { kind: "CacheIncomplete"; cache: string; missing: string }
  | { kind: "ToolMissing"; tool: string; pkg: string; /** the command that needs it; default bulkhead images fetch */ by?: string }
  | { kind: "NoApt" }
  | { kind: "NoDebianSource"; looked: string[] }
  | { kind: "NoRiscv64"; mirror: string }
  | { kind: "PackageMissing"; pkg: string }
  | { kind: "BadPackageName"; name: string; why: string }
  | { kind: "CommandFailed"; command: string; status: number | null; output: string }
  | { kind: "UnexpectedPackage"; pkg: string; detail: string }
  | { kind: "UnknownModule"; module: string; modulesDir: string }
  | { kind: "NoModulesDep"; modulesDir: string }
  | { kind: "BadPath"; path: string; why: string }
  | { kind: "NotGpt"; path: string; why: string }
  | { kind: "NoPartition"; path: string; want: string; have: string[] }
  | { kind: "DiskOpen"; path: string; why: string }
  | { kind: "DiskRange"; path: string; offset: number; size: number; imageSize: number }
  | { kind: "DiskExists"; path: string }
  | { kind: "DiskCreate"; path: string; why: string }
  | { kind: "BootFileUnreadable"; partition: string; path: string; why: string }
  | { kind: "PartitionTooSmall"; partition: string; size: number; need: number };

function describe(e: ImagesErrorInfo): string {
  switch (e.kind) {
    case "NotFetched":
      return `Debian images are not fetched yet: run ./bin/bulkhead images fetch (cache: ${e.cache})`;
    case "CacheIncomplete":
      return `the Debian image cache in ${e.cache} is incomplete (${e.missing} is missing): run ./bin/bulkhead images fetch --force`;
    case "ToolMissing":
      return `${e.tool} not found: ${e.by ?? "bulkhead images fetch"} needs it; install the ${e.pkg} package (apt-get install ${e.pkg})`;
    case "NoApt":
      return "apt-get not found: bulkhead images fetch needs a Debian/Ubuntu host with apt, dpkg-deb and kmod; " +
        "on another host, fetch on a Debian machine and copy its cache directory into $BULKHEAD_CACHE";
    case "NoDebianSource":
      return `no Debian archive in the host's apt sources (read ${e.looked.join(", ") || "nothing"}): ` +
        "add a Debian mirror to them, or set BULKHEAD_DEBIAN_MIRROR to a Debian mirror URI";
    case "NoRiscv64":
      return `${e.mirror} has no riscv64 packages in suite stable: use a mirror that carries riscv64 ` +
        "(set BULKHEAD_DEBIAN_MIRROR) or check the host's network and apt proxy settings";
    case "PackageMissing":
      return `package ${e.pkg} is not in the riscv64 package lists of stable: run ./bin/bulkhead images fetch --force ` +
        "to refresh them; if it persists the mirror is incomplete";
    case "BadPackageName":
      return e.name === "" ? `no Debian package named: ${e.why} (as in --packages nftables,iproute2)`
        : `bad Debian package name '${e.name}': ${e.why} (as in --packages nftables,iproute2)`;
    case "CommandFailed":
      return `${e.command} failed (${e.status === null ? "killed" : `exit ${e.status}`})` +
        (e.output ? `: ${e.output}` : "");
    case "UnexpectedPackage":
      return `${e.pkg} does not look as expected (${e.detail}): Debian may have changed its layout; ` +
        "src/images/debian.ts needs updating";
    case "UnknownModule":
      return `kernel module '${e.module}' is not in ${e.modulesDir}/modules.dep (check the spelling with ` +
        "`grep NAME modules.dep`; built-in drivers need no module)";
    case "NoModulesDep":
      return `${e.modulesDir}/modules.dep not found: run depmod -b <root> <version> on the unpacked kernel ` +
        "(./bin/bulkhead images fetch does this)";
    case "BadPath":
      return `bad initramfs path '${e.path}': ${e.why}`;
    case "NotGpt":
      return `${e.path}: ${e.why}; give the whole image (no part= or name=) or partition it with a GPT (sgdisk, parted)`;
    case "NoPartition":
      return `${e.path} has no ${e.want}` + (e.have.length ? ` (its partitions: ${e.have.join(", ")})` : " (its GPT is empty)");
    case "DiskOpen":
      return `disk image ${e.path}: ${e.why}`;
    case "DiskRange":
      return `disk image ${e.path}: bytes [${e.offset}, ${e.offset + e.size}) lie outside the ${e.imageSize}-byte image`;
    case "DiskExists":
      return `${e.path} exists already: remove it, or pass --force to replace it`;
    case "DiskCreate":
      return `cannot create disk image ${e.path}: ${e.why}`;
    case "BootFileUnreadable":
      return `partition '${e.partition}': cannot read ${e.path} (${e.why}) to put it in its /boot`;
    case "PartitionTooSmall":
      return `partition '${e.partition}' (${mib(e.size)}) is too small for its boot files: give it at least ${mib(e.need)}`;
  }
}

const mib = (n: number): string => `${Math.ceil(n / 2 ** 20)} MiB`;

/** Error thrown by src/images: `info.kind` for code, `message` for people. */
export class ImagesError extends Error {
  override readonly name = "ImagesError";
  constructor(readonly info: ImagesErrorInfo) {
    super(describe(info));
  }
}
