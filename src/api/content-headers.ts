/**
 * A `Content-Disposition` value for a unit's content (RFC 6266): the unit name's last path
 * segment as `filename*` (RFC 8187, UTF-8, every byte outside attr-char percent-encoded, so
 * quotes, `;`, CR and LF cannot end the parameter or the header), with an ASCII `filename`
 * fallback for old clients in which anything else becomes `_`.
 */
export function contentDisposition(name: string, download: boolean): string {
  const base = name.split('/').pop() || 'content';
  const encoded = encodeURIComponent(base).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  const fallback = base.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  return `${download ? 'attachment' : 'inline'}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** `type/subtype` with optional `; name=value` parameters, in HTTP's token characters only. */
const MEDIA_TYPE =
  /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(?:[ \t]*;[ \t]*[a-z0-9!#$&^_.+-]+=(?:[a-z0-9!#$&^_.+-]+|"[\x20\x21\x23-\x5b\x5d-\x7e]*"))*$/i;

/**
 * The unit's media type as a `Content-Type` value, or `application/octet-stream` when it is not a
 * well-formed media type: it comes from an event anyone with write access could have appended,
 * so it must not be able to split the header or smuggle another one.
 */
export function contentType(mediaType: string): string {
  return MEDIA_TYPE.test(mediaType) ? mediaType : 'application/octet-stream';
}
