import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMailSettings, readMailCursor } from './mail-settings.js';
import { messageName, messageSource } from './mail-source.js';

const at = { username: 'alice', host: 'IMAP.Example.org', mailbox: 'INBOX', delimiter: '/' };

test('a message with a Message-ID is named by it, brackets dropped, host lowercased', () => {
  assert.equal(
    messageSource({ ...at, messageId: '<abc.123@example.org>', uidValidity: 7, uid: 42 }),
    'imap://alice@imap.example.org/INBOX/abc.123@example.org',
  );
});

test('a message without a Message-ID is named by UIDVALIDITY and UID', () => {
  for (const messageId of [undefined, '', '<>']) {
    assert.equal(
      messageSource({ ...at, messageId, uidValidity: 7, uid: 42 }),
      'imap://alice@imap.example.org/INBOX;UIDVALIDITY=7;UID=42',
    );
  }
});

test('the user is encoded as userinfo, mailbox levels and id as path segments; ";" and "/" never appear raw', () => {
  assert.equal(
    messageSource({
      username: 'alice@example.org',
      host: 'h',
      mailbox: 'Archive.2026;x',
      delimiter: '.',
      messageId: '<a/b;c d@x>',
      uidValidity: 1,
      uid: 1,
    }),
    'imap://alice%40example.org@h/Archive/2026%3Bx/a%2Fb%3Bc%20d@x',
  );
});

test('the .eml name is the subject made safe for a file name', () => {
  assert.equal(messageName('Re: Q3 report / draft?'), 'Re Q3 report draft.eml');
  assert.equal(messageName(undefined), 'message.eml');
  assert.equal(messageName('...'), 'message.eml');
  assert.equal(messageName('x'.repeat(300)).length, 124);
});

test('settings get their defaults; a wrong field is named as settings.<field>', () => {
  const checked = checkMailSettings({ host: 'h', username: 'u', passwordFile: 'f' });
  assert.deepEqual(checked, {
    ok: true,
    settings: {
      host: 'h',
      port: 993,
      secure: true,
      username: 'u',
      passwordFile: 'f',
      mailboxes: ['INBOX'],
      mailboxesAsTags: true,
      checkpointEvery: 100,
      watch: false,
    },
  });
  const missing = checkMailSettings({ host: 'h', username: 'u' });
  assert.ok(!missing.ok);
  assert.match(missing.error, /settings\.passwordFile/);
  const port = checkMailSettings({ host: 'h', username: 'u', passwordFile: 'f', port: 70000 });
  assert.ok(!port.ok);
  assert.match(port.error, /settings\.port/);
  const unknown = checkMailSettings({ host: 'h', username: 'u', passwordFile: 'f', pasword: 'x' });
  assert.ok(!unknown.ok);
  assert.match(unknown.error, /unknown field pasword/);
});

test('a null cursor starts fresh; a cursor of another shape is refused with a sentence', () => {
  assert.deepEqual(readMailCursor(null), { version: 1, mailboxes: {} });
  const cursor = { version: 1, mailboxes: { INBOX: { uidValidity: 3, lastUid: 9 } } };
  assert.deepEqual(readMailCursor(cursor), cursor);
  assert.throws(() => readMailCursor({ version: 2 }), /cursor is not one it wrote/);
});
