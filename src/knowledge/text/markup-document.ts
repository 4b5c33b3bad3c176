import { mediaTypeEssence } from '../../core/media-glob.js';
import { decodeText } from './decode-text.js';
import { htmlDocument } from './html-text.js';
import { markdownDocument } from './markdown-text.js';
import type { TextDocument } from './text-document.js';

/** The markup formats whose readable text differs from their bytes. */
export type MarkupFormat = 'markdown' | 'html';

const MARKUP: Readonly<Record<string, MarkupFormat>> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
};

/** Which markup `mediaType` is (parameters and case ignored), or undefined for other types. */
export function markupFormatOf(mediaType: string): MarkupFormat | undefined {
  return MARKUP[mediaTypeEssence(mediaType)];
}

/**
 * The one reading of Markdown and HTML bytes: decoded in their charset, markup removed, title
 * and links kept. Search indexes this text and the extract-text processor writes it, so a query
 * finds in a page exactly the words a pipeline step sees. Throws MalformedContentError for bytes
 * that are not text in their charset.
 */
export function readMarkup(
  format: MarkupFormat,
  mediaType: string,
  bytes: Uint8Array,
): TextDocument {
  const text = decodeText(mediaType, bytes);
  return format === 'markdown' ? markdownDocument(text) : htmlDocument(text);
}

/** readMarkup for a Markdown or HTML media type; undefined for any other type. */
export function markupDocument(mediaType: string, bytes: Uint8Array): TextDocument | undefined {
  const format = markupFormatOf(mediaType);
  return format === undefined ? undefined : readMarkup(format, mediaType, bytes);
}
