const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Canonical DAG-JSON text for the plain values events carry, or undefined when the value holds
 * anything this fast path does not cover (floats, -0, undefined, links, bytes, lone surrogates,
 * `/` keys). Byte-identical to `@ipld/dag-json`'s encoding (same key order, JSON.stringify
 * strings), which a test checks over varied data; it exists because the generic encoder costs
 * more than the publish itself on the append path.
 */
function fastText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return LONE_SURROGATE.test(value) ? undefined : JSON.stringify(value);
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (const item of value) {
          const text = fastText(item);
          if (text === undefined) return undefined;
          items.push(text);
        }
        return `[${items.join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return undefined;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      const parts: string[] = [];
      for (const key of keys) {
        if (key === '/' || LONE_SURROGATE.test(key)) return undefined;
        const text = fastText(record[key]);
        if (text === undefined) return undefined;
        parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

const BASE32_CID = /^b[a-z2-7]+$/;

/**
 * Encodes a flat record as canonical DAG-JSON bytes; members named in `links` hold CID strings
 * (or null) and are written as links (`{"/":"<cid>"}`). Falls back to `fallback` (the reference
 * encoder, which validates and throws on what it cannot encode) whenever the fast path declines.
 */
export function encodeCanonical(
  value: Readonly<Record<string, unknown>>,
  links: ReadonlySet<string>,
  fallback: () => Uint8Array,
): Uint8Array {
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    let text: string | undefined;
    if (links.has(key) && member !== null) {
      text =
        typeof member === 'string' && BASE32_CID.test(member) ? `{"/":"${member}"}` : undefined;
    } else text = fastText(member);
    if (text === undefined) return fallback();
    parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return Buffer.from(`{${parts.join(',')}}`, 'utf8');
}
