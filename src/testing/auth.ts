import assert from 'node:assert/strict';

/** A password long enough for the node, for test users only. */
export const TEST_PASSWORD = 'test-password-0123';

async function post(base: string, path: string, body: unknown, authorization?: string) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization !== undefined ? { authorization } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.status < 300, `POST ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Ends a node's no-sign-in mode the way a person does: the first admin created while the node
 * has no user (as `local`), then a token for it from its password. Returns the admin's
 * `Authorization` value.
 */
export async function createFirstAdmin(base: string, username = 'admin'): Promise<string> {
  await post(base, '/api/users', { username, password: TEST_PASSWORD, role: 'admin' });
  const made = await post(base, '/api/auth/tokens', { username, password: TEST_PASSWORD });
  return `Bearer ${String(made['token'])}`;
}

/** A new API token with `role` (and `name`), made by `admin`; its `Authorization` value. */
export async function createToken(
  base: string,
  admin: string,
  role: 'reader' | 'writer' | 'admin',
  name?: string,
): Promise<string> {
  const made = await post(base, '/api/tokens', { role, ...(name ? { name } : {}) }, admin);
  return `Bearer ${String(made['token'])}`;
}
