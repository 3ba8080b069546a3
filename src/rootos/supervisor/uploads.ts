// Boot images uploaded with `create` (`bulkhead ctl create NAME kernel=@FILE`, the shell's
// `kernel=@FILE`, or the API's multipart POST /v1/vms): the bytes come with the command,
// from wherever it was typed, and the RootOS keeps them in its state directory, one
// directory per created VM (`uploads/NAME-XXXXXX/`, made afresh), each file named by its
// role and its own name with anything but letters, digits, `.`, `_` and `-` replaced. The
// description then names those files, so the images go through the checks and the
// verified boot of any other file (loose files refused under secure_boot; a bundle
// verified at each start). A create that is refused leaves nothing behind; a created VM's
// files go when the RootOS stops, as the VM does (created VMs live in its memory only).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FILE_KEYS } from "../description/index.js";
import { errnoText, RootosError } from "./errors.js";

/** The largest boot image `create` takes (a kernel, an initrd, a bundle). */
export const MAX_UPLOAD_IMAGE_BYTES = 256 << 20;

/** A file's bytes that came with a command, and the name it had there. */
export class Upload {
  constructor(readonly bytes: Uint8Array, readonly name: string) {}

  /** How the event log writes it: the name and size, not the bytes. */
  toJSON(): string { return `@${this.name} (${this.bytes.length} bytes)`; }
}

type Data = Record<string, unknown>;

/** A create's uploads, written: the spec naming the files, and what becomes of them. */
export interface Staged {
  readonly spec: Data;
  /** The create was refused: remove the files. */
  discard(): Promise<void>;
  /** The create was made: the files stay until close(). */
  keep(): void;
}

export class UploadStore {
  private readonly kept: string[] = [];

  /** `dir`: where uploads go (undefined: this RootOS takes none, and says so). */
  constructor(private readonly dir: string | undefined, private readonly maxBytes = MAX_UPLOAD_IMAGE_BYTES) {}

  /**
   * Write the uploads in `spec` (a create's VM, boot keys at the top or under boot), each
   * replaced by its file's path. BadArgument for an upload anywhere else, or too big.
   */
  async stage(vm: string, spec: Data): Promise<Staged> {
    const found: { at: Data; key: string; up: Upload }[] = [];
    const boot = isData(spec.boot) ? { ...spec.boot } : undefined;
    const next: Data = { ...spec, ...(boot ? { boot } : {}) };
    for (const at of boot ? [next, boot] : [next]) {
      for (const [key, v] of Object.entries(at)) {
        if (!(v instanceof Upload)) continue;
        if (!FILE_KEYS.includes(key)) refuse(`${key}=@${v.name}`, `only a boot image can be uploaded (${FILE_KEYS.join(", ")})`);
        if (v.bytes.length > this.maxBytes) refuse(`${key}=@${v.name}`, `${v.bytes.length} bytes, more than the ${this.maxBytes} a boot image may have`);
        if (v.bytes.length === 0) refuse(`${key}=@${v.name}`, "the file is empty");
        if (found.some((f) => f.key === key)) refuse(`${key}=@${v.name}`, `${key} is given twice (at the top and under boot)`);
        found.push({ at, key, up: v });
      }
    }
    const stray = findUpload(next, found.map((f) => f.up));
    if (stray) refuse(`${stray.path}=@${stray.up.name}`, `only a boot image can be uploaded (${FILE_KEYS.join(", ")})`);
    if (found.length === 0) return { spec, discard: async () => {}, keep: () => {} };
    if (!this.dir) throw new RootosError({ kind: "BadArgument", command: "create", argument: `${found[0]!.key}=@${found[0]!.up.name}`, why: "this RootOS keeps no uploads (it has no state directory)" });
    const cannot = (e: unknown): RootosError => new RootosError({ kind: "Refused", command: "create", reasons: [`the uploads cannot be kept in ${this.dir}: ${errnoText(e)}`] });
    let home: string;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      home = await mkdtemp(join(this.dir, `${safeName(vm)}-`));
    } catch (e) {
      throw cannot(e);
    }
    const discard = () => rm(home, { recursive: true, force: true });
    try {
      for (const f of found) {
        const path = join(home, `${f.key}-${safeName(f.up.name)}`);
        await writeFile(path, f.up.bytes, { flag: "wx", mode: 0o600 });
        f.at[f.key] = path;
      }
    } catch (e) {
      await discard();
      throw cannot(e);
    }
    return { spec: next, discard, keep: () => { this.kept.push(home); } };
  }

  /** Remove the files of every VM created since the RootOS started. */
  async close(): Promise<void> {
    await Promise.all(this.kept.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** `name`'s last component, as a file name of letters, digits, `.`, `_` and `-` (not starting with a dot), at most 64 characters. */
export function safeName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? "";
  const safe = last.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "").slice(0, 64);
  return safe === "" ? "image" : safe;
}

function isData(v: unknown): v is Data {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Upload);
}

/** An upload in `v` that is not one of `allowed`, with its key path. */
function findUpload(v: unknown, allowed: readonly Upload[], path = ""): { path: string; up: Upload } | undefined {
  if (v instanceof Upload) return allowed.includes(v) ? undefined : { path, up: v };
  if (typeof v !== "object" || v === null) return undefined;
  for (const [k, x] of Object.entries(v)) {
    const hit = findUpload(x, allowed, path ? `${path}.${k}` : k);
    if (hit) return hit;
  }
  return undefined;
}

function refuse(argument: string, why: string): never {
  throw new RootosError({ kind: "BadArgument", command: "create", argument, why });
}
