import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { alive } from './processes.js';
import { startImapServer } from './imap-server.js';
import type { TestImapServer } from './imap-server.js';
import { plainMessage } from './mail-fixtures.js';

let server: TestImapServer;
before(async () => {
  server = await startImapServer();
});
after(async () => {
  await server?.stop();
});

test('the server greets on its loopback port and takes the test user with its plaintext password', async () => {
  const imap = await server.client();
  assert.ok(imap.authenticated);
  await imap.logout();
});

test('a wrong password is refused as an authentication failure', async () => {
  const imap = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    auth: { user: server.username, pass: 'wrong' },
    logger: false,
  });
  await assert.rejects(imap.connect(), (err: { authenticationFailed?: boolean }) => {
    assert.equal(err.authenticationFailed, true);
    return true;
  });
});

test('delivered messages are in the mailbox with increasing UIDs and the same bytes', async () => {
  const raw = plainMessage({ id: 'harness-1', subject: 'Harness', body: 'Hello, harness.' });
  const uids = await server.deliver('Harness', [raw, plainMessage({ id: 'harness-2' })]);
  assert.equal(uids.length, 2);
  assert.ok(uids[1]! > uids[0]!);
  const imap = await server.client();
  const lock = await imap.getMailboxLock('Harness');
  try {
    const message = await imap.fetchOne(String(uids[0]), { source: true }, { uid: true });
    assert.ok(message !== false);
    assert.equal(message.source?.toString('utf8'), raw);
  } finally {
    lock.release();
    await imap.logout();
  }
});

test('changeUidValidity gives the mailbox a new UIDVALIDITY', async () => {
  const before = await server.uidValidity('Harness');
  const next = await server.changeUidValidity('Harness');
  assert.notEqual(next, before);
  assert.equal(await server.uidValidity('Harness'), next);
});

test('stop ends the dovecot master by its PID', async () => {
  const other = await startImapServer();
  const pid = other.pid!;
  assert.ok(alive(pid));
  await other.stop();
  assert.equal(alive(pid), false);
});
