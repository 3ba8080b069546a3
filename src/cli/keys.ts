// `bulkhead keys generate`: a new Ed25519 key pair for signing image bundles. The private
// key is written readable by its owner only (0600); the public key is what a system
// description lists in board.trusted_keys. The work is in src/rootos/trust.
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPair } from "../rootos/trust/index.js";
import { parseOptions } from "./args.js";
import { CliError, usageError } from "./cli-error.js";

export const KEYS_HELP = `usage: bulkhead keys generate --out DIR|FILE [--name NAME] [--force]

Make an Ed25519 key pair (Node's crypto) for signing image bundles (bulkhead image sign):
the private key as PEM (PKCS#8), readable by its owner only (mode 0600), and the public
key as PEM (SPKI), which a system description lists in board.trusted_keys. Both are the
formats OpenSSL reads (openssl pkey -in FILE -text).

  --out DIR    write DIR/NAME.key and DIR/NAME.pub (DIR is made if it ends in /)
  --out FILE   write FILE and FILE.pub (FILE.key: FILE.pub, the .key replaced)
  --name NAME  the file name in DIR (default: bulkhead)
  --force      replace existing files
  -h, --help   this text
`;

export interface KeysIo { readonly out: { write(s: string): unknown } }

/** `bulkhead keys ...`; resolves to the exit status. */
export async function keysCommand(argv: readonly string[], io: KeysIo = { out: process.stdout }): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") { io.out.write(KEYS_HELP); return 0; }
  if (sub !== "generate") throw usageError(`keys: ${sub === undefined ? "missing subcommand" : `unknown subcommand '${sub}'`}: the one subcommand is generate (see bulkhead keys --help)`);
  const r = parseOptions("keys generate", rest, { out: { type: "string" }, name: { type: "string" }, force: { type: "boolean" } }, KEYS_HELP, io.out);
  if (!r) return 0;
  const out = r.values.out as string | undefined;
  if (out === undefined || out === "") throw usageError("keys generate: --out DIR|FILE is required (see bulkhead keys --help)");
  if (r.positionals.length > 0) throw usageError(`keys generate: unexpected argument '${r.positionals[0]}' (see bulkhead keys --help)`);
  const name = (r.values.name as string | undefined) ?? "bulkhead";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw usageError(`keys generate: --name '${name}' is not a file name (letters, digits, '.', '_', '-')`);
  const isDir = out.endsWith("/") || (existsSync(out) && statSync(out).isDirectory());
  if (!isDir && r.values.name !== undefined) throw usageError("keys generate: --name goes with --out DIR, not a file");
  if (out.endsWith("/")) mkdirSync(out, { recursive: true });
  const privPath = isDir ? join(out, `${name}.key`) : out;
  const pubPath = isDir ? join(out, `${name}.pub`) : `${out.replace(/\.key$/, "")}.pub`;
  const force = r.values.force === true;
  for (const p of [privPath, pubPath]) if (!force && existsSync(p)) throw new CliError(`keys generate: ${p} exists (use --force to replace it)`);
  const pair = generateKeyPair();
  try {
    writeFileSync(privPath, pair.privatePem, { mode: 0o600, flag: force ? "w" : "wx" });
    chmodSync(privPath, 0o600); // an existing file keeps its mode when replaced
    writeFileSync(pubPath, pair.publicPem, { mode: 0o644, flag: force ? "w" : "wx" });
  } catch (e) {
    throw new CliError(`keys generate: cannot write ${privPath}: ${(e as Error).message}`);
  }
  io.out.write(`private key: ${privPath} (mode 0600: keep it secret)\npublic key:  ${pubPath}\nkey id:      ${pair.id}\n`);
  return 0;
}
