/** A JSON value, as Nix expressions render it. */
export type NixValue = string | number | boolean | null | NixValue[] | { [key: string]: NixValue };

/** A Nix string literal: `"`, `\` and `${` escaped, so no text can become code. */
export function nixString(text: string): string {
  return `"${text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$\{/g, '\\${')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')}"`;
}

/** An attribute name: bare when Nix allows it, quoted otherwise. */
function nixKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(key) ? key : nixString(key);
}

/**
 * A JSON-like value as a Nix expression, indented two spaces a level; attribute names sorted,
 * as Nix itself orders them.
 */
export function toNix(value: NixValue, depth = 0): string {
  const pad = '  '.repeat(depth + 1);
  const end = '  '.repeat(depth);
  if (value === null) return 'null';
  if (typeof value === 'string') return nixString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`${value} is not an integer Nix can hold`);
    return value < 0 ? `(${value})` : String(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[\n${value.map((v) => `${pad}${toNix(v, depth + 1)}\n`).join('')}${end}]`;
  }
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return '{ }';
  return `{\n${keys.map((k) => `${pad}${nixKey(k)} = ${toNix(value[k]!, depth + 1)};\n`).join('')}${end}}`;
}
