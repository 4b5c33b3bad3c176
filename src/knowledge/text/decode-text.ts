import { isUtf8 } from 'node:buffer';
import { mediaTypeEssence } from '../../core/media-glob.js';
import { MalformedContentError } from './malformed-content.js';

/** The `charset` parameter of a media type, lowercased and unquoted, or undefined. */
function mediaTypeCharset(mediaType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(mediaType);
  return match?.[1]?.toLowerCase();
}

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
  const declared =
    mediaTypeCharset(mediaType) ??
    (essence === 'text/html' ? declaredHtmlCharset(bytes) : undefined);
  // Old HTML pages that declare nothing are mostly Windows-1252, the WHATWG default for legacy
  // content: UTF-8 is tried first, and such a page is read as browsers read it.
  if (declared === undefined && essence === 'text/html' && !isUtf8(bytes)) {
    return checked(essence, new TextDecoder('windows-1252').decode(bytes));
  }
  const charset = declared ?? 'utf-8';
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
  return checked(essence, text);
}

function checked(essence: string, text: string): string {
  if (text.includes('\u0000')) {
    throw new MalformedContentError(essence, 'it holds NUL bytes, so it is binary data');
  }
  return text;
}
