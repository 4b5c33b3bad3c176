import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Tokens `cim login` stored, by node URL. */
interface StoredCredentials {
  readonly nodes: Record<string, { readonly token: string; readonly savedAt: string }>;
}

/** `$XDG_CONFIG_HOME/cim/credentials.json`, else `~/.config/cim/credentials.json`. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(config, 'cim', 'credentials.json');
}

function read(file: string): StoredCredentials {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredCredentials>;
    return { nodes: parsed.nodes ?? {} };
  } catch {
    return { nodes: {} };
  }
}

/** Stores `token` for `base`, readable by this user only (0600, folder 0700). */
export function storeToken(base: string, token: string, file = credentialsFile()): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const current = read(file);
  const next: StoredCredentials = {
    nodes: { ...current.nodes, [base]: { token, savedAt: new Date().toISOString() } },
  };
  // Written whole under a new name and renamed, so a crash leaves the old file or the new one.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** The token for `base`: `$CIM_TOKEN`, else the one `cim login` stored, else none. */
export function tokenFor(base: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['CIM_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return read(credentialsFile(env)).nodes[base]?.token;
}

/** The `Authorization` header every client command sends to `base`, when it has a token. */
export function authHeaders(base: string): Record<string, string> {
  const token = tokenFor(base);
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}
