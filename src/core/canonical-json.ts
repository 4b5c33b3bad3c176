/**
 * Canonical DAG-JSON text for the plain values events carry, or undefined when the value holds
 * anything this fast path does not cover (floats, -0, undefined, links, bytes, lone surrogates,
 * `/` keys). Byte-identical to `@ipld/dag-json`'s encoding (same key order, JSON.stringify
 * strings), which a test checks over varied data; it exists because the generic encoder costs
 * more than the publish itself on the append path. Built by concatenation, which V8 turns into
 * ropes, rather than arrays joined per level.
 */
function fastText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? JSON.stringify(value) : undefined;
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          const item = fastText(value[i]);
          if (item === undefined) return undefined;
          text += i === 0 ? item : `,${item}`;
        }
        return `${text}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return undefined;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let text = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (key === '/' || !key.isWellFormed()) return undefined;
        const member = fastText(record[key]);
        if (member === undefined) return undefined;
        text += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${member}`;
      }
      return `${text}}`;
    }
    default:
      return undefined;
  }
}

const BASE32_CID = /^b[a-z2-7]+$/;

/** Records of one shape (every envelope) repeat their keys: remember the last shape's order. */
let lastKeys: readonly string[] = [];
let lastSorted: readonly string[] = [];

function sortedKeys(value: object): readonly string[] {
  const keys = Object.keys(value);
  if (keys.length === lastKeys.length && keys.every((k, i) => k === lastKeys[i])) {
    return lastSorted;
  }
  lastKeys = keys;
  lastSorted = [...keys].sort();
  return lastSorted;
}

const KEY_TEXT = new Map<string, string>();
const KEY_TEXT_LIMIT = 256;

/** `"key":`, cached for the few top-level names records repeat. */
function keyText(key: string): string {
  let text = KEY_TEXT.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`;
    if (KEY_TEXT.size < KEY_TEXT_LIMIT) KEY_TEXT.set(key, text);
  }
  return text;
}

/**
 * Encodes a flat record as canonical DAG-JSON bytes; members named in `links` hold CID strings
 * (or null) and are written as links (`{"/":"<cid>"}`). Falls back to `fallback` (the reference
 * encoder, which validates and throws on what it cannot encode) whenever the fast path declines.
 */
export function encodeCanonical(
  value: object,
  links: ReadonlySet<string>,
  fallback: () => Uint8Array,
): Uint8Array {
  // Any object's members, read by name, are unknown values: the fast path checks each one.
  const record = value as Readonly<Record<string, unknown>>;
  const keys = sortedKeys(record);
  let body = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const member = record[key];
    let text: string | undefined;
    if (links.has(key) && member !== null) {
      text =
        typeof member === 'string' && BASE32_CID.test(member) ? `{"/":"${member}"}` : undefined;
    } else text = fastText(member);
    if (text === undefined) return fallback();
    body += `${i === 0 ? '' : ','}${keyText(key)}${text}`;
  }
  return Buffer.from(`${body}}`, 'utf8');
}
