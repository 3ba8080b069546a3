// `bulkhead image sign|verify|inspect`: signed image bundles. sign puts a VM's boot
// images (firmware, bootloader, kernel, initrd, dtb) and a manifest into one bundle
// signed with an Ed25519 key; verify checks one as the RootOS does before it boots it;
// inspect prints the manifest. The format is src/images/bundle.ts, the checks
// src/rootos/trust.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { isLinuxImage } from "../boot/linux-image.js";
import { FDT_MAGIC } from "../boot/fdt.js";
import { BundleError, parseBundle, type Role, ROLES } from "../images/bundle.js";
import { formatBytes } from "../images/progress.js";
import { readKeyDir, readPrivateKey, readPublicKey, signBundle, TrustError, type TrustedKey, verifyBundle } from "../rootos/trust/index.js";
import { parseOptions } from "./args.js";
import { CliError, usageError } from "./cli-error.js";

export const IMAGE_HELP = `usage: bulkhead image <sign|verify|inspect> [options]

Signed image bundles: a VM's boot images and a manifest (each file's role, name, size and
SHA-256, the target VM, a version) in one file, signed with Ed25519 over the manifest.
A system description boots one with boot: { bundle: FILE }; with board secure_boot the
RootOS boots nothing else. Format: docs/secure-boot.md.

  sign      make a bundle:    --key KEY --target VM --version N [--out BUNDLE] [ROLE=]FILE...
  verify    check a bundle:   --key PUB | --keys DIR [--target VM] [--min-version N] BUNDLE
  inspect   print its manifest (nothing is verified): BUNDLE [--json]

Run 'bulkhead image SUBCOMMAND --help' for a subcommand's options.
`;

const SIGN_HELP = `usage: bulkhead image sign --key KEY --target VM --version N [--out BUNDLE] [--flag NAME=VALUE]... [ROLE=]FILE...

Put FILEs into one bundle for VM, signed with the Ed25519 private KEY (bulkhead keys
generate). Each FILE's role is ${ROLES.join(", ")}: given as ROLE=FILE, or told from the
file (a RISC-V Linux Image is a kernel, a device tree blob a dtb, a gzip or cpio archive
an initrd; fw_*/opensbi names are firmware, u-boot names the bootloader).

  --key KEY         the private key (PEM)
  --target VM       the VM the images are for
  --version N       a whole number; anti-rollback refuses a bundle older than the installed one
  --out BUNDLE      where to write (default: VM-vN.bundle)
  --flag NAME=VALUE a word for the RootOS, e.g. restart=system (repeatable)
  --force           replace BUNDLE if it exists
  -h, --help        this text
`;

const VERIFY_HELP = `usage: bulkhead image verify (--key PUB | --keys DIR)... [--target VM] [--min-version N] BUNDLE

Check BUNDLE as the RootOS does before it boots it: its structure and end marker, the
signature against the trusted public keys, the target VM, the version, and each file's
SHA-256. Prints each check; exits 1 with the reason at the first failure.

  --key PUB          a trusted public key (PEM; repeatable)
  --keys DIR         every DIR/*.pub, each named by its file name (repeatable)
  --target VM        the VM it must be for
  --min-version N    the lowest version accepted
  -h, --help         this text
`;

const INSPECT_HELP = `usage: bulkhead image inspect [--json] BUNDLE

Print a bundle's manifest: target, version, signing key id, flags, and each file's role,
name, size and SHA-256. Nothing is verified (use bulkhead image verify).

  --json      the manifest as JSON
  -h, --help  this text
`;

export interface ImageIo { readonly out: { write(s: string): unknown } }

/** `bulkhead image ...`; resolves to the exit status. */
export async function imageCommand(argv: readonly string[], io: ImageIo = { out: process.stdout }): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case "sign": return sign(rest, io);
      case "verify": return verify(rest, io);
      case "inspect": return inspect(rest, io);
      case "-h": case "--help": case "help": io.out.write(IMAGE_HELP); return 0;
      default: throw usageError(`image: ${sub === undefined ? "missing subcommand" : `unknown subcommand '${sub}'`}: sign, verify or inspect (see bulkhead image --help)`);
    }
  } catch (e) {
    if (e instanceof TrustError || e instanceof BundleError) throw new CliError(`image ${sub}: ${e.message}`);
    throw e;
  }
}

function sign(args: readonly string[], io: ImageIo): number {
  const r = parseOptions("image sign", args, {
    key: { type: "string" }, target: { type: "string" }, version: { type: "string" }, out: { type: "string" },
    flag: { type: "string", multiple: true }, force: { type: "boolean" },
  }, SIGN_HELP, io.out);
  if (!r) return 0;
  const v = r.values as { key?: string; target?: string; version?: string; out?: string; flag?: string[]; force?: boolean };
  for (const k of ["key", "target", "version"] as const) if (v[k] === undefined) throw usageError(`image sign: --${k} is required (see bulkhead image sign --help)`);
  const version = parseVersion("image sign", "--version", v.version!);
  if (r.positionals.length === 0) throw usageError("image sign: no FILE to sign (see bulkhead image sign --help)");
  const flags: Record<string, string> = {};
  for (const f of v.flag ?? []) {
    const m = /^([^=]+)=(.*)$/.exec(f);
    if (!m) throw usageError(`image sign: --flag ${f}: write NAME=VALUE, e.g. restart=system`);
    flags[m[1]!] = m[2]!;
  }
  const key = readPrivateKey(v.key!);
  const files = r.positionals.map((arg) => {
    const m = /^([a-z]+)=(.+)$/.exec(arg);
    const role = m && (ROLES as readonly string[]).includes(m[1]!) ? (m[1] as Role) : undefined;
    const path = role ? m![2]! : arg;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      throw new CliError(`image sign: cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    }
    return { role: role ?? guessRole(path, bytes), name: basename(path), bytes };
  });
  const out = v.out ?? `${v.target}-v${version}.bundle`;
  if (!v.force && existsSync(out)) throw new CliError(`image sign: ${out} exists (use --force to replace it, or --out)`);
  const bundle = signBundle({ target: v.target!, version, files, flags }, key);
  writeFileSync(out, bundle);
  const m = parseBundle(bundle, { exact: true }).manifest;
  io.out.write(`${out}: ${formatBytes(bundle.length)}, target ${m.target}, version ${m.version}, key ${m.keyId}\n`);
  for (const f of m.files) io.out.write(`  ${f.role.padEnd(10)} ${f.name} (${formatBytes(f.size)}) sha256 ${f.sha256}\n`);
  return 0;
}

/** A file's role from its bytes, then its name. */
function guessRole(path: string, bytes: Uint8Array): Role {
  const name = basename(path).toLowerCase();
  if (isLinuxImage(bytes)) return "kernel";
  if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) === FDT_MAGIC) return "dtb";
  if ((bytes[0] === 0x1f && bytes[1] === 0x8b) || new TextDecoder().decode(bytes.subarray(0, 6)) === "070701") return "initrd";
  if (/^fw_|opensbi/.test(name)) return "firmware";
  if (/u-?boot/.test(name)) return "bootloader";
  throw usageError(`image sign: cannot tell what ${path} is: write ROLE=${path} (roles: ${ROLES.join(", ")})`);
}

function verify(args: readonly string[], io: ImageIo): number {
  const r = parseOptions("image verify", args, {
    key: { type: "string", multiple: true }, keys: { type: "string", multiple: true }, target: { type: "string" }, "min-version": { type: "string" },
  }, VERIFY_HELP, io.out);
  if (!r) return 0;
  const v = r.values as { key?: string[]; keys?: string[]; target?: string; "min-version"?: string };
  const keys: TrustedKey[] = [
    ...(v.key ?? []).map((p) => readPublicKey(p, basename(p).replace(/\.pub$/, ""))),
    ...(v.keys ?? []).flatMap((d) => readKeyDir(d)),
  ];
  if (keys.length === 0) throw usageError("image verify: give the trusted keys with --key PUB or --keys DIR (see bulkhead image verify --help)");
  const file = onePositional("image verify", r.positionals);
  const min = v["min-version"] === undefined ? undefined : parseVersion("image verify", "--min-version", v["min-version"]);
  const bytes = readBundleFile("image verify", file);
  let checked;
  try {
    checked = verifyBundle(bytes, {
      keys, ...(v.target !== undefined ? { target: v.target } : {}),
      ...(min !== undefined ? { minVersion: { version: min, source: "minimum (--min-version)" } } : {}),
    }, { exact: true });
  } catch (e) {
    if (e instanceof TrustError || e instanceof BundleError) throw new CliError(`image verify: ${file}: ${e.message}`);
    throw e;
  }
  io.out.write(`${file}:\n${checked.checks.map((c) => `  ${c}\n`).join("")}verified\n`);
  return 0;
}

function inspect(args: readonly string[], io: ImageIo): number {
  const r = parseOptions("image inspect", args, { json: { type: "boolean" } }, INSPECT_HELP, io.out);
  if (!r) return 0;
  const file = onePositional("image inspect", r.positionals);
  let b;
  try {
    b = parseBundle(readBundleFile("image inspect", file), { exact: true });
  } catch (e) {
    if (e instanceof BundleError) throw new CliError(`image inspect: ${file}: ${e.message}`);
    throw e;
  }
  const m = b.manifest;
  if (r.values.json) { io.out.write(`${JSON.stringify(m, null, 2)}\n`); return 0; }
  const flags = Object.entries(m.flags).map(([k, x]) => `${k}: ${x}`).join(", ");
  io.out.write(`${file}: ${m.format} ${m.formatVersion}, ${formatBytes(b.length)} (not verified)\n`
    + `  target   ${m.target}\n  version  ${m.version}\n  key id   ${m.keyId}\n  flags    ${flags || "(none)"}\n`
    + m.files.map((f) => `  ${f.role.padEnd(10)} ${f.name} (${f.size} bytes) sha256 ${f.sha256}\n`).join(""));
  return 0;
}

function onePositional(command: string, positionals: readonly string[]): string {
  if (positionals.length !== 1) throw usageError(`${command}: give one BUNDLE${positionals.length > 1 ? `, not ${positionals.length}` : ""} (see bulkhead ${command} --help)`);
  return positionals[0]!;
}

function parseVersion(command: string, option: string, text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw usageError(`${command}: ${option} ${text}: not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  return n;
}

function readBundleFile(command: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`${command}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}
