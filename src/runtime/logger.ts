import { pino } from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';

/** How log lines are written: one JSON object each, or readable text for a person. */
export type LogFormat = 'json' | 'pretty';

/** What decides the format of a node's log (see {@link chooseLogFormat}). */
export interface LogFormatInputs {
  /** `--json` was given: everything the command prints is for a program. */
  readonly json: boolean;
  /** `log.format` from the configuration, when set. */
  readonly configured?: LogFormat | undefined;
  readonly stdout: { readonly isTTY?: boolean };
  readonly stderr: { readonly isTTY?: boolean };
}

/**
 * The log format of `cim up` and `cim serve`: JSON with `--json`, else the configured one, else
 * readable only when both stdout and stderr (where the log goes) are a terminal. Output piped to
 * a program or a file stays JSON, which log collectors (journald, Loki) parse.
 */
export function chooseLogFormat(inputs: LogFormatInputs): LogFormat {
  if (inputs.json) return 'json';
  if (inputs.configured !== undefined) return inputs.configured;
  return inputs.stdout.isTTY === true && inputs.stderr.isTTY === true ? 'pretty' : 'json';
}

/** A logger on stderr, so stdout stays free for command output; JSON unless asked otherwise. */
export function createLogger(level: string, name = 'cim', format: LogFormat = 'json'): Logger {
  if (format === 'json') return pino({ name, level }, pino.destination(2));
  // Synchronous, in this thread: a person reads it, and lines must not be lost on exit.
  return pino({ name, level }, pretty({ destination: 2, sync: true, colorize: true }));
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
