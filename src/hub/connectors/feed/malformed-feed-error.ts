import { InvalidInputError } from '../../../core/errors.js';

/** A feed document as a whole cannot be read (not well-formed XML or JSON, or not a feed). */
export class MalformedFeedError extends InvalidInputError {
  readonly url: string;
  constructor(url: string, problem: string, options?: { cause?: unknown }) {
    super(
      `The feed at ${url} ${problem}: check the URL, or ask the feed's publisher to fix it.`,
      options,
    );
    this.url = url;
  }
}
