import { InvalidInputError } from '../core/errors.js';

/**
 * A unit's media type is one no built-in processor can read text from. It is the unit that is
 * wrong for the step, not a passing fault, so retrying cannot help and the engine dead-letters it.
 */
export class UnsupportedMediaTypeError extends InvalidInputError {
  readonly mediaType: string;
  constructor(mediaType: string, what: string) {
    super(
      `Units of media type ${mediaType} hold no text the built-in processors can read: ${what}.`,
    );
    this.mediaType = mediaType;
  }
}
