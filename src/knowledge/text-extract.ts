/** Largest text taken from one unit into the search index. */
export const MAX_INDEXED_TEXT = 2 * 1024 * 1024;

/** True for media types whose bytes are searchable text today (other formats come with pipelines). */
export function isIndexableText(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType === 'application/xml' ||
    mediaType === 'application/yaml'
  );
}

/** Plain text of a text or Markdown body: Markdown syntax that carries no words is dropped. */
export function extractText(mediaType: string, bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, MAX_INDEXED_TEXT));
  if (mediaType !== 'text/markdown') return text;
  return text
    .replace(/```[^\n]*\n/g, '\n')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/[*_`>~]+/g, ' ');
}
