import { MalformedContentError } from '../knowledge/text/malformed-content.js';
import { plainDocument } from '../knowledge/text/text-document.js';
import type { TextDocument } from '../knowledge/text/text-document.js';

/** Indentation per level of nesting: enough to show structure, cheap in the index. */
const INDENT = '  ';

/**
 * Keys and string values, one per line and indented by depth. Numbers, booleans and nulls are
 * left out: without their keys' context they are noise in a full-text index, and the key stays.
 */
function lines(value: unknown, depth: number, out: string[]): void {
  const pad = INDENT.repeat(depth);
  if (typeof value === 'string') {
    if (value.trim() !== '') out.push(pad + value.replace(/\s*\n\s*/g, ' '));
  } else if (Array.isArray(value)) {
    for (const item of value) lines(item, depth, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string') {
        out.push(`${pad}${key}: ${item.replace(/\s*\n\s*/g, ' ')}`);
      } else {
        out.push(`${pad}${key}`);
        lines(item, depth + 1, out);
      }
    }
  }
}

/** The keys and string values of a JSON document as indented lines. */
export function jsonDocument(json: string, mediaType = 'application/json'): TextDocument {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/\.\s*$/, '') : String(err);
    throw new MalformedContentError(mediaType, reason, { cause: err });
  }
  const out: string[] = [];
  lines(value, 0, out);
  return plainDocument(out.join('\n'));
}
