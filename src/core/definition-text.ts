import { parseDocument } from 'yaml';
import { InvalidInputError } from './errors.js';

/** 1-based line and column of a character offset, as editors count them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: before.length - lastBreak };
}

function syntaxError(
  fileName: string,
  language: 'JSON' | 'YAML',
  reason: string,
  position: { line: number; column: number } | undefined,
  cause: unknown,
): InvalidInputError {
  const at = position ? `, line ${position.line}, column ${position.column}` : '';
  // A parser may quote the offending character raw; a newline would split the one-line message.
  const why = reason
    .trim()
    .replace(/\.$/, '')
    .replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1));
  return new InvalidInputError(
    `${fileName}${at}: this is not valid ${language} (${why}): fix the syntax.`,
    { cause },
  );
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // V8 says "… in JSON at position N", "Unexpected end of JSON input", or quotes the source;
    // only the first two locate the error, and the quoted source would swamp the message.
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const reason = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, ".*" is not valid JSON$/s, '');
    const position = offset === undefined ? undefined : lineColumn(text, offset);
    throw syntaxError(fileName, 'JSON', reason, position, err);
  }
}

function parseYaml(text: string, fileName: string): unknown {
  // The core schema (YAML 1.2) only: no !!binary, timestamps or merge keys, so a definition means
  // the same to every YAML 1.2 reader; duplicate keys are errors, not silently last-wins.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, schema: 'core' });
  const error = doc.errors[0];
  if (error !== undefined) {
    throw syntaxError(fileName, 'YAML', error.message, lineColumn(text, error.pos[0]), error);
  }
  try {
    // Caps alias expansion so a small file cannot expand into a huge value ("billion laughs").
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw syntaxError(fileName, 'YAML', message, undefined, err);
  }
}

/**
 * Reads the text of a definition file into a plain value. Text whose first non-blank character
 * is `{` is JSON (so a trailing comma is reported as JSON's error, not accepted as YAML); anything
 * else is YAML. Throws InvalidInputError with the file name, line and column of a syntax error.
 */
export function parseDefinitionText(text: string, fileName: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return /^\s*\{/.test(body) ? parseJson(body, fileName) : parseYaml(body, fileName);
}
