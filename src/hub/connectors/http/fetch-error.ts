import { CimError } from '../../../core/errors.js';
import type { ErrorCode } from '../../../core/errors.js';

/** Why a fetch failed. */
export type FetchFailure =
  'network' | 'timeout' | 'too-large' | 'redirect' | 'status' | 'disallowed';

const CODES: Record<FetchFailure, ErrorCode> = {
  network: 'unavailable',
  timeout: 'unavailable',
  'too-large': 'too_large',
  redirect: 'invalid_input',
  status: 'unavailable',
  disallowed: 'forbidden',
};

/**
 * A fetch of one URL failed; the message is one sentence naming the URL. Connectors record it
 * as that item's failure, or throw it when the URL is the source as a whole.
 */
export class FetchError extends CimError {
  readonly failure: FetchFailure;
  readonly url: string;
  /** The HTTP status, for `status` failures. */
  readonly status: number | undefined;
  constructor(
    failure: FetchFailure,
    url: string,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(CODES[failure], message, options?.cause === undefined ? {} : { cause: options.cause });
    this.failure = failure;
    this.url = url;
    this.status = options?.status;
  }
}
