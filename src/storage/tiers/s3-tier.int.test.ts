import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { contentCid } from '../../core/cid.js';
import { InvalidConfigError, UnavailableError } from '../../core/errors.js';
import { freePort } from '../../nats/free-port.js';
import { startTestS3 } from '../../testing/s3-harness.js';
import type { TestS3 } from '../../testing/s3-harness.js';
import { UploadEtag, sha256Hex } from './content-hash.js';
import { S3Tier } from './s3-tier.js';
import type { S3TierConfig } from './s3-tier.js';
import { tierContract } from './tier.contract.js';

let s3: TestS3;
before(async () => {
  s3 = await startTestS3();
});
after(async () => {
  await s3.stop();
});

/** A tier on the harness bucket; the 5 MiB part size makes the contract's 12 MiB content multipart. */
function tierOn(overrides: Partial<S3TierConfig> = {}): S3Tier {
  return new S3Tier({ name: 'warm', ...s3.config, partSizeBytes: 5 * 1024 * 1024, ...overrides });
}

tierContract('S3Tier', async () => {
  const tier = tierOn();
  const raw = s3.client();
  return {
    tier,
    async corrupt(cid) {
      const key = tier.keyOf(cid);
      const got = await raw.send(new GetObjectCommand({ Bucket: s3.config.bucket, Key: key }));
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      assert.ok(bytes.byteLength > 0, 'only a non-empty object can be corrupted');
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      await raw.send(
        new PutObjectCommand({
          Bucket: s3.config.bucket,
          Key: key,
          Body: bytes,
          Metadata: got.Metadata ?? {},
        }),
      );
    },
    close: () => tier.close(),
  };
});

describe('S3Tier layout, readable by any S3 client', () => {
  test('objects are listed and fetched at <prefix>content/<cid> with metadata sha256 = the CID digest', async () => {
    const tier = tierOn();
    const raw = s3.client();
    try {
      const contents = [randomBytes(100), randomBytes(6 * 1024 * 1024)];
      const cids = contents.map((bytes) => contentCid(bytes).toString());
      for (const [i, bytes] of contents.entries()) {
        await tier.put(cids[i] ?? '', bytes.byteLength, async function* () {
          yield bytes;
        });
      }
      const prefix = `${s3.config.prefix}content/`;
      const listed = await raw.send(
        new ListObjectsV2Command({ Bucket: s3.config.bucket, Prefix: prefix }),
      );
      const keys = (listed.Contents ?? []).map((o) => o.Key);
      for (const [i, cid] of cids.entries()) {
        const key = `${prefix}${cid}`;
        assert.ok(keys.includes(key), `${key} is listed`);
        const got = await raw.send(new GetObjectCommand({ Bucket: s3.config.bucket, Key: key }));
        const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        assert.ok(bytes.equals(contents[i] ?? Buffer.alloc(0)), 'fetched bytes are the content');
        const digest = createHash('sha256').update(bytes).digest('hex');
        assert.equal(got.Metadata?.['sha256'], digest);
        assert.equal(digest, sha256Hex(cid), "sha256 of the object is the CID's digest");
      }
    } finally {
      await tier.close();
    }
  });
});

describe('S3Tier start-up failures are one clear sentence', () => {
  test('an unknown bucket', async () => {
    const tier = tierOn({ bucket: `cim-missing-${randomBytes(4).toString('hex')}` });
    try {
      await assert.rejects(tier.check(), (err: unknown) => {
        assert.ok(err instanceof InvalidConfigError);
        assert.match(
          err.message,
          /^Bucket cim-missing-\w+ does not exist at .*: create it or correct the bucket of tier warm\.$/,
        );
        return true;
      });
    } finally {
      await tier.close();
    }
  });

  test('wrong credentials', async () => {
    const credentials = { accessKeyId: 'CIMWRONGKEY', secretAccessKey: 'wrong-secret' };
    const tier = tierOn({ credentials });
    try {
      await assert.rejects(tier.check(), (err: unknown) => {
        assert.ok(err instanceof InvalidConfigError);
        assert.match(
          err.message,
          /^The S3 server refused the credentials of tier warm .*: check its access key and secret\.$/,
        );
        return true;
      });
    } finally {
      await tier.close();
    }
  });

  test('an unreachable endpoint', async () => {
    const port = await freePort();
    const tier = tierOn({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    try {
      await assert.rejects(tier.check(), (err: unknown) => {
        assert.ok(err instanceof UnavailableError);
        assert.match(
          err.message,
          /^The S3 endpoint of tier warm .* cannot be reached \(ECONNREFUSED\): check the endpoint and that the server is running\.$/,
        );
        return true;
      });
    } finally {
      await tier.close();
    }
  });

  test('a prefix that does not end with "/" is refused', () => {
    assert.throws(() => tierOn({ prefix: 'cim' }), InvalidConfigError);
  });
});

describe('S3Tier checks its writes on the far side', () => {
  test('a single PUT: the ETag the server computed matches what was sent', async () => {
    const tier = tierOn();
    const content = randomBytes(300 * 1024);
    const cid = contentCid(content).toString();
    const result = await tier.put(cid, content.byteLength, async function* () {
      yield content;
    });
    assert.deepEqual(result, { stored: true, verifiedBy: 'etag' });
    await tier.close();
  });

  test('a multipart upload claims the check only when the server’s ETag is the standard one', async () => {
    // s3rver gives multipart objects an ETag of its own; MinIO and AWS give MD5-of-MD5s-N.
    const tier = tierOn();
    const content = randomBytes(11 * 1024 * 1024 + 7);
    const cid = contentCid(content).toString();
    const result = await tier.put(cid, content.byteLength, async function* () {
      yield content;
    });
    const head = await s3
      .client()
      .send(new HeadObjectCommand({ Bucket: s3.config.bucket, Key: tier.keyOf(cid) }));
    const expected = new UploadEtag(5 * 1024 * 1024);
    expected.update(content);
    assert.equal(result.stored, true);
    assert.equal(
      result.verifiedBy === 'etag',
      head.ETag?.replace(/"/g, '') === expected.expected(),
    );
    await tier.close();
  });
});
