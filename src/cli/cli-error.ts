// The CLI's error: a one-line message and the exit status it maps to. Usage mistakes
// (unknown option, bad value) exit 2; host-side problems (missing file) exit 1.

export class CliError extends Error {
  constructor(
    message: string,
    readonly status: 1 | 2 = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A command-line mistake: exit status 2. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
