import { InvalidInputError } from '../../core/errors.js';

/** A unit's bytes do not hold what its media type promises (malformed PDF, JSON or CSV). */
export class MalformedContentError extends InvalidInputError {
  readonly mediaType: string;
  constructor(mediaType: string, reason: string, options?: { cause?: unknown }) {
    super(
      `The unit's content is not valid ${mediaType} (${reason}): check the file or correct its media type.`,
      options,
    );
    this.mediaType = mediaType;
  }
}
