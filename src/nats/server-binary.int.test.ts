import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { UnavailableError } from '../core/errors.js';
import { findNatsServer, isSupportedVersion, parseServerVersion } from './server-binary.js';

test('versions are read from nats-server --version and compared with 2.10.23', () => {
  assert.equal(parseServerVersion('nats-server: v2.10.27\n'), '2.10.27');
  assert.equal(parseServerVersion('nats-server: v2.9.10'), '2.9.10');
  assert.equal(parseServerVersion('command not found'), undefined);
  assert.equal(isSupportedVersion('2.10.23'), true);
  assert.equal(isSupportedVersion('2.10.27'), true);
  assert.equal(isSupportedVersion('2.11.0'), true);
  assert.equal(isSupportedVersion('2.15.1'), true);
  assert.equal(isSupportedVersion('3.0.0'), true);
  assert.equal(isSupportedVersion('2.10.22'), false);
  assert.equal(isSupportedVersion('2.10.0'), false);
  assert.equal(isSupportedVersion('2.9.25'), false);
  assert.equal(isSupportedVersion('1.40.1'), false);
});

test('without an explicit choice a 2.10.23+ server is found (the set-up fetched one when the system has 2.9)', () => {
  const found = findNatsServer(undefined, {});
  assert.ok(isSupportedVersion(found.version), found.version);
  const reported = execFileSync(found.path, ['--version'], { encoding: 'utf8' });
  assert.equal(parseServerVersion(reported), found.version);
});

test('an explicitly chosen server older than 2.10.23 is refused with the reason, not replaced', (t) => {
  const system = execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim();
  const version = parseServerVersion(execFileSync(system, ['--version'], { encoding: 'utf8' }))!;
  if (isSupportedVersion(version)) {
    // The refusal needs an old server; on a system whose own is recent enough there is none.
    t.diagnostic(`the system's nats-server is ${version}: no older server to refuse here`);
    assert.equal(findNatsServer(system, {}).path, system);
    return;
  }
  assert.throws(
    () => findNatsServer(undefined, { CIM_NATS_SERVER: system }),
    (err: unknown) =>
      err instanceof UnavailableError &&
      err.message.includes(`is nats-server ${version}, older than the 2.10.23 CIM needs`) &&
      err.message.includes('lost acknowledged messages') &&
      err.message.includes('cim-dev.sh nats-tools'),
  );
});

test('a path that is not a nats-server is refused with a sentence naming it', () => {
  assert.throws(
    () => findNatsServer('/bin/false', {}),
    (err: unknown) =>
      err instanceof UnavailableError &&
      err.message.startsWith('/bin/false does not run as nats-server'),
  );
});
