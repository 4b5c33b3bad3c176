import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { InvalidConfigError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import { AuthDirectory } from '../auth/auth-directory.js';
import { AuthService } from '../auth/auth-service.js';
import { Authentication } from '../auth/authentication.js';
import type { Authenticator } from '../auth/authenticator.js';
import { LocalAuthenticator } from '../auth/local-authenticator.js';
import { TokenAuthenticator } from '../auth/token-authenticator.js';
import { SessionAuthenticator } from '../auth/session-authenticator.js';

/** Who may call this process, and the services behind it. */
export interface RunningAuth {
  readonly service: AuthService;
  readonly authentication: Authentication;
  /** True while the node runs without sign-in (no user yet, loopback only). */
  localMode(): boolean;
  close(): void;
}

/** True for addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `username:password` from the first admin's credentials file. */
function readAdminCredentials(
  file: string,
  env: NodeJS.ProcessEnv,
): { username: string; password: string } {
  const folder = env['CREDENTIALS_DIRECTORY'];
  const path = isAbsolute(file) || folder === undefined ? file : join(folder, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidConfigError(
      `The first admin's credentials file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): create it or fix auth.adminCredentialsFile.`,
      { cause: err },
    );
  }
  const line = text.split('\n')[0]?.trim() ?? '';
  const colon = line.indexOf(':');
  if (colon <= 0 || colon === line.length - 1)
    throw new InvalidConfigError(
      `The first admin's credentials file ${path} must hold username:password on its first line.`,
    );
  return { username: line.slice(0, colon), password: line.slice(colon + 1) };
}

/**
 * Opens users and tokens, creates the first admin from `auth.adminCredentialsFile` when no user
 * exists, and refuses to serve HTTP beyond loopback without sign-in. `httpHost` is where this
 * process's HTTP listens, when it serves HTTP.
 */
export async function startAuth(
  nc: NatsConnection,
  store: EventStore,
  config: Config,
  httpHost: string | undefined,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningAuth> {
  const directory = await AuthDirectory.open(nc);
  try {
    const lock = {
      maxFailures: config.auth.maxFailedSignIns,
      lockMs: config.auth.lockSeconds * 1000,
    };
    const service = new AuthService(directory, store, {
      account: lock,
      address: { ...lock, maxFailures: lock.maxFailures * 5 },
    });
    if (!directory.hasUsers() && config.auth.adminCredentialsFile !== undefined) {
      const admin = readAdminCredentials(config.auth.adminCredentialsFile, env);
      await service.createUser({ ...admin, role: 'admin' }, 'local');
      logger.info(
        { username: admin.username },
        'first admin created from auth.adminCredentialsFile',
      );
    }
    const localAllowed = config.auth.signIn === 'auto';
    if (httpHost !== undefined && !isLoopback(httpHost) && !directory.hasUsers())
      throw new InvalidConfigError(
        `Listening on ${httpHost} needs sign-in, and this node has no user yet: start it once on 127.0.0.1 and run cim admin create, or name a file holding username:password in auth.adminCredentialsFile.`,
      );
    const authenticators: Authenticator[] = [
      new TokenAuthenticator(directory),
      new SessionAuthenticator(directory),
    ];
    if (localAllowed) authenticators.push(new LocalAuthenticator(directory));
    const authentication = new Authentication(
      authenticators,
      () => !localAllowed || directory.hasUsers(),
    );
    return {
      service,
      authentication,
      localMode: () => localAllowed && !directory.hasUsers(),
      close: () => directory.close(),
    };
  } catch (err) {
    directory.close();
    throw err;
  }
}
