import { extname } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';

/** Media types by file extension, for text formats that have no magic bytes. */
const BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.toml': 'application/toml',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ts': 'text/x-typescript',
  '.py': 'text/x-python',
  '.sh': 'text/x-shellscript',
  '.c': 'text/x-c',
  '.h': 'text/x-c',
  '.rs': 'text/x-rust',
  '.go': 'text/x-go',
  '.nix': 'text/x-nix',
  '.svg': 'image/svg+xml',
  '.1': 'text/troff',
  '.conf': 'text/plain',
};

/** True when the bytes look like text: valid UTF-8 without NUL bytes. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(
      head.subarray(0, Math.max(0, head.length - 4)),
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * Detects a media type from the first bytes (magic numbers first, as they do not lie about
 * binary formats), then from the name, then by whether the bytes are text.
 */
export async function detectMediaType(head: Uint8Array, name: string): Promise<string> {
  const magic = await fileTypeFromBuffer(head);
  if (magic) return magic.mime;
  const byName = BY_EXTENSION[extname(name).toLowerCase()];
  if (byName) return byName;
  if (head.length === 0) return 'application/octet-stream';
  return looksLikeText(head) ? 'text/plain' : 'application/octet-stream';
}
