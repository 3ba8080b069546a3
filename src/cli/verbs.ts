// The one table of bulkhead verbs: `bulkhead <name> ...` runs `run(argv)` and exits with
// the status it returns. One file per verb; add a row here to add a verb.
import { ctlCommand, CTL_HELP } from "./ctl.js";
import { imageCommand, IMAGE_HELP } from "./image.js";
import { diskCommand } from "./disk.js";
import { imagesCommand } from "./images.js";
import { keysCommand, KEYS_HELP } from "./keys.js";
import { runVerb, RUN_HELP } from "./run.js";
import { UP_HELP, upCommand } from "./up.js";
import { validateCommand, VALIDATE_HELP } from "./validate.js";

export interface Verb {
  readonly name: string;
  /** One line for `bulkhead --help`. */
  readonly summary: string;
  /** Full text for `bulkhead <name> --help`. */
  readonly help: string;
  /** Run with the arguments after the verb; resolves to the exit status. Throws CliError and module errors. */
  run(argv: readonly string[]): Promise<number>;
}

export const VERBS: readonly Verb[] = [
  { name: "up", summary: "bring up a whole system from its description, with the RootOS shell", help: UP_HELP, run: upCommand },
  { name: "ctl", summary: "run a command against a running 'bulkhead up' (its management API), attach to a console", help: CTL_HELP, run: ctlCommand },
  { name: "validate", summary: "check a system description (YAML) and print its partition plan", help: VALIDATE_HELP, run: (argv) => validateCommand(argv) },
  { name: "run", summary: "boot a virtual machine (the Debian kernel by default) on this terminal", help: RUN_HELP, run: runVerb },
  imagesCommand,
  diskCommand,
  { name: "keys", summary: "make an Ed25519 key pair for signing image bundles", help: KEYS_HELP, run: (argv) => keysCommand(argv) },
  { name: "image", summary: "sign, verify and inspect signed image bundles (secure boot)", help: IMAGE_HELP, run: (argv) => imageCommand(argv) },
];

export function findVerb(name: string): Verb | undefined {
  return VERBS.find((c) => c.name === name);
}
