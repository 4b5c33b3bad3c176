import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a throwaway CA and one certificate it signed for 127.0.0.1 and localhost. */
export interface TestPki {
  readonly caFile: string;
  /** For servers and for clients (no extended key usage: mutual TLS on routes presents it too). */
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(cwd: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes the CA and the certificate in `dir` with the openssl CLI (P-256, valid one day). */
export function makeTestPki(dir: string): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    dir,
    ['req', '-x509', ...ec, '-subj', '/CN=CIM test CA', '-days', '1'].concat([
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ]),
  );
  openssl(dir, ['req', ...ec, '-subj', '/CN=localhost', '-keyout', 'node.key', '-out', 'node.csr']);
  writeFileSync(join(dir, 'node.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    dir,
    ['x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key'].concat([
      '-CAcreateserial',
      '-out',
      'node.pem',
      '-days',
      '1',
      '-extfile',
      'node.ext',
    ]),
  );
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'node.pem'),
    keyFile: join(dir, 'node.key'),
  };
}
