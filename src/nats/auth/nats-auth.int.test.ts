import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
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
import { connect } from '@nats-io/transport-node';
import { credsAuthenticator } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { ManagedNatsServer } from '../managed-server.js';
import { connectNats } from '../connect.js';
import { provision } from '../provision.js';
import { silentLogger } from '../../runtime/logger.js';
import { authLayout, initNatsAuth, pluginUser } from './nats-auth.js';
import type { NatsAuthReport } from './nats-auth.js';
import { runCim, startCimUp } from '../../testing/cli.js';
import { pluginInbox } from './permissions.js';

let root: string;
let server: ManagedNatsServer;
let node: NatsConnection;
const layout = () => authLayout(join(root, 'nats-auth'));

/** The raw client, as a process that is not CIM would connect. */
const raw = (user?: string, extra: { inboxPrefix?: string } = {}) =>
  connect({
    servers: server.url,
    timeout: 5000,
    ...(user !== undefined
      ? { authenticator: credsAuthenticator(readFileSync(layout().creds(user))) }
      : {}),
    ...extra,
  });

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-nats-auth-'));
  await initNatsAuth(join(root, 'nats-auth'), { plugins: ['word-count'] });
  server = new ManagedNatsServer({
    dataDir: root,
    port: 0,
    sync: 'always',
    resolver: layout().resolver,
    logger: silentLogger(),
  });
  await server.start();
  node = await connectNats(server.url, { credentials: layout().creds('node') });
  await provision(node, { duplicateWindowSeconds: 120 });
});

after(async () => {
  await node.close().catch(() => undefined);
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

test('every seed and .creds file is mode 0600 in folders of mode 0700', () => {
  for (const sub of ['keys', 'creds']) {
    const dir = join(root, 'nats-auth', sub);
    assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
    for (const file of readdirSync(dir))
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
  }
  assert.doesNotMatch(readFileSync(layout().resolver, 'utf8'), /SUA|SOA|SAA/);
});

test('a connection without credentials is refused', async () => {
  await assert.rejects(raw(), /authorization|authentication/i);
});

test("the ui component's user can neither publish to cim.events.> nor read OBJ_cim-content", async () => {
  const nc = await raw('ui');
  try {
    const js = jetstream(nc, { timeout: 5000 });
    await assert.rejects(js.publish('cim.events.unit.Unit.x', 'forged'), /permission/i);
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    await assert.rejects(jsm.streams.info('OBJ_cim-content'), /permission/i);
    await assert.rejects(
      (async () => {
        const store = await new Objm(nc).open('cim-content');
        await store.list();
      })(),
      /permission/i,
    );
    // What it may do: read the event stream's state and ask the other components.
    assert.equal((await jsm.streams.info('CIM_EVENTS')).config.name, 'CIM_EVENTS');
  } finally {
    await nc.close();
  }
});

test("the node user (every component in one process) writes events the ui's cannot", async () => {
  const ack = await jetstream(node).publish('cim.events.test.Thing.one', 'x');
  assert.equal(ack.stream, 'CIM_EVENTS');
});

test("a plugin service's user cannot subscribe outside its subjects", async () => {
  const nc = await raw(pluginUser('word-count'), { inboxPrefix: pluginInbox('word-count') });
  try {
    const refused = async (subject: string) => {
      const sub = nc.subscribe(subject);
      // The server answers a refused subscription by closing it with the permission error.
      await assert.rejects(
        (async () => {
          for await (const _ of sub) break;
        })(),
        /permission/i,
        subject,
      );
    };
    await refused('cim.events.>');
    await refused('_INBOX.>');
    await refused('cim.api.>');
    await refused('cim.plugin.other.run');
    // Its own subject works end to end: a request from the node user is answered.
    const own = nc.subscribe('cim.plugin.word-count.run');
    void (async () => {
      for await (const m of own) m.respond('counted');
    })();
    await nc.flush();
    const reply = await node.request('cim.plugin.word-count.run', 'text', { timeout: 5000 });
    assert.equal(reply.string(), 'counted');
  } finally {
    await nc.close();
  }
});

test('cim nats init prints paths only, and run again keeps the operator and accounts', async () => {
  const data = join(root, 'cli');
  const first = await runCim(['nats', 'init', '--data', data, '--plugin', 'ocr', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout) as NatsAuthReport;
  assert.equal(report.created, true);
  assert.ok(report.users.some((u) => u.name === 'plugin-ocr'));
  const again = await runCim(['nats', 'init', '--data', data]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /operator and accounts kept/);
  // No seed (S… nkey) and no JWT in what the command prints.
  for (const out of [first.stdout, again.stdout, first.stderr, again.stderr])
    assert.doesNotMatch(out, /S[OAU][A-Z2-7]{50,}|eyJ[A-Za-z0-9_-]{20,}/);
  const bad = await runCim(['nats', 'init', '--data', data, '--plugin', 'a.b']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /plugin name "a\.b"/);
});

test(
  'after cim nats init, cim up runs every component as the node user on a server that refuses anonymous clients',
  { timeout: 300_000 },
  async () => {
    const data = join(root, 'up');
    const init = await runCim(['nats', 'init', '--data', data]);
    assert.equal(init.code, 0, init.stderr);
    const up = await startCimUp(['--data', data]);
    try {
      await assert.rejects(
        connect({ servers: up.ready.nats, timeout: 5000 }),
        /authorization|authentication/i,
      );
      const dir = join(root, 'up-in');
      mkdirSync(dir);
      writeFileSync(join(dir, 'note.txt'), 'written through a node that holds its own user');
      const ingested = await runCim(['ingest', dir, '--json', '--url', up.ready.ui]);
      assert.equal(ingested.code, 0, ingested.stderr);
      assert.match(ingested.stdout, /"status":"stored"/);
      // No seed and no JWT in what the node logged.
      assert.doesNotMatch(up.stderr(), /S[OAU][A-Z2-7]{50,}|eyJ[A-Za-z0-9_-]{20,}/);
      const log = readFileSync(join(data, 'nats', 'nats-server.log'), 'utf8');
      assert.doesNotMatch(log, /Violation/, 'no component was refused anything it needs');
    } finally {
      await up.stop();
    }
  },
);
