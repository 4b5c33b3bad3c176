/** How to cut text into chunks. */
export interface ChunkOptions {
  /** Most characters (UTF-16 code units) in one chunk. */
  readonly maxChars: number;
  /** Most characters a chunk repeats from the end of the one before, so context is not lost. */
  readonly overlap: number;
}

const sentences = new Intl.Segmenter('und', { granularity: 'sentence' });

/** Offsets where a match of `pattern` ends: where the next paragraph or word starts. */
function endsOf(text: string, pattern: RegExp): number[] {
  return [...text.matchAll(pattern)].map((match) => match.index + match[0].length);
}

/** Offsets where sentences start, by Unicode sentence boundaries (UAX #29). */
function sentenceStarts(text: string): number[] {
  return [...sentences.segment(text)].map((segment) => segment.index).filter((index) => index > 0);
}

/** Index of the first offset in the sorted `offsets` that is at least `value`. */
function firstAtLeast(offsets: readonly number[], value: number): number {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (offsets[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The largest offset in `offsets` within [low, high], or undefined. */
function largestWithin(offsets: readonly number[], low: number, high: number): number | undefined {
  const candidate = offsets[firstAtLeast(offsets, high + 1) - 1];
  return candidate !== undefined && candidate >= low ? candidate : undefined;
}

/** The smallest offset in `offsets` within [low, high], or undefined. */
function smallestWithin(offsets: readonly number[], low: number, high: number): number | undefined {
  const candidate = offsets[firstAtLeast(offsets, low)];
  return candidate !== undefined && candidate <= high ? candidate : undefined;
}

/** First offset at or after `from` that is not whitespace, so no chunk starts with blanks. */
function skipSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && /\s/.test(text[at]!)) at += 1;
  return at;
}

/**
 * Cuts `text` into chunks of at most `maxChars` characters, each cut at the best boundary in
 * reach: a paragraph break, else a sentence end, else a space, else (a word longer than a chunk)
 * anywhere. A better kind of boundary wins only if it falls in the second half of the chunk, so
 * one short paragraph does not make a tiny chunk. Each chunk after the first starts up to `overlap` characters
 * before the previous one ended, at a sentence or word start, and always ends later than it did.
 */
export function chunkText(text: string, options: ChunkOptions): string[] {
  const { maxChars, overlap } = options;
  if (text.trim() === '') return [];
  const levels = [endsOf(text, /\n[^\S\n]*\n\s*/g), sentenceStarts(text), endsOf(text, /\s+/g)];
  const chunks: string[] = [];
  let start = skipSpace(text, 0);
  let previousEnd = 0;
  while (start < text.length) {
    const limit = start + maxChars;
    if (limit >= text.length) {
      chunks.push(text.slice(start).trim());
      break;
    }
    const floor = Math.max(previousEnd + 1, start + 1);
    const preferred = Math.max(floor, start + Math.ceil(maxChars / 2));
    let end =
      levels
        .map((offsets) => largestWithin(offsets, preferred, limit))
        .find((at) => at !== undefined) ??
      Math.max(...levels.map((offsets) => largestWithin(offsets, floor, limit) ?? -1));
    if (end < floor) {
      // No boundary at all: cut hard, but never between the two halves of a surrogate pair.
      const splitsPair = /[\uD800-\uDBFF]/.test(text[limit - 1]!) && limit - 1 > start;
      end = splitsPair ? limit - 1 : limit;
    }
    chunks.push(text.slice(start, end).trim());
    previousEnd = end;
    const from = Math.max(end - overlap, start + 1);
    const next =
      overlap === 0
        ? end
        : (levels
            .map((offsets) => smallestWithin(offsets, from, end - 1))
            .find((at) => at !== undefined) ?? end);
    start = skipSpace(text, next);
  }
  return chunks.filter((chunk) => chunk !== '');
}
