import { pino } from 'pino';
import type { Logger } from 'pino';

/** A JSON logger on stderr, so stdout stays free for command output. */
export function createLogger(level: string, name = 'cim'): Logger {
  return pino({ name, level }, pino.destination(2));
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
