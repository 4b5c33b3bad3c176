import { CimError, toCimError } from '../core/errors.js';

/** Options every command shares. */
export interface GlobalOptions {
  readonly json?: boolean;
  readonly debug?: boolean;
}

/** Prints one JSON document on stdout (the `--json` contract). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Exit code for an error: 2 for bad input or config (usage), 1 for everything else. */
export function exitCodeFor(err: CimError): number {
  return err.code === 'invalid_input' || err.code === 'invalid_config' ? 2 : 1;
}

/**
 * Reports a failure as one sentence on stderr (with the stack and causes under `--debug`) and
 * sets the exit code.
 */
export function reportError(err: unknown, debug: boolean): void {
  const cim = toCimError(err);
  process.stderr.write(`cim: ${cim.message}\n`);
  if (debug) {
    let cause: unknown = err;
    while (cause instanceof Error) {
      process.stderr.write(`${cause.stack ?? cause.message}\n`);
      cause = cause.cause;
    }
  }
  process.exitCode = exitCodeFor(cim);
}

/** `CimError` reconstructed from a problem document returned by a node. */
export function errorFromProblem(
  problem: { code?: string; detail?: string; title?: string },
  status: number,
): CimError {
  const code = (problem.code ?? (status === 404 ? 'not_found' : 'internal')) as CimError['code'];
  return new CimError(
    code,
    problem.detail ?? problem.title ?? `The node answered with HTTP ${status}.`,
  );
}
