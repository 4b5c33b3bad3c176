import { franc } from 'franc-min';

/** Shortest text whose language is guessed; below it trigram statistics are mostly chance. */
const MIN_LANGUAGE_CHARS = 20;

/** How much text the detector reads: more does not make its answer better, only slower. */
const LANGUAGE_SAMPLE_CHARS = 4096;

const words = new Intl.Segmenter('und', { granularity: 'word' });

/**
 * The number of words in `text`, by Unicode word boundaries (UAX #29), so that text in scripts
 * written without spaces, such as Japanese or Chinese, is counted too.
 */
export function countWords(text: string): number {
  let count = 0;
  for (let start = 0; start < text.length;) {
    const end = pieceEnd(text, start);
    for (const segment of words.segment(text.slice(start, end)))
      if (segment.isWordLike === true) count += 1;
    start = end;
  }
  return count;
}

/**
 * ICU's segmenter slows down more than linearly on long strings (a 500 KB page took 40 s), so
 * text is segmented in pieces of about this many characters, cut after whitespace so no word is
 * split.
 */
const SEGMENT_PIECE_CHARS = 2048;

function pieceEnd(text: string, start: number): number {
  const limit = start + SEGMENT_PIECE_CHARS;
  if (limit >= text.length) return text.length;
  for (let i = limit; i > start; i--) if (/\s/.test(text[i - 1]!)) return i;
  // No whitespace at all (a script without spaces): cut anyway; one word may count twice.
  return limit;
}

/**
 * The language `text` is most likely written in, as an ISO 639-3 code (`eng`, `deu`, `fra`),
 * or `und` (undetermined) when the text is too short or matches no language well. The detector
 * knows the 82 languages with over 8 million speakers.
 */
export function detectLanguage(text: string): string {
  // URLs, numbers and symbols carry no language and would skew the trigram statistics.
  const letters = text
    .slice(0, LANGUAGE_SAMPLE_CHARS * 2)
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ')
    .replace(/[^\p{L}\p{M}\s'’-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, LANGUAGE_SAMPLE_CHARS);
  return franc(letters, { minLength: MIN_LANGUAGE_CHARS });
}
