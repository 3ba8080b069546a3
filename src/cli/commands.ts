// The one table of bulkhead verbs: `bulkhead <name> ...` runs `run(argv)` and exits with
// the status it returns. One file per verb; add a row here to add a verb.
import { diskCommand } from "./disk.js";
import { imagesCommand } from "./images.js";
import { runCommand, RUN_HELP } from "./run.js";
import { validateCommand, VALIDATE_HELP } from "./validate.js";

export interface Command {
  readonly name: string;
  /** One line for `bulkhead --help`. */
  readonly summary: string;
  /** Full text for `bulkhead <name> --help`. */
  readonly help: string;
  /** Run with the arguments after the verb; resolves to the exit status. Throws CliError and module errors. */
  run(argv: readonly string[]): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  { name: "run", summary: "boot a virtual machine (the Debian kernel by default) on this terminal", help: RUN_HELP, run: runCommand },
  imagesCommand,
  { name: "validate", summary: "check a system description (YAML) and print its partition plan", help: VALIDATE_HELP, run: (argv) => validateCommand(argv) },
  diskCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
