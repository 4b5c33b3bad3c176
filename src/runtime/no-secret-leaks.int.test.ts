import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp, CliResult } from '../testing/cli.js';
import { nixEval } from '../testing/nix.js';
import { s3TierOf, startTestS3 } from '../testing/s3-harness.js';
import type { TestS3 } from '../testing/s3-harness.js';

// The acceptance check of issue 18 that no secret shows up where CIM writes: a node runs with a
// secret of every kind CIM takes, does the work that reads them (and fails on the wrong ones),
// and then its log, its commands' output, every event, every file under its data folder (the
// JetStream store included), the files `cim deploy render` wrote and what the NixOS module's
// credentials function renders are searched for each secret's value.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CREDENTIALS_NIX = join(ROOT, 'nix/lib/credentials.nix');
const EXAMPLE_INVENTORY = join(ROOT, 'examples/deploy/inventory.yaml');

/** One secret the run holds: its value, and the file CIM is given instead of it. */
interface Secret {
  readonly what: string;
  readonly value: string;
  /** Name in the credentials folder (`$CREDENTIALS_DIRECTORY`) of the file holding it. */
  readonly credential?: string;
  /** Else the file where it belongs (CIM made it: an nkey seed, the CLI's stored token). */
  readonly home?: string;
}

/**
 * Every secret of the run. A new kind (a user's password, an API token, a session id, an nkey
 * seed) is one more entry here, made before the node starts; the node reads its file from the
 * credentials folder, and every search below covers it.
 */
function makeSecrets(s3: TestS3): Secret[] {
  // Distinctive values: found only if the secret itself was written somewhere.
  const distinct = (label: string) => `cim-${label}-${randomBytes(12).toString('hex')}`;
  return [
    {
      what: 'access key id of tier warm',
      value: s3.config.credentials.accessKeyId,
      credential: 'warm-access-key-id',
    },
    {
      what: 'secret key of tier warm',
      value: s3.config.credentials.secretAccessKey,
      credential: 'warm-secret-access-key',
    },
    // The S3 server refuses these: what a refusal logs, reports and records is searched too.
    {
      what: 'access key id of tier refused',
      value: distinct('refused-key-id').toUpperCase(),
      credential: 'refused-access-key-id',
    },
    {
      what: 'secret key of tier refused',
      value: distinct('refused-secret'),
      credential: 'refused-secret-access-key',
    },
    {
      what: 'access key id of backup tier',
      value: s3.config.credentials.accessKeyId,
      credential: 'backup-access-key-id',
    },
    {
      what: 'secret key of backup tier',
      value: s3.config.credentials.secretAccessKey,
      credential: 'backup-secret-access-key',
    },
    { what: "the first admin's password", value: PASSWORD, credential: 'admin-login' },
  ];
}

const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;

/** The nkey seeds `cim nats init` wrote (accounts' and users'), where they belong. */
function natsSeeds(authDir: string): Secret[] {
  const seeds: Secret[] = [];
  for (const folder of ['keys', 'creds']) {
    for (const file of filesBelow(join(authDir, folder))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bS[OAU][A-Z2-7]{56}\b/g)) {
        seeds.push({
          what: `nkey seed in ${file.slice(authDir.length + 1)}`,
          value: match[0],
          home: file,
        });
      }
    }
  }
  return seeds;
}

let root: string;
let s3: TestS3;
let node: CimUp;
let secrets: Secret[];
let credentialsDir: string;
/** Every text the run's commands printed, by command. */
const outputs: { command: string; result: CliResult }[] = [];

/** The CLI's configuration folder: `cim login` keeps the admin's token there. */
let cliHome: string;
/** Outputs that print a secret on purpose (a new token, shown once), kept out of the search. */
const shownOnce: CliResult[] = [];

async function cim(...args: string[]): Promise<CliResult> {
  const result = await runCim([...args, '--url', node.ready.ui], { XDG_CONFIG_HOME: cliHome });
  outputs.push({ command: args.join(' '), result });
  return result;
}

/** Every file below `dir`, recursively. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}

/** The secrets whose value is in `bytes`, as "what (where)". */
function leaks(where: string, bytes: Buffer | string): string[] {
  const haystack = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return secrets.filter((s) => haystack.includes(s.value)).map((s) => `${s.what} (${where})`);
}

before(async () => {
  s3 = await startTestS3();
  root = mkdtempSync(join(tmpdir(), 'cim-secrets-'));
  secrets = makeSecrets(s3);
  credentialsDir = join(root, 'credentials');
  cliHome = join(root, 'cli-config');
  mkdirSync(credentialsDir, { mode: 0o700 });
  for (const secret of secrets) {
    const text = secret.credential === 'admin-login' ? `root:${secret.value}\n` : secret.value;
    writeFileSync(join(credentialsDir, secret.credential!), text, { mode: 0o600 });
  }
  // NATS users per component: the node connects with its .creds, the server loads the accounts.
  const initialised = await runCim(['nats', 'init', '--data', join(root, 'node')]);
  assert.equal(initialised.code, 0, initialised.stderr);
  outputs.push({ command: 'nats init', result: initialised });
  secrets.push(...natsSeeds(join(root, 'node', 'nats-auth')));
  const base = s3TierOf(s3).tier;
  const keys = (tier: string) => ({
    accessKeyIdFile: `${tier}-access-key-id`,
    secretAccessKeyFile: `${tier}-secret-access-key`,
  });
  const tiers = {
    warm: { ...base, ...keys('warm') },
    backup: { ...base, prefix: `${String(base['prefix'])}backup/`, ...keys('backup') },
  };
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({ storage: { tiers }, auth: { adminCredentialsFile: 'admin-login' } }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config], {
    CREDENTIALS_DIRECTORY: credentialsDir,
    CIM_LOG_LEVEL: 'debug',
  });
  // Signed in as the first admin (a token the CLI keeps), a reader's token made and used, and a
  // browser session opened and used.
  const login = await runCim(
    ['login', '--username', 'root', '--url', node.ready.ui],
    { XDG_CONFIG_HOME: cliHome },
    `${PASSWORD}\n`,
  );
  assert.equal(login.code, 0, login.stderr);
  outputs.push({ command: 'login', result: login });
  const stored = join(cliHome, 'cim', 'credentials.json');
  const adminToken = (JSON.parse(readFileSync(stored, 'utf8')) as Record<string, unknown>)['token'];
  if (typeof adminToken === 'string')
    secrets.push({ what: "the CLI's stored token", value: adminToken, home: stored });
  const token = await runCim(
    [
      'token',
      'create',
      '--role',
      'reader',
      '--name',
      'leak-check',
      '--json',
      '--url',
      node.ready.ui,
    ],
    { XDG_CONFIG_HOME: cliHome },
  );
  assert.equal(token.code, 0, token.stderr);
  shownOnce.push(token);
  const readerToken = (JSON.parse(token.stdout) as { token: string }).token;
  secrets.push({ what: "a reader's API token", value: readerToken, home: 'shown once' });
  const asReader = await runCim(['units', 'ls', '--url', node.ready.ui], {
    CIM_TOKEN: readerToken,
  });
  assert.equal(asReader.code, 0, asReader.stderr);
  outputs.push({ command: 'units ls (reader)', result: asReader });
  const signIn = await fetch(`${node.ready.ui}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'root', password: PASSWORD }),
  });
  assert.equal(signIn.status, 200, await signIn.clone().text());
  const session = /cim_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')?.[1];
  assert.ok(session, 'the sign-in set a session cookie');
  secrets.push({ what: 'a session id', value: session, home: 'the cookie' });
  const withSession = await fetch(`${node.ready.ui}/api/units`, {
    headers: { cookie: `cim_session=${session}` },
  });
  assert.equal(withSession.status, 200);
  const files = join(root, 'files');
  mkdirSync(files);
  for (let i = 0; i < 4; i++)
    writeFileSync(join(files, `note-${i}.md`), `# Note ${i}\n\nText ${i}.\n`);
  const ingested = await cim('ingest', files, '--json');
  assert.equal(ingested.code, 0, ingested.stderr);
  const first = JSON.parse(ingested.stdout.trim().split('\n')[0]!) as { contentCid: string };
  const moved = await cim('storage', 'tier', first.contentCid, '--to', 'warm');
  assert.equal(moved.code, 0, moved.stderr);
  const status = await cim('storage', 'status');
  assert.equal(status.code, 0, status.stderr);
  const backup = await cim('backup', '--to', 'backup');
  assert.equal(backup.code, 0, backup.stderr);
  // Verification reads the tier in the command's own process, with the node's configuration.
  const verifyArgs = ['backup', 'verify', '--from', 'backup', '--config', config];
  const verified = await runCim(verifyArgs, { CREDENTIALS_DIRECTORY: credentialsDir });
  outputs.push({ command: verifyArgs.join(' '), result: verified });
  assert.equal(verified.code, 0, verified.stderr);
  // A tier whose keys the S3 server refuses, read by a command of its own (a node with it
  // configured could not back up): what a refusal says is searched too.
  const refusedConfig = join(root, 'refused.json');
  const refusedTier = { ...base, prefix: `${String(base['prefix'])}backup/`, ...keys('refused') };
  writeFileSync(refusedConfig, JSON.stringify({ storage: { tiers: { refused: refusedTier } } }));
  const args = [
    'restore',
    '--from',
    'refused',
    '--data',
    join(root, 'restored'),
    '--config',
    refusedConfig,
  ];
  const refused = await runCim(args, {
    CREDENTIALS_DIRECTORY: credentialsDir,
    CIM_LOG_LEVEL: 'debug',
  });
  outputs.push({ command: args.join(' '), result: refused });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /refused the credentials of tier refused/);
});

after(async () => {
  await node?.stop();
  await s3?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the run used every secret: the tiers were reached with them, and the wrong keys refused', () => {
  assert.ok(
    secrets.every((s) => s.value.length >= 6),
    'every secret long enough to be searched',
  );
  assert.ok(outputs.some((o) => /hot → warm, verified/.test(o.result.stdout)));
  // The search finds each value where it is: in its own file.
  for (const secret of secrets) {
    if (secret.credential === undefined && !secret.home?.startsWith('/')) continue;
    const path = secret.credential ? join(credentialsDir, secret.credential) : secret.home!;
    assert.ok(leaks(path, readFileSync(path)).includes(`${secret.what} (${path})`));
  }
  assert.ok(
    secrets.some((s) => s.what.startsWith('nkey seed')),
    'the nkey seeds are searched',
  );
  assert.ok(
    shownOnce[0]?.stdout.includes(secrets.find((s) => s.what === "a reader's API token")!.value),
    'the new token is shown once, to the one who made it',
  );
});

test("no secret is in the node's log or in any command's output", async () => {
  const found = [
    ...leaks('cim up log', node.stderr()),
    ...outputs.flatMap((o) => leaks(`cim ${o.command}`, o.result.stdout + o.result.stderr)),
  ];
  assert.deepEqual(found, []);
  assert.ok(node.stderr().length > 0, 'there is a log to search');
});

test('no secret is in any event of CIM_EVENTS', async () => {
  const tail = await cim('events', 'tail', '--json', '--limit', '100000');
  assert.equal(tail.code, 0, tail.stderr);
  const events = tail.stdout.trim().split('\n');
  assert.ok(events.length > 4, 'the ingests, the move and the backup are events');
  assert.deepEqual(leaks('CIM_EVENTS', tail.stdout), []);
});

test("no secret is in any file under the node's data folder (JetStream store, read models, its nats-server.conf)", () => {
  // The seeds' own folders are where they belong (mode 0600, made by cim nats init).
  const seedFolders = ['keys', 'creds'].map((f) => join(root, 'node', 'nats-auth', f) + '/');
  const files = [join(root, 'node'), join(root, 'restored')]
    .flatMap((dir) => (existsSync(dir) ? filesBelow(dir) : []))
    .filter((f) => !seedFolders.some((folder) => f.startsWith(folder)));
  assert.ok(
    files.some((f) => f.endsWith('nats-server.conf')),
    'the rendered server config is searched',
  );
  assert.deepEqual(
    files.flatMap((f) => leaks(f.slice(root.length + 1), readFileSync(f))),
    [],
  );
});

test('no secret is in the host files cim deploy render writes, nor in what the NixOS module renders from them', async () => {
  const inventory = parseYaml(readFileSync(EXAMPLE_INVENTORY, 'utf8')) as {
    hosts: { credentials?: Record<string, string> }[];
  };
  inventory.hosts[0]!.credentials = Object.fromEntries(
    secrets.flatMap((s) =>
      s.credential ? [[s.credential, join(credentialsDir, s.credential)]] : [],
    ),
  );
  const file = join(root, 'inventory.yaml');
  writeFileSync(file, toYaml(inventory));
  const out = join(root, 'hosts');
  const rendered = await runCim(['deploy', 'render', '--inventory', file, '--out', out]);
  assert.equal(rendered.code, 0, rendered.stderr);
  const found = readdirSync(out).flatMap((f) => leaks(f, readFileSync(join(out, f))));
  // What the module gives each service: its LoadCredential lines and the settings naming them.
  const profile = `(import ${join(out, 'hub-a.nix')} {}).cim.host`;
  const module = nixEval<unknown>(
    `let p = ${profile}; in import ${CREDENTIALS_NIX} {
      components = p.components;
      natsCredentialsFiles = p.natsCredentialsFiles;
      httpTls = p.httpTls;
      adminCredentialsFile = p.adminCredentialsFile;
      credentialFiles = p.credentialFiles;
    }`,
  );
  const moduleText = JSON.stringify(module);
  assert.match(moduleText, /warm-secret-access-key:\//, 'the module hands the files over by path');
  found.push(...leaks('NixOS module output', moduleText));
  assert.deepEqual(found, []);
});
