import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { connectorContract, openSession, type ConnectorFixture } from '../../connector.contract.js';
import { RecordingSink } from '../../recording-sink.js';
import { startTestS3, type TestS3 } from '../../../testing/s3-harness.js';
import { s3Connector } from './s3-connector.js';

const KEY_FILE = '/credentials/s3-access-key-id';
const SECRET_FILE = '/credentials/s3-secret-access-key';

function fixtureOn(s3: TestS3, prefix: string, secrets?: Record<string, string>): ConnectorFixture {
  const client = s3.client();
  const { config } = s3;
  const host = new URL(config.endpoint).host;
  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body }));
  return {
    definition: s3Connector,
    settings: {
      endpoint: config.endpoint,
      bucket: config.bucket,
      prefix,
      region: config.region,
      accessKeyIdFile: KEY_FILE,
      secretAccessKeyFile: SECRET_FILE,
    },
    secrets: secrets ?? {
      [KEY_FILE]: `${config.credentials.accessKeyId}\n`,
      [SECRET_FILE]: config.credentials.secretAccessKey,
    },
    async add(label, body) {
      await put(`${prefix}${label}.txt`, body);
      return `s3://${host}/${config.bucket}/${prefix}${label}.txt`;
    },
    async change(source, body) {
      await put(source.slice(`s3://${host}/${config.bucket}/`.length), body);
    },
    async close() {},
  };
}

let shared: TestS3 | undefined;
connectorContract('s3', async () => {
  shared = await startTestS3();
  return { ...fixtureOn(shared, `${shared.config.prefix}contract/`), close: () => shared!.stop() };
});

describe('s3 connector', () => {
  let s3: TestS3;
  let tempDir: string;
  const stop = new AbortController();
  before(async () => {
    s3 = await startTestS3();
    tempDir = mkdtempSync(join(tmpdir(), 'cim-s3-connector-'));
  });
  after(async () => {
    stop.abort();
    await s3?.stop();
    rmSync(tempDir, { recursive: true, force: true });
  });

  test('settings: defaults applied, the two credential files only together', () => {
    const ok = s3Connector.checkSettings({ bucket: 'b', endpoint: 'http://127.0.0.1:9000' });
    assert.deepEqual(ok.ok ? ok.settings : null, {
      bucket: 'b',
      endpoint: 'http://127.0.0.1:9000',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: true,
    });
    const half = s3Connector.checkSettings({ bucket: 'b', accessKeyIdFile: '/k' });
    assert.match(!half.ok ? half.error : '', /^settings\.accessKeyIdFile: must be given together/);
    const noBucket = s3Connector.checkSettings({});
    assert.match(!noBucket.ok ? noBucket.error : '', /^settings\.bucket: /);
  });

  test('a prefix of 2,500 objects is imported page by page, checkpointing by key, each once', async () => {
    const prefix = `${s3.config.prefix}many/`;
    const fixture = fixtureOn(s3, prefix);
    const count = 2_500;
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          fixture.add(`o${String(i + j).padStart(5, '0')}`, `object ${i + j}\n`),
        ),
      );
    }
    const sink = new RecordingSink();
    const session = openSession(fixture, stop.signal, tempDir);
    const cursor = await session.poll(null, sink);
    await session.close?.();
    assert.equal(sink.items.length, count);
    assert.equal(new Set(sink.items.map((i) => i.source)).size, count);
    const keys = sink.checkpoints.filter((c) => (c as { phase: string }).phase === 'import');
    assert.deepEqual(
      keys.map((c) => (c as { startAfter: string }).startAfter),
      [999, 1999, 2499].map((n) => `${prefix}o${String(n).padStart(5, '0')}.txt`),
      'one checkpoint per page of 1,000 keys',
    );
    assert.equal((cursor as { phase: string }).phase, 'changes');
    assert.ok(JSON.stringify(cursor).length < 150_000, 'the cursor stays bounded');

    // The next poll looks for changes: none, though objects beyond the cursor's bounded memory
    // of recent keys are offered again (and are seen again).
    sink.clear();
    const next = openSession(fixture, stop.signal, tempDir);
    await next.poll(cursor, sink);
    await next.close?.();
    assert.deepEqual(
      sink.items.filter((i) => i.outcome !== 'seen-again'),
      [],
    );

    // Restarting in the middle of the import (from the second page's checkpoint) takes the rest.
    const resumed = new RecordingSink();
    const again = openSession(fixture, stop.signal, tempDir);
    await again.poll(keys[1]!, resumed);
    await again.close?.();
    assert.equal(resumed.items.length, 500);
  });

  test('an object deleted from the prefix is recorded as removed, and nothing else is', async () => {
    const prefix = `${s3.config.prefix}deleted/`;
    const fixture = fixtureOn(s3, prefix);
    const kept = await fixture.add('kept', 'kept\n');
    const gone = await fixture.add('gone', 'gone\n');
    const sink = new RecordingSink();
    const session = openSession(fixture, stop.signal, tempDir);
    const cursor = await session.poll(null, sink);
    await s3
      .client()
      .send(new DeleteObjectCommand({ Bucket: s3.config.bucket, Key: `${prefix}gone.txt` }));
    await session.poll(cursor, sink);
    await session.close?.();
    assert.deepEqual(sink.removals, [gone]);
    assert.ok(sink.items.some((i) => i.source === kept));
  });

  test('wrong keys make the poll throw one sentence, without the secret', async () => {
    const fixture = fixtureOn(s3, `${s3.config.prefix}wrong/`, {
      [KEY_FILE]: 'NOT-A-KEY',
      [SECRET_FILE]: 'not-the-secret',
    });
    const session = openSession(fixture, stop.signal, tempDir);
    await assert.rejects(session.poll(null, new RecordingSink()), (err: Error) => {
      assert.match(
        err.message,
        /^The S3 server refused the credentials of connector contract \(bucket \S+ at http:\/\/127\.0\.0\.1:\d+\) \(\w+\): check the files named by settings\.accessKeyIdFile and settings\.secretAccessKeyFile\.$/,
      );
      assert.doesNotMatch(err.message, /not-the-secret/);
      return true;
    });
    await session.close?.();
  });
});
