import { scanReferences } from './references.js';

/** Longest title kept, so a document whose first "line" is a whole paragraph gets a usable one. */
export const MAX_TITLE_CHARS = 200;

/** What an extractor reads from a unit: the text search should index, and what markup adds. */
export interface TextDocument {
  /** Readable plain text: markup removed, blocks separated by blank lines. */
  readonly text: string;
  /** The title the format itself declares (Markdown heading, HTML <title>, PDF info), if any. */
  readonly title?: string;
  /** Link targets (URLs and CIDs) in order of appearance, with repeats. */
  readonly links: readonly string[];
  /** Format-specific facts worth keeping, such as a PDF's page count. */
  readonly facts?: Readonly<Record<string, unknown>>;
}

/** `text` cut to `max` characters, ending in an ellipsis when it was cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** The first non-empty line of `text`, trimmed and cut to MAX_TITLE_CHARS, or undefined. */
export function firstLineTitle(text: string): string | undefined {
  const line = text
    .split('\n')
    .map((candidate) => candidate.replace(/\s+/g, ' ').trim())
    .find((candidate) => candidate !== '');
  return line === undefined ? undefined : truncate(line, MAX_TITLE_CHARS);
}

/**
 * Tidies extracted text: no trailing spaces, at most one blank line in a row, no blank lines at
 * either end. Extractors emit generous newlines around blocks and rely on this to merge them.
 */
export function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

/** A document of plain text: no declared title, links as written in the text. */
export function plainDocument(text: string): TextDocument {
  return { text, links: scanReferences(text) };
}
