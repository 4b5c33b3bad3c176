import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '../core/errors.js';
import { readHttpTls } from './http-tls.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n';

test('relative paths are read from $CREDENTIALS_DIRECTORY', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cim-tls-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), PEM);
    writeFileSync(join(dir, 'key.pem'), PEM);
    const tls = readHttpTls({ cert: 'cert.pem', key: 'key.pem' }, { CREDENTIALS_DIRECTORY: dir });
    assert.equal(tls.key.toString(), PEM);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing or non-PEM file is refused with its path, never its bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cim-tls-'));
  try {
    const secret = 'not-a-pem-but-a-secret-3f9a';
    writeFileSync(join(dir, 'key.txt'), secret);
    writeFileSync(join(dir, 'cert.pem'), PEM);
    assert.throws(
      () => readHttpTls({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.txt') }, {}),
      (err) =>
        err instanceof InvalidConfigError &&
        err.message.includes(join(dir, 'key.txt')) &&
        err.message.includes('http.tls.key') &&
        !err.message.includes(secret),
    );
    assert.throws(
      () => readHttpTls({ cert: join(dir, 'absent.pem'), key: join(dir, 'key.txt') }, {}),
      (err) =>
        err instanceof InvalidConfigError &&
        /absent\.pem cannot be read \(ENOENT\)/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
