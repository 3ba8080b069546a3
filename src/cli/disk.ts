// `bulkhead disk create`: the board's disk image built from the system description's
// board.disks: its GPT, partitions zero-filled, and each `extlinux` partition a
// staged-boot disk (src/images/disk-image.ts). The RootOS writes the same image when a
// `create: true` disk is missing (src/rootos/board/disks.ts); this writes it anywhere.
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { formatBytes, Step } from "../images/progress.js";
import { writeBoardDisk } from "../rootos/board/disks.js";
import { DEFAULT_SYSTEM, DescriptionError, loadSystem } from "../rootos/description/index.js";
import { CliError, usageError } from "./cli-error.js";
import { printDescriptionError } from "./validate.js";

export const DISK_HELP = `usage: bulkhead disk create [options] OUT.img

Write a board disk image described by a system description's board.disks: a GPT with
the described partitions (1 MiB aligned, as sgdisk places them), each zero-filled (the
file is sparse), except partitions with an 'extlinux' key: those hold their own GPT with
one ext4 partition carrying /boot/extlinux/extlinux.conf, the kernel and the initrd, as
U-Boot's distro boot expects (needs mke2fs, package e2fsprogs). A VM given such a
partition boots it with boot: { firmware, bootloader, disk }.

options:
  --description FILE  the system description (default: examples/mixed-criticality.yaml)
  --disk NAME         which of board.disks (default: the first)
  --force             replace OUT.img if it exists
  -h, --help          show this help

Reference layout: examples/staged-boot.yaml; docs/system-description.md.
`;

const OPTIONS = {
  description: { type: "string" },
  disk: { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The `disk` row of the verb table (src/cli/verbs.ts). */
export const diskCommand = {
  name: "disk",
  summary: "build a board disk image (GPT, staged-boot partitions) from a system description",
  help: DISK_HELP,
  run: (argv: readonly string[]): Promise<number> => runDisk(argv),
};

/** `bulkhead disk ARGV...`. */
export async function runDisk(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "-h" || sub === "--help" || sub === "help") {
    process.stdout.write(DISK_HELP);
    return 0;
  }
  if (sub !== "create") throw usageError(sub === undefined ? "disk: give a subcommand: bulkhead disk create OUT.img (see bulkhead disk --help)" : `disk: unknown subcommand '${sub}' (see bulkhead disk --help)`);
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (e) {
    const err = e as { code?: string; message: string };
    const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? err.message;
    throw usageError(err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" ? `disk create: option ${quoted.split(" ")[0]} needs a value` : `disk create: unknown option '${quoted}' (see bulkhead disk --help)`);
  }
  if (values.help) {
    process.stdout.write(DISK_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw usageError(`disk create: give one output image, not ${positionals.length} (bulkhead disk create [--description FILE] OUT.img)`);
  const out = positionals[0]!;
  const file = values.description ?? relative(process.cwd(), DEFAULT_SYSTEM);

  let plan;
  try {
    ({ plan } = await loadSystem(file, { missingDisksOk: true }));
  } catch (e) {
    if (!(e instanceof DescriptionError)) throw e;
    printDescriptionError(e, process.stderr);
    return 1;
  }
  const disks = plan.board.disks;
  if (disks.length === 0) throw new CliError(`disk create: ${file} describes no disk (board.disks is empty): add one (see docs/system-description.md)`);
  const disk = values.disk === undefined ? disks[0]! : disks.find((d) => d.name === values.disk);
  if (!disk) throw new CliError(`disk create: ${file} has no disk '${values.disk}' (its disks: ${disks.map((d) => d.name).join(", ")})`);

  const boots = disk.partitions.filter((p) => p.extlinux).length;
  const step = new Step(`writing ${out}: disk '${disk.name}', ${disk.partitions.length} partition${disk.partitions.length === 1 ? "" : "s"}, ${formatBytes(disk.size)}`, process.stderr);
  let placed;
  try {
    placed = writeBoardDisk(disk, out, { overwrite: values.force ?? false, progress: (done, total) => step.bar(done, total, `${formatBytes(done)}/${formatBytes(total)}`) });
  } catch (e) {
    step.fail();
    throw e;
  }
  step.done(boots ? `${boots} boot partition${boots === 1 ? "" : "s"} with extlinux` : "GPT only");
  const rows = placed.map((g, i) => {
    const x = disk.partitions[i]!.extlinux;
    return [String(g.number), g.name, String(g.firstLba), String(g.size >> 20), x ? `extlinux: ${x.kernel.ref}${x.initrd ? ` + ${x.initrd.ref}` : ""}` : "zero-filled"];
  });
  const widths = [1, 4, 9, 8].map((w, c) => Math.max(w, ...rows.map((r) => r[c]!.length)));
  for (const r of [["#", "name", "first LBA", "size MiB", "contents"], ...rows]) {
    process.stdout.write(`${r[0]!.padStart(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}  ${r[3]!.padStart(widths[3]!)}  ${r[4]}\n`);
  }
  return 0;
}
