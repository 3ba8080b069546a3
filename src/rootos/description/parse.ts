// YAML text to plain data, keeping the document so that a path in the data
// (`vms[1].cores[0]`) can be traced back to its line. YAML 1.2 core schema (so `on`,
// `yes`, `no` are strings), duplicate keys refused, aliases capped.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { PathSegment, Problem } from "./errors.js";

/** An issue before it is placed in the file (check.ts adds the line). */
export interface RawIssue {
  readonly path: readonly PathSegment[];
  readonly problem: Problem;
  /** Set when the finder knows it better than the path does (YAML syntax errors). */
  readonly line?: number;
}

export interface ParsedYaml {
  /** The data (undefined when the YAML itself is broken: see issues). */
  readonly value: unknown;
  readonly issues: readonly RawIssue[];
  /** The line of the node at `path`, or of its nearest ancestor that exists. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

/** Parse one YAML document. Syntax errors come back as issues, never thrown. */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, version: "1.2" });
  const lineAt = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  const lineOf = (path: readonly PathSegment[]): number | undefined => locate(doc, path, lineAt);
  const syntax = doc.errors.map((e): RawIssue => ({
    path: [],
    problem: { kind: "Yaml", message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "") },
    ...(e.linePos ? { line: e.linePos[0].line } : {}),
  }));
  if (syntax.length > 0) return { value: undefined, issues: syntax, lineOf };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), issues: [], lineOf };
  } catch (e) {
    return { value: undefined, issues: [{ path: [], problem: { kind: "Yaml", message: (e as Error).message } }], lineOf };
  }
}

function locate(doc: Document, path: readonly PathSegment[], lineAt: (node: unknown) => number | undefined): number | undefined {
  let node: unknown = doc.contents;
  let line = lineAt(node);
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) return line;
      line = lineAt(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (item === undefined) return line;
      line = lineAt(item) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}
