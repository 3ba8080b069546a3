// The Bulkhead process of up-bench (test/perf/up-bench.ts), one per run:
//   node dist/test/perf/up-system.js FILE LOG
// does what `bulkhead up FILE --headless --api off --log LOG` does (check the description,
// create its board disks, start the supervisor, boot every autostart VM, print the events
// on stdout) and also reads every VM's serial console from before the first VM starts:
// each time a console reaches a mark (console-marks.ts) it prints "up-bench mark VM MARK",
// which the bench times from its spawn of this process, as a user's clock would run from
// typing the command. What it does not do that `bulkhead up` does: load the CLI's command
// table and the RootOS shell's modules (headless does not use them).
// SIGTERM stops every VM hard and exits (the bench is done with the system).
import { createMissingDisks } from "../../src/rootos/board/disks.js";
import { DescriptionEditor } from "../../src/rootos/description/index.js";
import { formatLogEntry, Supervisor } from "../../src/rootos/supervisor/index.js";
import { ConsoleMarks, FAILED_PREFIX, MARK_PREFIX, MODULES_PREFIX } from "./console-marks.js";

async function main(file: string, log: string): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const editor = await DescriptionEditor.open(file);
  const plan = editor.loaded.plan;
  createMissingDisks(plan.board);
  const sup = new Supervisor(plan, { editor, eventLog: log });
  sup.onEvent((e) => say(formatLogEntry(e)));
  for (const vm of sup.names()) {
    const marks = new ConsoleMarks();
    sup.attachConsole(vm, {
      write: (bytes) => {
        const hadModules = marks.modules !== undefined;
        for (const m of marks.feed(bytes)) say(`${MARK_PREFIX}${vm} ${m}`);
        if (!hadModules && marks.modules !== undefined) say(`${MODULES_PREFIX}${vm} ${marks.modules}`);
      },
    }, { replay: false });
  }
  process.once("SIGTERM", () => { void sup.close().then(() => process.exit(0)); });
  for (const r of await sup.up()) if (!r.ok) say(`${FAILED_PREFIX}${r.vm}: ${r.error}`);
}

const [file, log] = process.argv.slice(2);
if (file === undefined || log === undefined) {
  process.stderr.write("usage: node dist/test/perf/up-system.js FILE LOG (run by up-bench)\n");
  process.exit(2);
}
main(file, log).catch((e: unknown) => {
  process.stderr.write(`up-system: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
