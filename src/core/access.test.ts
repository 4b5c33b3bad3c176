import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAccess, roleAllows } from './access.js';
import type { Principal } from './access.js';

const as = (role: Principal['role']): Principal => ({
  kind: 'user',
  name: `user:${role}`,
  role,
  scopes: [],
});

test('each role may do what the weaker roles may, and no more', () => {
  assert.equal(roleAllows('admin', 'writer'), true);
  assert.equal(roleAllows('writer', 'writer'), true);
  assert.equal(roleAllows('writer', 'admin'), false);
  assert.equal(roleAllows('reader', 'writer'), false);
  assert.equal(roleAllows('reader', 'reader'), true);
});

test('no principal is unauthenticated; a weaker role is forbidden; public needs nobody', () => {
  assert.deepEqual(decideAccess(undefined, 'reader'), {
    allowed: false,
    reason: 'unauthenticated',
  });
  assert.deepEqual(decideAccess(as('reader'), 'writer'), { allowed: false, reason: 'forbidden' });
  assert.deepEqual(decideAccess(as('writer'), 'writer'), { allowed: true });
  assert.deepEqual(decideAccess(undefined, 'public'), { allowed: true });
});
