import { MalformedContentError } from './errors.js';
import { mediaTypeCharset, mediaTypeEssence } from './media-type.js';

/** How far into an HTML page a <meta charset> is looked for, as browsers do (WHATWG: 1024). */
const META_PRESCAN_BYTES = 1024;

/**
 * The charset an HTML page declares in a <meta charset> or http-equiv Content-Type tag. Pages
 * saved from the web often carry their charset only there, not in the media type.
 */
function declaredHtmlCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, META_PRESCAN_BYTES));
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1]?.toLowerCase();
}

/**
 * Decodes the bytes of a text unit in the charset its media type names (for HTML, else the one
 * its <meta> declares; UTF-8 by default), dropping a byte order mark. Refuses bytes that are
 * not valid in that charset or that hold NUL characters: a "text" unit like that is binary data
 * under the wrong media type, and indexing it would fill the search index with garbage.
 */
export function decodeText(mediaType: string, bytes: Uint8Array): string {
  const essence = mediaTypeEssence(mediaType);
  const charset =
    mediaTypeCharset(mediaType) ??
    (essence === 'text/html' ? declaredHtmlCharset(bytes) : undefined) ??
    'utf-8';
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch (err) {
    throw new MalformedContentError(essence, `unknown charset ${charset}`, { cause: err });
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (err) {
    throw new MalformedContentError(essence, `not valid ${charset} text`, { cause: err });
  }
  if (text.includes('\u0000')) {
    throw new MalformedContentError(essence, 'it holds NUL bytes, so it is binary data');
  }
  return text;
}
