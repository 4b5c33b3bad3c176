import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from './password.js';
import { bearerToken, newApiToken, tokenHash } from './api-token.js';

test('a scrypt hash checks its own password only, is salted, and never holds the password', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$32768\$8\$1\$/);
  assert.notEqual(a, b, 'each hash has its own salt');
  assert.ok(!a.includes('correct horse'));
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('correct horse battery', 'not-a-hash'), false);
});

test('API tokens are random, prefixed, stored as their SHA-256, and read from Bearer headers', () => {
  const token = newApiToken();
  assert.match(token, /^cim_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newApiToken(), token);
  assert.match(tokenHash(token), /^[0-9a-f]{64}$/);
  assert.equal(bearerToken(`Bearer ${token}`), token);
  assert.equal(bearerToken(`bearer  ${token}`), token);
  assert.equal(bearerToken(`Session ${token}`), undefined);
  assert.equal(bearerToken(undefined), undefined);
});
