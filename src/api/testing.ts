// For the API's tests: a strict reader of the Prometheus text exposition format 0.0.4
// (prometheus.io/docs/instrumenting/exposition_formats), as promtool would check it.
// Every line must be a HELP, a TYPE or a sample; a family's HELP and TYPE come once,
// before its samples; its samples are together; no series is given twice.

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = "(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[-+]Inf|NaN)";
const HELP_LINE = new RegExp(`^# HELP (${NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (${VALUE})(?: -?\\d+)?$`);

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

/** Parse `text`; throws naming the line for anything out of format. */
export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const types = new Map<string, string>(), help = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>(), done = new Set<string>();
  let current: string | undefined;
  const enter = (family: string, n: number): void => {
    if (family === current) return;
    if (done.has(family)) throw new Error(`line ${n}: family ${family} continues after another family`);
    if (current !== undefined) done.add(current);
    current = family;
  };
  text.slice(0, -1).split("\n").forEach((line, i) => {
    const n = i + 1;
    let m: RegExpExecArray | null;
    if ((m = HELP_LINE.exec(line))) {
      if (help.has(m[1]!)) throw new Error(`line ${n}: a second HELP for ${m[1]}`);
      enter(m[1]!, n);
      help.set(m[1]!, m[2]!);
    } else if ((m = TYPE_LINE.exec(line))) {
      if (types.has(m[1]!)) throw new Error(`line ${n}: a second TYPE for ${m[1]}`);
      if (samples.some((s) => s.name === m![1])) throw new Error(`line ${n}: TYPE for ${m[1]} after its samples`);
      enter(m[1]!, n);
      types.set(m[1]!, m[2]!);
    } else if ((m = SAMPLE_LINE.exec(line))) {
      const name = m[1]!;
      // A histogram's samples are its family's name with _bucket, _sum or _count.
      const base = name.replace(/_(bucket|sum|count)$/, "");
      const family = types.get(base) === "histogram" ? base : name;
      enter(family, n);
      if (!types.has(family)) throw new Error(`line ${n}: sample of ${name} without a TYPE line before it`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        if (l[1]! in labels) throw new Error(`line ${n}: label ${l[1]} twice`);
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      }
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`line ${n}: series given twice: ${line}`);
      seen.add(key);
      samples.push({ name, labels, value: m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]) });
    } else {
      throw new Error(`line ${n}: not in the exposition format: ${JSON.stringify(line)}`);
    }
  });
  return { types, help, samples };
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function sampleValue(e: Exposition, name: string, labels: Readonly<Record<string, string>>): number {
  const found = e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`);
  return found[0]!.value;
}
