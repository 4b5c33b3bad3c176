import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { InvalidConfigError } from '../core/errors.js';

/**
 * The certificate and key of `http.tls`, read from their files; relative paths are resolved in
 * `$CREDENTIALS_DIRECTORY` when systemd sets it (LoadCredential), else in the working directory.
 * A missing, unreadable or non-PEM file is an InvalidConfigError naming the file, never its bytes.
 */
export function readHttpTls(
  tls: { readonly cert: string; readonly key: string },
  env: Readonly<Record<string, string | undefined>>,
): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: 'cert' | 'key'): Buffer => {
    const folder = env['CREDENTIALS_DIRECTORY'];
    const path = isAbsolute(file) || folder === undefined ? file : join(folder, file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new InvalidConfigError(
        `The HTTPS ${what} file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): create it or fix http.tls.${what}.`,
        { cause: err },
      );
    }
    if (!bytes.includes('-----BEGIN ')) {
      throw new InvalidConfigError(
        `The HTTPS ${what} file ${path} is not PEM: give http.tls.${what} a PEM file (-----BEGIN …).`,
      );
    }
    return bytes;
  };
  return { cert: read(tls.cert, 'cert'), key: read(tls.key, 'key') };
}
