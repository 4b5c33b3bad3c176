import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { contentCid } from '../../core/cid.js';
import { IntegrityError, InvalidInputError } from '../../core/errors.js';
import { VERIFY_BEFORE_SERVING_BYTES } from '../content-store.js';
import type { GetOptions } from '../content-store.js';
import type { StorageTier } from './storage-tier.js';

/** What an implementation's test hands the contract. */
export interface TierFixture {
  readonly tier: StorageTier;
  /** Changes one byte of the stored object behind the tier's back, keeping its size. */
  corrupt(cid: string): Promise<void>;
  /** Closes the tier and removes whatever the fixture created. */
  close(): Promise<void>;
}

/** Content above the size verified before serving, and above common multipart thresholds. */
const LARGE_BYTES = 12 * 1024 * 1024;

/** A blob and its CID. */
function blob(bytes: Uint8Array): { bytes: Uint8Array; cid: string } {
  return { bytes, cid: contentCid(bytes).toString() };
}

/** A source that yields `bytes` in chunks of `chunk` bytes, counting how often it was opened. */
function source(bytes: Uint8Array, chunk = 256 * 1024) {
  const opened = { count: 0 };
  const open = async function* () {
    opened.count++;
    for (let at = 0; at < bytes.byteLength; at += chunk) yield bytes.subarray(at, at + chunk);
  };
  return Object.assign(open, { opened });
}

async function readAll(
  tier: StorageTier,
  cid: string,
  options: GetOptions = {},
): Promise<Buffer | undefined> {
  const found = await tier.get(cid, options);
  if (found === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of found.stream()) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  assert.equal(found.size, bytes.byteLength, 'get() reports the size it streams');
  return bytes;
}

function isIntegrityErrorNaming(cid: string, tier: string) {
  return (err: unknown) => {
    assert.ok(err instanceof IntegrityError, `expected an IntegrityError, got ${String(err)}`);
    assert.match(err.message, new RegExp(cid));
    assert.match(err.message, new RegExp(`tier ${tier}\\b`));
    return true;
  };
}

/**
 * The behaviour every {@link StorageTier} implementation must show; call it from the
 * implementation's test file with a factory for a fresh, empty tier.
 */
export function tierContract(label: string, setup: () => Promise<TierFixture>): void {
  describe(`StorageTier contract: ${label}`, () => {
    let fx: TierFixture;
    let tier: StorageTier;
    const large = blob(randomBytes(LARGE_BYTES));

    before(async () => {
      fx = await setup();
      tier = fx.tier;
    });
    after(async () => {
      await fx.close();
    });

    test('check() passes on a usable tier', async () => {
      await tier.check();
    });

    for (const [what, content] of [
      ['empty', blob(new Uint8Array(0))],
      ['small (1 KiB)', blob(randomBytes(1024))],
      ['multi-MB (12 MiB)', large],
    ] as const) {
      test(`put then get round-trips ${what} content byte-exact`, async () => {
        const put = await tier.put(content.cid, content.bytes.byteLength, source(content.bytes));
        assert.equal(put.stored, true);
        assert.equal(await tier.has(content.cid), true);
        assert.deepEqual(await tier.stat(content.cid), { size: content.bytes.byteLength });
        const back = await readAll(tier, content.cid);
        assert.ok(back?.equals(content.bytes), 'the bytes read back equal the bytes put');
      });
    }

    test('a second put of held content reports it already held and keeps it intact', async () => {
      const content = blob(randomBytes(4096));
      await tier.put(content.cid, 4096, source(content.bytes));
      assert.equal((await tier.put(content.cid, 4096, source(content.bytes))).stored, false);
      assert.ok((await readAll(tier, content.cid))?.equals(content.bytes));
    });

    for (const [what, size] of [
      ['small', 2048],
      ['multi-MB', LARGE_BYTES],
    ] as const) {
      test(`wrong bytes for a CID (${what}) are refused and nothing is left`, async () => {
        const named = blob(randomBytes(size));
        const wrong = randomBytes(size);
        await assert.rejects(
          tier.put(named.cid, size, source(wrong)),
          isIntegrityErrorNaming(named.cid, tier.name),
        );
        assert.equal(await tier.has(named.cid), false);
        assert.equal(await tier.get(named.cid), undefined);
        for await (const entry of tier.list()) assert.notEqual(entry.cid, named.cid);
      });
    }

    for (const [what, size] of [
      ['small', 2048],
      ['multi-MB', LARGE_BYTES],
    ] as const) {
      test(`a verified source that fails at its end (${what}) leaves nothing behind`, async () => {
        const named = blob(randomBytes(size));
        const failing = () =>
          (async function* () {
            yield named.bytes.subarray(0, size - 1);
            throw new IntegrityError(`${named.cid} failed its own check`);
          })();
        await assert.rejects(
          tier.put(named.cid, size, failing, { sourceVerified: true }),
          IntegrityError,
        );
        assert.equal(await tier.has(named.cid), false);
        const put = await tier.put(named.cid, size, source(named.bytes), { sourceVerified: true });
        assert.equal(put.stored, true);
        assert.ok((await readAll(tier, named.cid))?.equals(named.bytes));
      });
    }

    test('a wrong declared size is refused and nothing is left', async () => {
      const content = blob(randomBytes(1000));
      await assert.rejects(tier.put(content.cid, 999, source(content.bytes)), InvalidInputError);
      assert.equal(await tier.has(content.cid), false);
    });

    test('a corrupted small object fails get() itself, before any byte is served', async () => {
      const content = blob(randomBytes(64 * 1024));
      await tier.put(content.cid, content.bytes.byteLength, source(content.bytes));
      await fx.corrupt(content.cid);
      await assert.rejects(tier.get(content.cid), isIntegrityErrorNaming(content.cid, tier.name));
    });

    test('a streamed get reads nothing first: a corrupted small object fails its stream', async () => {
      const content = blob(randomBytes(64 * 1024));
      await tier.put(content.cid, content.bytes.byteLength, source(content.bytes));
      assert.ok((await readAll(tier, content.cid, { streamed: true }))?.equals(content.bytes));
      await fx.corrupt(content.cid);
      const object = await tier.get(content.cid, { streamed: true });
      assert.equal(object?.size, content.bytes.byteLength);
      await assert.rejects(
        readAll(tier, content.cid, { streamed: true }),
        isIntegrityErrorNaming(content.cid, tier.name),
      );
    });

    test('a corrupted large object fails its stream by the last chunk', async () => {
      assert.ok(LARGE_BYTES > VERIFY_BEFORE_SERVING_BYTES);
      const content = blob(randomBytes(LARGE_BYTES));
      await tier.put(content.cid, LARGE_BYTES, source(content.bytes));
      await fx.corrupt(content.cid);
      await assert.rejects(
        readAll(tier, content.cid),
        isIntegrityErrorNaming(content.cid, tier.name),
      );
    });

    test('delete removes the object and deleting again is not an error', async () => {
      const content = blob(randomBytes(300));
      await tier.put(content.cid, 300, source(content.bytes));
      await tier.delete(content.cid);
      assert.equal(await tier.has(content.cid), false);
      assert.equal(await tier.stat(content.cid), undefined);
      assert.equal(await tier.get(content.cid), undefined);
      await tier.delete(content.cid);
      assert.equal((await tier.put(content.cid, 300, source(content.bytes))).stored, true);
    });

    test('list reports every held object with its size', async () => {
      const put = [blob(randomBytes(10)), blob(randomBytes(20)), blob(randomBytes(30))];
      for (const c of put) await tier.put(c.cid, c.bytes.byteLength, source(c.bytes));
      const listed = new Map<string, number>();
      for await (const entry of tier.list()) listed.set(entry.cid, entry.size);
      for (const c of put) assert.equal(listed.get(c.cid), c.bytes.byteLength);
      assert.equal(listed.get(large.cid), LARGE_BYTES);
    });

    test('content the tier does not hold: has false, stat and get undefined', async () => {
      const absent = blob(randomBytes(16)).cid;
      assert.equal(await tier.has(absent), false);
      assert.equal(await tier.stat(absent), undefined);
      assert.equal(await tier.get(absent), undefined);
    });

    test('a string that is not a content CID is refused as invalid input', async () => {
      await assert.rejects(tier.has('not-a-cid'), InvalidInputError);
      await assert.rejects(
        tier.put('bafyreinotcontent', 1, source(new Uint8Array(1))),
        InvalidInputError,
      );
    });
  });
}
