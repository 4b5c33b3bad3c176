import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentCid } from '../../core/cid.js';
import { IntegrityError } from '../../core/errors.js';
import { FolderTier } from './folder-tier.js';
import { tierContract } from './tier.contract.js';

function pathOf(root: string, cid: string): string {
  return join(root, 'content', cid.slice(7, 9), cid);
}

tierContract('FolderTier', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cim-folder-tier-'));
  const tier = await FolderTier.open({ name: 'archive', root });
  return {
    tier,
    async corrupt(cid) {
      const file = await open(pathOf(root, cid), 'r+');
      try {
        const byte = Buffer.alloc(1);
        const { bytesRead } = await file.read(byte, 0, 1, 0);
        assert.equal(bytesRead, 1, 'only a non-empty object can be corrupted');
        byte[0] = (byte[0] ?? 0) ^ 0xff;
        await file.write(byte, 0, 1, 0);
      } finally {
        await file.close();
      }
    },
    async close() {
      await tier.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

test('FolderTier lays objects out as <root>/content/<2 chars after bafkrei>/<cid>', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cim-folder-tier-'));
  try {
    const tier = await FolderTier.open({ name: 'archive', root });
    const bytes = Buffer.from('laid out as documented');
    const cid = contentCid(bytes).toString();
    await tier.put(cid, bytes.byteLength, async function* () {
      yield bytes;
    });
    assert.ok(readFileSync(pathOf(root, cid)).equals(bytes));
    assert.deepEqual(readdirSync(join(root, 'tmp')), [], 'no temporary file is left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('FolderTier leaves nothing under the final name when the source fails midway', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cim-folder-tier-'));
  try {
    const tier = await FolderTier.open({ name: 'archive', root });
    const cid = contentCid(Buffer.from('never finished')).toString();
    await assert.rejects(
      tier.put(cid, 14, async function* () {
        yield Buffer.from('never');
        throw new Error('source broke');
      }),
      /source broke/,
    );
    assert.equal(existsSync(pathOf(root, cid)), false);
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('FolderTier.open removes stale temporary files left by a crash, keeps fresh ones', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cim-folder-tier-'));
  try {
    await FolderTier.open({ name: 'archive', root });
    const stale = join(root, 'tmp', 'stale.part');
    const fresh = join(root, 'tmp', 'fresh.part');
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'y');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    await FolderTier.open({ name: 'archive', root });
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(fresh), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('FolderTier.check names the folder it cannot write to', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cim-folder-tier-'));
  const tier = await FolderTier.open({ name: 'archive', root });
  rmSync(root, { recursive: true, force: true });
  await assert.rejects(tier.check(), (err: unknown) => {
    assert.ok(err instanceof Error && !(err instanceof IntegrityError));
    assert.match(err.message, /Tier archive cannot write to its folder/);
    assert.ok(err.message.includes(root));
    return true;
  });
});

test('a folder tier keeps named records beside its objects, listed in order, never outside refs/', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cim-folder-refs-'));
  try {
    const tier = await FolderTier.open({ name: 'backup', root });
    assert.deepEqual(await tier.listRefs('backups/'), []);
    await tier.putRef('backups/2026-12-02T00:00:00.000Z_b', 'second');
    await tier.putRef('backups/2026-12-01T00:00:00.000Z_a', 'first');
    assert.deepEqual(await tier.listRefs('backups/'), [
      'backups/2026-12-01T00:00:00.000Z_a',
      'backups/2026-12-02T00:00:00.000Z_b',
    ]);
    assert.equal(await tier.getRef('backups/2026-12-01T00:00:00.000Z_a'), 'first');
    assert.equal(await tier.getRef('backups/none'), undefined);
    assert.equal(
      readFileSync(join(root, 'refs', 'backups', '2026-12-02T00:00:00.000Z_b'), 'utf8'),
      'second',
    );
    await assert.rejects(tier.putRef('../escape', 'x'), /not a record name/);
    assert.deepEqual(readdirSync(join(root, 'tmp')), [], 'no temporary file is left');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
