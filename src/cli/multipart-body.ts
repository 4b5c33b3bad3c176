import { randomBytes } from 'node:crypto';

/** One part of a multipart/form-data body: a text field, or a file. */
export type FormPart =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly filename: string; readonly bytes: Uint8Array };

/**
 * Field names and file names are escaped as browsers and undici's FormData do (WHATWG HTML,
 * "multipart/form-data encoding"): a double quote, CR and LF are percent-encoded.
 */
function escapeName(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Line breaks in text fields are normalised to CRLF, as FormData does. */
function normaliseValue(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\r\n');
}

/**
 * Encodes parts as one multipart/form-data body, the same bytes FormData would send. Built
 * directly because FormData, Blob and the Response that encodes them cost the CLI more CPU per
 * small file than reading and hashing it.
 */
export function encodeMultipart(parts: readonly FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----cim-${randomBytes(16).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('bytes' in part) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(part.name)}"; filename="${escapeName(part.filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        Buffer.from(part.bytes.buffer, part.bytes.byteOffset, part.bytes.byteLength),
        Buffer.from('\r\n'),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(part.name)}"\r\n\r\n${normaliseValue(part.value)}\r\n`,
        ),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
