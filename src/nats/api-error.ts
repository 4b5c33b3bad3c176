import { JetStreamApiError } from '@nats-io/jetstream';

export { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

/**
 * True when `err` is a refusal by the JetStream API with error code `code` (one of the client's
 * `JetStreamApiCodes`, e.g. `StreamWrongLastSequence`, 10071). Every refusal CIM sees is a
 * `JetStreamApiError`, whether the client's own call or CIM's publisher received it, so this is
 * the one way the code tells refusals apart.
 */
export function isApiError(err: unknown, code: number): err is JetStreamApiError {
  return err instanceof JetStreamApiError && err.code === code;
}
