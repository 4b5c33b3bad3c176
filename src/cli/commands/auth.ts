import type {
  CreatedToken,
  Me,
  PasswordChangedReply,
  TokenList,
  User,
  UserList,
} from '../../api/schemas/index.js';
import { InvalidInputError } from '../../core/errors.js';
import { callNode, nodeUrl } from '../client.js';
import { credentialsFile, storeToken } from '../credentials.js';
import { printJson } from '../output.js';
import { readLine, readSecret, readSecrets } from '../secret-input.js';

interface ClientOptions {
  url?: string;
  json?: boolean;
}

/**
 * `cim login`: a username and password exchanged for a token, or a token made by an admin
 * (`--token-stdin`), checked against the node and stored for the CLI (0600).
 */
export async function login(
  options: ClientOptions & { username?: string; tokenStdin?: boolean; expires?: string },
): Promise<void> {
  const base = nodeUrl(options.url);
  let token: string;
  if (options.tokenStdin) {
    token = (await readSecret('Token')).trim();
  } else {
    const username = options.username ?? (await readLine('Username'));
    const password = await readSecret('Password');
    const made = await callNode<CreatedToken>(base, '/api/auth/tokens', {
      method: 'POST',
      body: { username, password, ...(options.expires ? { expires: options.expires } : {}) },
    });
    token = made.token;
  }
  const me = await callNode<Me>(base, '/api/auth/me', { authorization: `Bearer ${token}` });
  if (me.principal === null)
    throw new InvalidInputError(
      `${base} does not accept this token: check it, or make a new one with cim token create.`,
    );
  const file = credentialsFile();
  storeToken(base, token, file);
  if (options.json) return printJson({ url: base, principal: me.principal, file });
  process.stdout.write(
    `Signed in to ${base} as ${me.principal.name} (${me.principal.role}); the token is in ${file}.\n`,
  );
}

/** `cim admin create`: a user (by default an admin; the first one while the node has none). */
export async function adminCreate(
  options: ClientOptions & { username?: string; role?: string },
): Promise<void> {
  const base = nodeUrl(options.url);
  const username = options.username ?? (await readLine('Username'));
  const password = await readSecret('Password');
  const user = await callNode<User>(base, '/api/users', {
    method: 'POST',
    body: { username, password, role: options.role ?? 'admin' },
  });
  if (options.json) return printJson(user);
  process.stdout.write(
    `Created ${user.role} ${user.username}. Sign in with: cim login --username ${user.username}\n`,
  );
}

/** `cim admin ls`: every user and its role. */
export async function adminLs(options: ClientOptions): Promise<void> {
  const { users } = await callNode<UserList>(nodeUrl(options.url), '/api/users');
  if (options.json) return printJson({ users });
  for (const u of users) process.stdout.write(`${u.username}\t${u.role}\t${u.createdAt}\n`);
}

/** `cim admin role USERNAME ROLE`. */
export async function adminRole(username: string, role: string, options: ClientOptions) {
  await callNode(nodeUrl(options.url), `/api/users/${encodeURIComponent(username)}/role`, {
    method: 'POST',
    body: { role },
  });
  if (options.json) return printJson({ username, role });
  process.stdout.write(`${username} is now ${role}.\n`);
}

/** `cim password`: the signed-in user's own password, the current one asked first. */
export async function passwordChange(options: ClientOptions): Promise<void> {
  const [currentPassword, newPassword] = (await readSecrets([
    'Current password',
    'New password',
  ])) as [string, string];
  const done = await callNode<PasswordChangedReply>(nodeUrl(options.url), '/api/auth/password', {
    method: 'POST',
    body: { currentPassword, newPassword },
  });
  printPasswordChanged(done, options);
}

/** `cim admin password USERNAME`: an admin sets a user's password (read from stdin). */
export async function adminPassword(username: string, options: ClientOptions): Promise<void> {
  const password = await readSecret('New password');
  const done = await callNode<PasswordChangedReply>(
    nodeUrl(options.url),
    `/api/users/${encodeURIComponent(username)}/password`,
    { method: 'POST', body: { password } },
  );
  printPasswordChanged(done, options);
}

function printPasswordChanged(done: PasswordChangedReply, options: ClientOptions): void {
  if (options.json) return printJson(done);
  process.stdout.write(
    `The password of ${done.username} changed; ${done.sessionsEnded} web session(s) ended. API tokens stay valid: revoke them with cim token revoke.\n`,
  );
}

/** `cim token create --role R [--expires 30d] [--name N]`: prints the token, this once. */
export async function tokenCreate(
  options: ClientOptions & { role: string; expires?: string; name?: string },
): Promise<void> {
  const made = await callNode<CreatedToken>(nodeUrl(options.url), '/api/tokens', {
    method: 'POST',
    body: {
      role: options.role,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.expires !== undefined ? { expires: options.expires } : {}),
    },
  });
  if (options.json) return printJson(made);
  process.stdout.write(`${made.token}\n`);
  process.stderr.write(
    `Token ${made.info.name} (${made.info.role}${made.info.expiresAt ? `, expires ${made.info.expiresAt}` : ', no expiry'}): shown this once, store it now.\n`,
  );
}

/** `cim token ls`: names, roles and expiry, never the tokens. */
export async function tokenLs(options: ClientOptions): Promise<void> {
  const { tokens } = await callNode<TokenList>(nodeUrl(options.url), '/api/tokens');
  if (options.json) return printJson({ tokens });
  if (tokens.length === 0) return void process.stdout.write('No API token.\n');
  for (const t of tokens)
    process.stdout.write(
      `${t.name}\t${t.role}\t${t.expiresAt ?? 'no expiry'}\tby ${t.createdBy}\n`,
    );
}

/** `cim token revoke NAME`. */
export async function tokenRevoke(name: string, options: ClientOptions): Promise<void> {
  await callNode(nodeUrl(options.url), `/api/tokens/${encodeURIComponent(name)}/revoke`, {
    method: 'POST',
    body: {},
  });
  if (options.json) return printJson({ name, revoked: true });
  process.stdout.write(`Revoked ${name}: every ui process refuses it within seconds.\n`);
}
