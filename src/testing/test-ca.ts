import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a throwaway CA and one server certificate it signed. */
export interface TestCertificates {
  /** The CA's certificate: what a client trusts. */
  readonly caFile: string;
  /** The server's certificate, for `127.0.0.1` and `localhost`. */
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(cwd: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Makes a throwaway CA and a server certificate for 127.0.0.1/localhost in `dir` with the
 * openssl CLI (P-256 keys, valid one day), as an operator would with their own CA.
 */
export function makeTestCertificates(dir: string): TestCertificates {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    dir,
    ['req', '-x509', ...ec, '-subj', '/CN=CIM test CA', '-keyout', 'ca.key'].concat([
      '-out',
      'ca.pem',
      '-days',
      '1',
    ]),
  );
  openssl(
    dir,
    ['req', ...ec, '-subj', '/CN=localhost', '-keyout', 'server.key'].concat([
      '-out',
      'server.csr',
    ]),
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  ]);
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
}
