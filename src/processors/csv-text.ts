import { parse } from 'csv-parse/sync';
import { MalformedContentError } from '../knowledge/text/malformed-content.js';
import { plainDocument } from '../knowledge/text/text-document.js';
import type { TextDocument } from '../knowledge/text/text-document.js';

/**
 * The rows of a CSV file, one line each with cells separated by tabs. Quoted cells may hold
 * commas and newlines; a cell's newlines become spaces so each row stays on one line. Rows of
 * differing lengths are accepted, as spreadsheets export them.
 */
export function csvDocument(csv: string): TextDocument {
  let rows: string[][];
  try {
    rows = parse(csv, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/\.\s*$/, '') : String(err);
    throw new MalformedContentError('text/csv', reason, { cause: err });
  }
  const text = rows
    .map((row) => row.map((cell) => cell.replace(/\s+/g, ' ').trim()).join('\t'))
    .join('\n');
  return plainDocument(text);
}
