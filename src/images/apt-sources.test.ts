import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  formatSourcesStanza, parseDeb822, parseDeb822Sources, parseOneLineSources, pickDebianSource, readHostSources,
} from "./apt-sources.js";
import { makeTempDir, writeTree } from "./testing.js";

// Synthetic mirrors use reserved example names, never a real host.
const DEB822 = `Types: deb
# a comment inside the stanza
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://off.example/debian
Suites: trixie
Components: main
Enabled: no
`;

const ONE_LINE = `# one-line style
deb http://mirror.example/debian bookworm main non-free-firmware
deb-src http://mirror.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://b.example/debian/ stable main # trailing
deb [signed-by=/etc/apt/keyrings/vendor.gpg] https://vendor.example/apt stable main
deb http://vendor2.example/linux/debian bookworm stable
`;

describe("host apt sources", () => {
  it("parses deb822 stanzas, one source per URI, skipping disabled ones", () => {
    const s = parseDeb822Sources(DEB822, "debian.sources");
    assert.equal(s.length, 2);
    assert.deepEqual(s[0], {
      uri: "http://mirror.example/debian", suites: ["bookworm", "bookworm-updates"], components: ["main", "contrib"],
      signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg", origin: "debian.sources:1",
    });
    assert.equal(s[1]!.uri, "http://mirror.example/debian-security");
    assert.equal(s[1]!.origin, "debian.sources:8");
  });

  it("keeps deb822 continuation lines (inline keys)", () => {
    const [p] = parseDeb822("Types: deb\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n");
    assert.equal(p!.fields.get("signed-by"), "\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc");
    const stanza = formatSourcesStanza({ uri: "http://m.example/debian", suites: [], components: [], signedBy: p!.fields.get("signed-by")!, origin: "x" }, "stable");
    assert.match(stanza, /\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n \.\n abc\n$/);
  });

  it("parses one-line sources with options and comments", () => {
    const s = parseOneLineSources(ONE_LINE, "sources.list");
    assert.deepEqual(s.map((x) => x.uri), [
      "http://mirror.example/debian", "http://b.example/debian/", "https://vendor.example/apt", "http://vendor2.example/linux/debian",
    ]);
    assert.deepEqual(s[0], { uri: "http://mirror.example/debian", suites: ["bookworm"], components: ["main", "non-free-firmware"], origin: "sources.list:2" });
    assert.equal(s[1]!.signedBy, "/usr/share/keyrings/debian-archive-keyring.gpg");
    assert.deepEqual(s[1]!.components, ["main"]);
  });

  it("picks the Debian archive, not security, vendors or disabled entries", () => {
    assert.equal(pickDebianSource(parseDeb822Sources(DEB822, "f"))!.uri, "http://mirror.example/debian");
    const oneLine = parseOneLineSources(ONE_LINE, "f");
    assert.equal(pickDebianSource(oneLine)!.uri, "http://mirror.example/debian");
    // vendor repositories: suite "stable" signed by another key; component "stable"
    assert.equal(pickDebianSource(oneLine.slice(2)), undefined);
    assert.equal(pickDebianSource(parseDeb822Sources(DEB822, "f").slice(1)), undefined);
    // an Ubuntu-style host has no Debian archive
    assert.equal(pickDebianSource(parseOneLineSources("deb http://ubuntu.example/ubuntu jammy main\n", "f")), undefined);
  });

  it("reads sources.list and sources.list.d in apt's order", () => {
    const root = makeTempDir();
    writeTree(root, {
      "sources.list": "deb http://first.example/debian trixie main\n",
      "sources.list.d/a.sources": DEB822,
      "sources.list.d/b.list": ONE_LINE,
      "sources.list.d/c.list.disabled": "deb http://no.example/debian sid main\n",
    });
    const { sources, read } = readHostSources({ main: join(root, "sources.list"), parts: join(root, "sources.list.d") });
    assert.deepEqual(read.map((p) => p.slice(root.length + 1)), ["sources.list", "sources.list.d/a.sources", "sources.list.d/b.list"]);
    assert.equal(sources.length, 1 + 2 + 4);
    assert.equal(pickDebianSource(sources)!.uri, "http://first.example/debian");
  });

  it("formats the private sources stanza for suite stable", () => {
    const text = formatSourcesStanza({ uri: "http://m.example/debian", suites: ["bookworm"], components: ["main"], signedBy: "/k.gpg", origin: "f:1" }, "stable");
    assert.equal(text, "# Written by bulkhead images fetch from f:1\nTypes: deb\nURIs: http://m.example/debian\nSuites: stable\nComponents: main\nSigned-By: /k.gpg\n");
  });
});
