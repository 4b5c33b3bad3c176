/** The formats the built-in processors read text from, each with its own extractor. */
export type TextFormat = 'plain' | 'markdown' | 'html' | 'pdf' | 'json' | 'csv';

const FORMATS: Readonly<Record<string, TextFormat>> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/json': 'json',
  'text/csv': 'csv',
};

/** The media type without parameters, lowercased: `Text/HTML; charset=utf-8` → `text/html`. */
export function mediaTypeEssence(mediaType: string): string {
  return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}

/** The `charset` parameter of a media type, lowercased and unquoted, or undefined. */
export function mediaTypeCharset(mediaType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(mediaType);
  return match?.[1]?.toLowerCase();
}

/**
 * Which extractor reads `mediaType`, or null when none does. Any other `text/*` and the
 * `+json` structured-syntax suffix fall back to the nearest reader rather than being refused.
 */
export function textFormatOf(mediaType: string): TextFormat | null {
  const essence = mediaTypeEssence(mediaType);
  const known = FORMATS[essence];
  if (known !== undefined) return known;
  if (essence.endsWith('+json')) return 'json';
  if (essence.startsWith('text/')) return 'plain';
  return null;
}

/** True for formats whose markup carries a title and links that plain text loses. */
export function isMarkup(format: TextFormat | null): format is 'markdown' | 'html' {
  return format === 'markdown' || format === 'html';
}
