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
  '.conf': 'text/plain',
};

/**
 * A name ending in `.1` is a man page only when its text is troff: licence texts are named by
 * their version the same way (`LGPL-2.1`, `MPL-1.1`, `LICENSE-2.1`) and are plain text.
 */
const MAN_PAGE_EXTENSION = '.1';

/** True when the first line is a troff request (`.TH`, `.SH`) or comment (`.\"`, `'\"`). */
function looksLikeTroff(head: Uint8Array): boolean {
  const firstLine = new TextDecoder('utf-8').decode(head.subarray(0, 256)).split('\n', 1)[0];
  return /^(?:\.(?:[A-Za-z]{1,2}\b|\\")|'\\")/.test(firstLine ?? '');
}

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
  const extension = extname(name).toLowerCase();
  if (extension === MAN_PAGE_EXTENSION && looksLikeTroff(head)) return 'text/troff';
  const byName = BY_EXTENSION[extension];
  if (byName) return byName;
  if (head.length === 0) return 'application/octet-stream';
  return looksLikeText(head) ? 'text/plain' : 'application/octet-stream';
}
