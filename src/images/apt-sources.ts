// The host's apt sources: where this machine already gets Debian from. We read them
// (never write them) to find the Debian archive mirror, then point a private apt at
// that mirror's `stable` suite for riscv64. Formats: sources.list(5), both the
// one-line style (sources.list, *.list) and deb822 (*.sources).

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** One enabled "deb" source (a deb822 stanza yields one per URI). */
export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  /** keyring path(s) or an inline armored key, as written */
  signedBy?: string;
  /** file and line (1-based) it came from */
  origin: string;
}

/** A deb822 paragraph: lower-cased field name → value (continuation lines joined with "\n"). */
export type Deb822Stanza = Map<string, string>;

/** Parse deb822 text (apt sources, Packages, `apt-cache show` output) into paragraphs. */
export function parseDeb822(text: string): { fields: Deb822Stanza; line: number }[] {
  const out: { fields: Deb822Stanza; line: number }[] = [];
  let cur: Deb822Stanza | undefined;
  let last: string | undefined;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") { cur = undefined; last = undefined; continue; }
    if (line.startsWith("#")) continue;
    if (/^[ \t]/.test(line)) {
      if (cur !== undefined && last !== undefined) {
        const t = line.trim();
        cur.set(last, cur.get(last)! + "\n" + (t === "." ? "" : t));
      }
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    if (cur === undefined) { cur = new Map(); out.push({ fields: cur, line: i + 1 }); }
    last = line.slice(0, colon).trim().toLowerCase();
    cur.set(last, line.slice(colon + 1).trim());
  }
  return out;
}

const words = (s: string | undefined) => (s ?? "").split(/\s+/).filter((w) => w !== "");

/** Sources from a deb822 *.sources file; disabled stanzas and non-"deb" types are skipped. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const { fields, line } of parseDeb822(text)) {
    if (!words(fields.get("types")).includes("deb")) continue;
    if (/^(no|false|0)$/i.test(fields.get("enabled") ?? "yes")) continue;
    const signedBy = fields.get("signed-by");
    for (const uri of words(fields.get("uris"))) {
      out.push({
        uri, suites: words(fields.get("suites")), components: words(fields.get("components")),
        ...(signedBy ? { signedBy } : {}), origin: `${file}:${line}`,
      });
    }
  }
  return out;
}

/** Sources from one-line style text: `deb [opt=val ...] URI SUITE [COMPONENT...]`. */
export function parseOneLineSources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/#.*$/, "").trim();
    if (!line.startsWith("deb")) continue;
    const type = line.split(/[\s[]/, 1)[0];
    if (type !== "deb") continue;
    line = line.slice(3).trim();
    const opts = new Map<string, string>();
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) continue;
      for (const o of words(line.slice(1, end))) {
        const eq = o.indexOf("=");
        if (eq > 0) opts.set(o.slice(0, eq).toLowerCase(), o.slice(eq + 1));
      }
      line = line.slice(end + 1).trim();
    }
    const [uri, suite, ...components] = words(line);
    if (uri === undefined || suite === undefined) continue;
    const signedBy = opts.get("signed-by");
    out.push({
      uri, suites: [suite], components, ...(signedBy ? { signedBy } : {}),
      origin: `${file}:${i + 1}`,
    });
  }
  return out;
}

/** Where apt reads sources on this host (Dir::Etc defaults). */
export interface HostSourceFiles {
  main: string;
  parts: string;
}
export const HOST_SOURCE_FILES: HostSourceFiles = { main: "/etc/apt/sources.list", parts: "/etc/apt/sources.list.d" };

/** Read every source file the host's apt reads; returns the sources and the files read. */
export function readHostSources(files: HostSourceFiles = HOST_SOURCE_FILES): { sources: AptSource[]; read: string[] } {
  const sources: AptSource[] = [];
  const read: string[] = [];
  if (existsSync(files.main)) {
    sources.push(...parseOneLineSources(readFileSync(files.main, "utf8"), files.main));
    read.push(files.main);
  }
  if (existsSync(files.parts)) {
    for (const name of readdirSync(files.parts).sort()) {
      const p = join(files.parts, name);
      if (name.endsWith(".sources")) sources.push(...parseDeb822Sources(readFileSync(p, "utf8"), p));
      else if (name.endsWith(".list")) sources.push(...parseOneLineSources(readFileSync(p, "utf8"), p));
      else continue;
      read.push(p);
    }
  }
  return { sources, read };
}

/** Debian release names and aliases: a source with one of these suites is the Debian archive itself. */
export const DEBIAN_SUITES: readonly string[] = [
  "stable", "oldstable", "oldoldstable", "testing", "unstable", "sid", "experimental",
  "buster", "bullseye", "bookworm", "trixie", "forky", "duke",
];

/**
 * The host's Debian archive: the first "deb" source with component main whose suite
 * is a Debian release (not -security, -updates or -backports, which live elsewhere or
 * carry only part of the archive). Sources signed by another archive's key are skipped.
 */
export function pickDebianSource(sources: readonly AptSource[]): AptSource | undefined {
  const debianKey = (s: AptSource) => s.signedBy === undefined || /debian-archive/.test(s.signedBy);
  return sources.find((s) =>
    s.components.includes("main") &&
    s.suites.some((suite) => DEBIAN_SUITES.includes(suite)) &&
    debianKey(s) &&
    !s.uri.startsWith("cdrom:"));
}

/** A deb822 stanza for our private apt: `source`'s URI and key, `suite`, component main. */
export function formatSourcesStanza(source: AptSource, suite: string): string {
  const lines = [
    `# Written by bulkhead images fetch from ${source.origin}`,
    "Types: deb",
    `URIs: ${source.uri}`,
    `Suites: ${suite}`,
    "Components: main",
  ];
  if (source.signedBy !== undefined) {
    const [first, ...rest] = source.signedBy.split("\n");
    lines.push(`Signed-By:${first ? " " + first : ""}`, ...rest.map((l) => ` ${l === "" ? "." : l}`));
  }
  return lines.join("\n") + "\n";
}
