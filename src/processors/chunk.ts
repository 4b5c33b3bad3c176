import { InvalidInputError } from '../core/errors.js';
import type { ProcessorDefinition } from '../plugins/plugin-api.js';
import { chunkText } from './chunk-text.js';
import type { ChunkOptions } from './chunk-text.js';
import { baseNameOf, textUnit } from './derived-text.js';
import { readDocument } from './extract-document.js';

/** The defaults: about a page of text, with a sentence or two carried over. */
export const DEFAULT_MAX_CHARS = 2000;
export const DEFAULT_OVERLAP = 200;

/** The step's `maxChars` and `overlap`, checked: the engine checks types, not ranges. */
function chunkOptions(parameters: Readonly<Record<string, unknown>>): ChunkOptions {
  const maxChars = parameters.maxChars ?? DEFAULT_MAX_CHARS;
  const overlap = parameters.overlap ?? DEFAULT_OVERLAP;
  if (typeof maxChars !== 'number' || !Number.isInteger(maxChars) || maxChars < 2) {
    throw new InvalidInputError(
      `Parameter maxChars of chunk is ${JSON.stringify(maxChars)}: give a whole number of characters of at least 2.`,
    );
  }
  if (
    typeof overlap !== 'number' ||
    !Number.isInteger(overlap) ||
    overlap < 0 ||
    overlap >= maxChars
  ) {
    throw new InvalidInputError(
      `Parameter overlap of chunk is ${JSON.stringify(overlap)}: give a whole number of characters from 0 to less than maxChars (${maxChars}).`,
    );
  }
  return { maxChars, overlap };
}

/**
 * `chunk`: splits a unit's text into derived units `<name>.chunk-<n>.txt` (n from 1) of at most
 * `maxChars` characters, cut at paragraph, sentence or word boundaries, each repeating up to
 * `overlap` characters of the one before, for retrieval and for models with a small context.
 */
export const chunk: ProcessorDefinition = {
  version: '1.0.0',
  description: 'Splits a unit’s text into overlapping chunks at paragraph and sentence boundaries.',
  parameters: {
    maxChars: {
      type: 'number',
      default: DEFAULT_MAX_CHARS,
      description: 'Most characters in one chunk.',
    },
    overlap: {
      type: 'number',
      default: DEFAULT_OVERLAP,
      description: 'Most characters a chunk repeats from the end of the previous one.',
    },
  },
  async run(input, ctx) {
    const options = chunkOptions(input.parameters);
    const document = await readDocument(input, ctx.signal);
    const chunks = chunkText(document.text, options);
    const name = baseNameOf(input.unit);
    return {
      derived: chunks.map((text, index) => textUnit(`${name}.chunk-${index + 1}.txt`, text)),
      metadata: { chunks: chunks.length, ...options },
    };
  },
};
