import { mediaTypeEssence } from '../core/media-glob.js';
import { markupDocument } from './text/markup-document.js';

/** Largest text taken from one unit into the search index. */
export const MAX_INDEXED_TEXT = 2 * 1024 * 1024;

/** True for media types whose bytes are searchable text today (other formats come with pipelines). */
export function isIndexableText(mediaType: string): boolean {
  const essence = mediaTypeEssence(mediaType);
  return (
    essence.startsWith('text/') ||
    essence === 'application/json' ||
    essence === 'application/xml' ||
    essence === 'application/yaml' ||
    essence === 'application/xhtml+xml'
  );
}

/**
 * The text search indexes for a unit's bytes. Markdown and HTML are read by the one markup path
 * the extract-text processor uses too (text/markup-document.ts): syntax, tags, scripts and styles
 * dropped. Other text is indexed as written. Throws MalformedContentError for Markdown or HTML
 * that is not text in its charset.
 */
export function extractText(mediaType: string, bytes: Uint8Array): string {
  // Markup is read whole: cut bytes could split a character, which the strict decoder refuses.
  const markup = markupDocument(mediaType, bytes);
  if (markup !== undefined) return markup.text.slice(0, MAX_INDEXED_TEXT);
  return new TextDecoder('utf-8').decode(bytes.subarray(0, MAX_INDEXED_TEXT));
}
