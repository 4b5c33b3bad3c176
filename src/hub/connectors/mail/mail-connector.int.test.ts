import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connectorContract, openSession } from '../../connector.contract.js';
import type { ConnectorFixture } from '../../connector.contract.js';
import { RecordingSink } from '../../recording-sink.js';
import { startImapServer } from '../../../testing/imap-server.js';
import {
  LATIN1_TEXT,
  WINDOWS_1252_TEXT,
  generatedMailbox,
  messageIdOf,
  plainMessage,
} from '../../../testing/mail-fixtures.js';
import { until } from '../../../testing/until.js';
import { decoded, runOn } from '../../../testing/processor-input.js';
import { extractEmail } from '../../../processors/extract-email.js';
import type { ConnectorJson } from '../../../plugins/plugin-api.js';
import { mailConnector } from './mail-connector.js';

const server = await startImapServer();
const tempDir = mkdtempSync(join(tmpdir(), 'cim-mail-connector-'));
after(async () => {
  await server.stop();
  rmSync(tempDir, { recursive: true, force: true });
});

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const PASSWORD_FILE = 'imap-password';

/** A fixture reading `mailboxes` of the test server, with `overrides` to its settings. */
function fixtureOf(
  mailboxes: string[],
  overrides: Record<string, unknown> = {},
  password = server.password,
): ConnectorFixture {
  return {
    definition: mailConnector,
    settings: {
      host: server.host,
      port: server.port,
      secure: false,
      username: server.username,
      passwordFile: PASSWORD_FILE,
      mailboxes,
      ...overrides,
    },
    // A credential file ends in a newline, as `echo secret > file` writes it.
    secrets: { [PASSWORD_FILE]: `${password}\n` },
    add: () => Promise.reject(new Error('not used')),
    change: () => Promise.reject(new Error('not used')),
    close: async () => undefined,
  };
}

function sourceOf(mailbox: string, id: string): string {
  return `imap://alice@127.0.0.1/${mailbox}/${id}@cim.test`;
}

connectorContract('mail', async () => ({
  ...fixtureOf(['Contract']),
  async add(label, body) {
    await server.deliver('Contract', [
      plainMessage({ id: `contract-${label}`, subject: label, body }),
    ]);
    return sourceOf('Contract', `contract-${label}`);
  },
  async change(source, body) {
    // A message never changes in IMAP: a changed one is expunged and appended anew, with the
    // same Message-ID (as a draft saved again is), so it gets a new UID.
    const label = /contract-([^@]+)@/.exec(source)?.[1];
    assert.ok(label !== undefined, `a contract source: ${source}`);
    const imap = await server.client();
    const lock = await imap.getMailboxLock('Contract');
    try {
      const uids = await imap.search(
        { header: { 'message-id': messageIdOf(`contract-${label}`) } },
        { uid: true },
      );
      assert.ok(Array.isArray(uids) && uids.length === 1);
      await imap.messageDelete(uids, { uid: true });
    } finally {
      lock.release();
      await imap.logout();
    }
    await server.deliver('Contract', [
      plainMessage({ id: `contract-${label}`, subject: label, body }),
    ]);
  },
}));

async function poll(
  fixture: ConnectorFixture,
  cursor: ConnectorJson | null,
  sink = new RecordingSink(),
): Promise<{ sink: RecordingSink; cursor: ConnectorJson }> {
  const session = openSession(fixture, new AbortController().signal, tempDir);
  const next = await session.poll(cursor, sink);
  await session.close?.();
  return { sink, cursor: next };
}

describe('mail connector: a mailbox of 500 generated messages', () => {
  const bulk = fixtureOf(['Bulk']);
  const sink = new RecordingSink();
  let cursor: ConnectorJson | null = null;
  const count = 500;

  test('a first poll puts every message once, as message/rfc822, tagged with its mailbox', async () => {
    await server.deliver('Bulk', generatedMailbox(count));
    const started = performance.now();
    ({ cursor } = await poll(bulk, null, sink));
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `mail poll: ${count} messages in ${seconds.toFixed(2)} s, ${(count / seconds).toFixed(0)} messages/s\n`,
    );
    assert.equal(sink.items.length, count);
    const sources = new Set(sink.items.map((i) => i.source));
    assert.equal(sources.size, count, 'every message has a source of its own');
    for (let n = 0; n < count; n++) assert.ok(sources.has(sourceOf('Bulk', `gen-${n}`)));
    assert.deepEqual(sink.withOutcome('stored').length, count);
    assert.ok(sink.items.every((i) => i.mediaType === 'message/rfc822'));
    assert.ok(sink.items.every((i) => i.tags.length === 1 && i.tags[0] === 'Bulk'));
    assert.equal(sink.items[0]?.name, 'Generated message 0.eml');
    assert.deepEqual(sink.failures, []);
    // Every 100 messages, and once at the end of the poll.
    assert.equal(sink.checkpoints.length, count / 100 + 1);
    const uidValidity = await server.uidValidity('Bulk');
    assert.deepEqual(cursor, { version: 1, mailboxes: { Bulk: { uidValidity, lastUid: count } } });
  });

  test('extract-email reads every stored message: each attachment a unit, PDF text and charsets decoded', async () => {
    let attachments = 0;
    let pdfTexts = 0;
    for (const item of sink.items) {
      const output = await runOn(extractEmail, {
        mediaType: item.mediaType ?? '',
        name: item.name,
        content: item.bytes,
      });
      const n = Number(/Generated message (\d+)/.exec(output.text ?? '')?.[1]);
      assert.ok(Number.isInteger(n), `the subject is in the text of ${item.source}`);
      const derived = output.derived ?? [];
      attachments += derived.filter((d) => d.mediaType !== 'text/plain').length;
      for (const d of derived.filter((d) => d.name.endsWith('.pdf.txt'))) {
        assert.match(decoded(d.bytes), new RegExp(`Quarterly report ${n}`));
        pdfTexts++;
      }
      if (n % 5 === 3) assert.match(output.text ?? '', new RegExp(LATIN1_TEXT));
      if (n % 5 === 4) assert.match(output.text ?? '', new RegExp(WINDOWS_1252_TEXT));
    }
    // Every fifth message carries a PDF and a PNG.
    assert.equal(attachments, (count / 5) * 2);
    assert.equal(pdfTexts, count / 5);
  });

  test('a message added later arrives alone on the next poll', async () => {
    await server.deliver('Bulk', [plainMessage({ id: 'late', subject: 'Late' })]);
    sink.clear();
    ({ cursor } = await poll(bulk, cursor, sink));
    assert.deepEqual(
      sink.items.map((i) => [i.source, i.outcome]),
      [[sourceOf('Bulk', 'late'), 'stored']],
    );
  });

  test('a new UIDVALIDITY re-reads the mailbox, and every message is seen again, none new', async () => {
    const uidValidity = await server.changeUidValidity('Bulk');
    sink.clear();
    ({ cursor } = await poll(bulk, cursor, sink));
    assert.equal(sink.items.length, count + 1);
    assert.equal(sink.withOutcome('seen-again').length, count + 1);
    assert.deepEqual(cursor, {
      version: 1,
      mailboxes: { Bulk: { uidValidity, lastUid: count + 1 } },
    });
  });
});

describe('mail connector: sources, tags and mailboxes', () => {
  test('a message without a Message-ID is named by UIDVALIDITY and UID', async () => {
    const [uid] = await server.deliver('NoId', [plainMessage({ id: null, subject: 'No id' })]);
    const uidValidity = await server.uidValidity('NoId');
    const { sink } = await poll(fixtureOf(['NoId']), null);
    assert.deepEqual(
      sink.items.map((i) => i.source),
      [`imap://alice@127.0.0.1/NoId;UIDVALIDITY=${uidValidity};UID=${uid}`],
    );
  });

  test('several mailboxes are read, each with its own position; tags can be turned off', async () => {
    // Whatever the server's hierarchy delimiter, the source writes the levels as a path.
    const nested = `Two${await server.delimiter()}Nested`;
    await server.deliver(nested, [plainMessage({ id: 'nested' })]);
    await server.deliver('Three', [plainMessage({ id: 'three' })]);
    const { sink, cursor } = await poll(
      fixtureOf([nested, 'Three'], { mailboxesAsTags: false }),
      null,
    );
    assert.deepEqual(
      sink.items.map((i) => [i.source, i.tags]),
      [
        [sourceOf('Two/Nested', 'nested'), []],
        [sourceOf('Three', 'three'), []],
      ],
    );
    assert.deepEqual(Object.keys((cursor as { mailboxes: object }).mailboxes), [nested, 'Three']);
  });
});

describe('mail connector: watching with IDLE', () => {
  test('with watch, mail arriving in a watched mailbox wakes the hub; close ends the IDLE connection', async () => {
    await server.deliver('Watched', [plainMessage({ id: 'before-watch' })]);
    const session = openSession(
      fixtureOf(['Watched'], { watch: true }),
      new AbortController().signal,
      tempDir,
    );
    let wakes = 0;
    session.watch?.(() => wakes++);
    // IDLE is entered a moment after watch() returns: deliver until the server's news arrives.
    await until('a wake from IDLE', async () => {
      if (wakes > 0) return true;
      await server.deliver('Watched', [plainMessage({ id: `during-watch-${Date.now()}` })]);
      return undefined;
    });
    await session.close?.();
    await until('the IDLE connection to close', async () =>
      (await server.connections()) === 0 ? true : undefined,
    );
  });
});

describe('mail connector: a source that fails as a whole', () => {
  test('a wrong password fails the poll with one sentence, and nothing is put or logged', async () => {
    const logged: unknown[] = [];
    const fixture = fixtureOf(['INBOX'], {}, 'not-the-password');
    const sink = new RecordingSink();
    const checked = mailConnector.checkSettings(fixture.settings);
    assert.ok(checked.ok);
    const log = (entry: unknown) => logged.push(entry);
    const session = mailConnector.open(checked.settings, {
      name: 'wrong',
      logger: { info: log, warn: log, error: log },
      signal: new AbortController().signal,
      tempDir,
      secret: async () => 'not-the-password\n',
    });
    await assert.rejects(session.poll(null, sink), (err: Error & { code?: string }) => {
      assert.equal(
        err.message,
        `The IMAP server at 127.0.0.1:${server.port} refused the login of user alice: check settings.passwordFile.`,
      );
      assert.equal(err.code, 'unauthenticated');
      return true;
    });
    assert.deepEqual([sink.items, sink.failures, sink.checkpoints, logged], [[], [], [], []]);
  });

  test('an unreachable server fails the poll with one sentence naming host and port', async () => {
    const closed = await closedPort();
    const fixture = fixtureOf(['INBOX'], { port: closed });
    await assert.rejects(poll(fixture, null), (err: Error & { code?: string }) => {
      assert.equal(
        err.message,
        `The IMAP server at 127.0.0.1:${closed} could not be reached (ECONNREFUSED): check settings.host, settings.port and settings.secure.`,
      );
      assert.equal(err.code, 'unavailable');
      return true;
    });
  });

  test('a mailbox the server does not have fails the poll naming settings.mailboxes', async () => {
    await assert.rejects(poll(fixtureOf(['Missing']), null), (err: Error) => {
      assert.equal(
        err.message,
        `The IMAP server at 127.0.0.1:${server.port} has no mailbox Missing for user alice: check settings.mailboxes.`,
      );
      return true;
    });
  });

  test('a cursor the connector did not write is refused with a sentence', async () => {
    await assert.rejects(poll(fixtureOf(['INBOX']), { lastUid: 3 }), /cursor is not one it wrote/);
  });
});
