import { mediaTypeEssence } from '../core/media-glob.js';
import type { MarkupFormat } from '../knowledge/text/markup-document.js';
import { markupFormatOf } from '../knowledge/text/markup-document.js';

/** The formats the built-in processors read text from, each with its own extractor. */
export type TextFormat = 'plain' | MarkupFormat | 'pdf' | 'json' | 'csv';

const FORMATS: Readonly<Record<string, TextFormat>> = {
  'application/pdf': 'pdf',
  'application/json': 'json',
  'text/csv': 'csv',
};

/**
 * Which extractor reads `mediaType`, or null when none does. Markdown and HTML are the media
 * types search reads as markup too (knowledge/text/markup-document.ts). Any other `text/*` and
 * the `+json` structured-syntax suffix fall back to the nearest reader rather than being refused.
 */
export function textFormatOf(mediaType: string): TextFormat | null {
  const markup = markupFormatOf(mediaType);
  if (markup !== undefined) return markup;
  const essence = mediaTypeEssence(mediaType);
  const known = FORMATS[essence];
  if (known !== undefined) return known;
  if (essence.endsWith('+json')) return 'json';
  if (essence.startsWith('text/')) return 'plain';
  return null;
}

/** True for formats whose markup carries a title and links that plain text loses. */
export function isMarkup(format: TextFormat | null): format is MarkupFormat {
  return format === 'markdown' || format === 'html';
}
