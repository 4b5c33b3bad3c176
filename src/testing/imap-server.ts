import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { UnavailableError } from '../core/errors.js';

const run = promisify(execFile);

/** A dovecot IMAP server of a test's own: plaintext login on 127.0.0.1, Maildir in a temp folder. */
export interface TestImapServer {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The dovecot version that runs (`2.3.19.1`). */
  readonly version: string;
  /** The dovecot master's PID. */
  readonly pid: number | undefined;
  /** A logged-in client of the test user (the caller logs it out). */
  client(): Promise<ImapFlow>;
  /** Appends raw messages to `mailbox` (created when missing); resolves with their UIDs. */
  deliver(mailbox: string, messages: readonly (string | Uint8Array)[]): Promise<number[]>;
  /** Gives `mailbox` a new UIDVALIDITY (as a restored or rebuilt mailbox has), keeping its messages. */
  changeUidValidity(mailbox: string): Promise<number>;
  /** The mailbox's current UIDVALIDITY. */
  uidValidity(mailbox: string): Promise<number>;
  /** The server's mailbox hierarchy delimiter (`.` for Maildir++, `/` for the fs layout). */
  delimiter(): Promise<string>;
  /** How many IMAP sessions of the test user are logged in now (`doveadm who`). */
  connections(): Promise<number>;
  /** Stops dovecot by its PID and removes the folder. */
  stop(): Promise<void>;
}

const DOVECOT_CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

function dovecotBinary(): string {
  for (const path of DOVECOT_CANDIDATES) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  throw new UnavailableError(
    "dovecot is not installed, and the mail tests run a real IMAP server: run 'sudo apt-get install dovecot-imapd' (or 'bash scripts/cim-dev.sh test') and run the tests again.",
  );
}

/** A free loopback port: bound, read, released (dovecot binds it next; a lost race retries). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** The uid and gid mail is stored under: our own, or nobody's when running as root. */
function mailOwner(): { uid: number; gid: number; user: string; group: string } {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) {
    const user = userInfo().username;
    const group =
      readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.split(':')[2] === String(gid))
        ?.split(':')[0] ?? String(gid);
    return { uid, gid, user, group };
  }
  // Dovecot refuses mail access as root; nobody owns nothing, so it can own the test's mail.
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  const [, , u, g] = line?.split(':') ?? [];
  return { uid: Number(u ?? 65534), gid: Number(g ?? 65534), user: 'nobody', group: 'nogroup' };
}

/**
 * The configuration of a test server, in the syntax of the installed version (2.4 renamed
 * most settings and made `dovecot_config_version` mandatory). Nothing is included: no system
 * configuration takes part.
 */
export function dovecotConfig(options: {
  version: string;
  dir: string;
  port: number;
  uid: number;
  gid: number;
  /** Set when not running as root: every process runs as this user and group, without chroot. */
  rootless: { user: string; group: string } | undefined;
}): string {
  const { dir, port, uid, gid, rootless } = options;
  const v24 = !/^2\.[0-3]\./.test(options.version);
  const common = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `instance_name = cim-test-${randomBytes(4).toString('hex')}`,
    `log_path = ${dir}/dovecot.log`,
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'auth_mechanisms = plain login',
    'first_valid_uid = 1',
    'first_valid_gid = 1',
    'mail_max_userip_connections = 100',
    // A wrong password is answered at once: tests of refused logins need not wait 2 s.
    'auth_failure_delay = 0',
    ...(rootless === undefined
      ? []
      : [
          `default_internal_user = ${rootless.user}`,
          `default_internal_group = ${rootless.group}`,
          `default_login_user = ${rootless.user}`,
        ]),
  ];
  const chroot = rootless === undefined ? '' : '  chroot =\n';
  const services = `service imap-login {
${chroot}  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
${rootless === undefined ? '' : 'service anvil {\n  chroot =\n}\n'}`;
  if (!v24) {
    return `${[
      ...common,
      'disable_plaintext_auth = no',
      `mail_location = maildir:${dir}/mail/%u`,
    ].join('\n')}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/mail/%u
}
${services}`;
  }
  // `2.4.1-4 (7d8c0e5759)` on Debian: the settings want the upstream release only.
  const release = /^\d+\.\d+\.\d+/.exec(options.version)?.[0] ?? '2.4.0';
  return `dovecot_config_version = ${release}
dovecot_storage_version = ${release}
${[
  ...common,
  'auth_allow_cleartext = yes',
  // 2.4 refuses weak schemes, PLAIN among them, unless told: the test password is plaintext.
  'auth_allow_weak_schemes = yes',
  'mail_driver = maildir',
  `mail_home = ${dir}/mail/%{user}`,
  'mail_path = ~',
].join('\n')}
namespace inbox {
  inbox = yes
}
passdb passwd-file {
  passwd_file_path = ${dir}/passwd
  default_password_scheme = PLAIN
}
userdb static {
  fields {
    uid = ${uid}
    gid = ${gid}
    home = ${dir}/mail/%{user}
  }
}
${services}`;
}

/** Resolves once the server greets on `port`; fails after `timeoutMs` (a start takes ~50 ms). */
async function greeted(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1000);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().includes('OK'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no IMAP greeting on port ${port}`);
    await sleep(50);
  }
}

/** SIGTERM to dovecot's master PID, SIGKILL after five seconds; resolves once it exited. */
async function stopByPid(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts Debian's dovecot (2.3 or 2.4) in the foreground with a configuration of its own in a
 * temp folder, on a free loopback port, with one user whose password is plaintext, and waits
 * until it greets. Runs as root (mail owned by `nobody`) or as any other user.
 */
export async function startImapServer(): Promise<TestImapServer> {
  const binary = dovecotBinary();
  const version = (await run(binary, ['--version'])).stdout.trim();
  const owner = mailOwner();
  const asRoot = (process.getuid?.() ?? 0) === 0;
  const dir = mkdtempSync(join(tmpdir(), 'cim-imap-'));
  const username = 'alice';
  const password = randomBytes(9).toString('base64url');
  try {
    // As root, dovecot's unprivileged processes must reach the passwd file and the mail.
    if (asRoot) chmodSync(dir, 0o711);
    mkdirSync(join(dir, 'mail'));
    if (asRoot) chownSync(join(dir, 'mail'), owner.uid, owner.gid);
    writeFileSync(join(dir, 'passwd'), `${username}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
    const config = join(dir, 'dovecot.conf');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(
        config,
        dovecotConfig({
          version,
          dir,
          port,
          uid: owner.uid,
          gid: owner.gid,
          rootless: asRoot ? undefined : { user: owner.user, group: owner.group },
        }),
      );
      const child = spawn(binary, ['-F', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      try {
        await greeted(port, child, 15_000);
      } catch (err) {
        await stopByPid(child);
        const log = readLog(dir);
        if (attempt < 3 && /in use/i.test(log + stderr)) continue;
        throw new UnavailableError(
          `dovecot ${version} did not start (${(err as Error).message}: ${(stderr + log).trim().slice(-600)}): see its log above and fix the test configuration.`,
        );
      }
      return harness({ dir, config, port, username, password, version, child });
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'dovecot.log'), 'utf8');
  } catch {
    return '';
  }
}

function harness(s: {
  dir: string;
  config: string;
  port: number;
  username: string;
  password: string;
  version: string;
  child: ChildProcess;
}): TestImapServer {
  const client = async (): Promise<ImapFlow> => {
    const imap = new ImapFlow({
      host: '127.0.0.1',
      port: s.port,
      secure: false,
      auth: { user: s.username, pass: s.password },
      logger: false,
      disableAutoIdle: true,
    });
    await imap.connect();
    return imap;
  };
  const status = async (mailbox: string): Promise<number> => {
    const imap = await client();
    try {
      const found = await imap.status(mailbox, { uidValidity: true });
      if (found === false || found.uidValidity === undefined) throw new Error(`no ${mailbox}`);
      return Number(found.uidValidity);
    } finally {
      await imap.logout();
    }
  };
  return {
    host: '127.0.0.1',
    port: s.port,
    username: s.username,
    password: s.password,
    version: s.version,
    pid: s.child.pid,
    client,
    async deliver(mailbox, messages) {
      const imap = await client();
      try {
        const listed = await imap.list();
        if (!listed.some((m) => m.path === mailbox)) await imap.mailboxCreate(mailbox);
        const uids: number[] = [];
        for (const message of messages) {
          const appended = await imap.append(mailbox, Buffer.from(message));
          if (appended === false || appended.uid === undefined)
            throw new Error('APPEND gave no UID');
          uids.push(appended.uid);
        }
        return uids;
      } finally {
        await imap.logout();
      }
    },
    async changeUidValidity(mailbox) {
      const next = (await status(mailbox)) + 1;
      // doveadm works on the mail storage directly, with the server's own configuration.
      await run('doveadm', [
        '-c',
        s.config,
        'mailbox',
        'update',
        '-u',
        s.username,
        '--uid-validity',
        String(next),
        mailbox,
      ]);
      return next;
    },
    uidValidity: status,
    async delimiter() {
      const imap = await client();
      try {
        const inbox = (await imap.list()).find((m) => m.path === 'INBOX');
        return inbox?.delimiter ?? '.';
      } finally {
        await imap.logout();
      }
    },
    async connections() {
      const { stdout } = await run('doveadm', ['-c', s.config, 'who', '-1']);
      return stdout.split('\n').filter((line) => line.startsWith(`${s.username} `)).length;
    },
    async stop() {
      await stopByPid(s.child);
      rmSync(s.dir, { recursive: true, force: true });
    },
  };
}
