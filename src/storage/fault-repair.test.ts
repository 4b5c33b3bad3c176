import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentTiered } from '../core/catalogue/storage.js';
import { contentCid } from '../core/cid.js';
import { MemoryEventStore } from '../events/memory-event-store.js';
import { silentLogger } from '../runtime/logger.js';
import { settleFaults } from './fault-repair.js';
import { ContentLocks } from './content-locks.js';
import { contentRef } from './storage-events.js';
import type { VerifyReport } from './tier-verify.js';
import { FolderTier } from './tiers/folder-tier.js';

/** A report naming one copy missing in `warm`, as a verification would. */
function missingInWarm(cid: string): VerifyReport {
  return {
    tiers: [{ name: 'warm', checked: 1, bytes: 0, faults: 1 }],
    faults: [{ tier: 'warm', cid, kind: 'missing', error: `${cid} is missing in tier warm.` }],
    expected: 1,
    lost: [],
  };
}

async function tiersWithColdCopy(bytes: Buffer) {
  const root = mkdtempSync(join(tmpdir(), 'cim-fault-repair-'));
  const warm = await FolderTier.open({ name: 'warm', root: join(root, 'warm') });
  const cold = await FolderTier.open({ name: 'cold', root: join(root, 'cold') });
  const cid = contentCid(bytes).toString();
  await cold.put(cid, bytes.byteLength, async function* () {
    yield bytes;
  });
  return { root, warm, cold, cid };
}

test('a copy missing where the history expects it is repaired from an intact copy', async () => {
  const { root, warm, cold, cid } = await tiersWithColdCopy(Buffer.from('kept in two tiers'));
  try {
    const events = new MemoryEventStore();
    const deps = { tiers: [warm, cold], events, logger: silentLogger(), locks: new ContentLocks() };
    const report = await settleFaults(deps, missingInWarm(cid), undefined, true);
    assert.equal(report.faults[0]?.repairedFrom, 'cold');
    assert.equal(await warm.has(cid), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Records a policy's move of `cid` from tier `from` into `to`. */
function moved(events: MemoryEventStore, cid: string, from: string, to: string) {
  return events.append(
    contentRef(cid),
    [
      ContentTiered.draft({
        cid,
        from,
        to,
        size: 20,
        kept: false,
        verifiedBy: 'read-back',
        policy: 'age-out',
      }),
    ],
    { expectedVersion: 'any' },
  );
}

/** Records a policy's move of `cid` out of warm into cold. */
const movedToCold = (events: MemoryEventStore, cid: string) => moved(events, cid, 'warm', 'cold');

test('a copy a policy moved away after the inventory is not written back', async () => {
  const { root, warm, cold, cid } = await tiersWithColdCopy(Buffer.from('moved down meanwhile'));
  try {
    const events = new MemoryEventStore();
    await movedToCold(events, cid);
    const deps = { tiers: [warm, cold], events, logger: silentLogger(), locks: new ContentLocks() };
    const report = await settleFaults(deps, missingInWarm(cid), undefined, true);
    assert.equal(report.faults[0]?.repairedFrom, undefined);
    assert.equal(await warm.has(cid), false, 'no copy left that no event accounts for');
    assert.deepEqual(report.lost, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a repair waits for a move of the same content under way, and then sees it', async () => {
  const { root, warm, cold, cid } = await tiersWithColdCopy(Buffer.from('moving right now'));
  try {
    const events = new MemoryEventStore();
    const locks = new ContentLocks();
    const deps = { tiers: [warm, cold], events, logger: silentLogger(), locks };
    let settling: ReturnType<typeof settleFaults> | undefined;
    await locks.with(cid, async () => {
      // The move holds the content's lock; the repair asked for meanwhile must not run yet.
      settling = settleFaults(deps, missingInWarm(cid), undefined, true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await warm.has(cid), false, 'nothing written while the move runs');
      await movedToCold(events, cid);
    });
    const report = await settling!;
    assert.equal(report.faults[0]?.repairedFrom, undefined);
    assert.equal(await warm.has(cid), false, 'no copy left that no event accounts for');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a copy moved on through several tiers since the inventory is not written back where it was', async () => {
  const { root, warm, cold, cid } = await tiersWithColdCopy(Buffer.from('warm, cold, then deep'));
  try {
    const events = new MemoryEventStore();
    // The inventory expected the copy in warm; the policy then moved it warm → cold → deep: the
    // latest move is not out of warm, yet warm is no place for it any more.
    await moved(events, cid, 'warm', 'cold');
    await moved(events, cid, 'cold', 'deep');
    const deps = { tiers: [warm, cold], events, logger: silentLogger(), locks: new ContentLocks() };
    const report = await settleFaults(deps, missingInWarm(cid), undefined, true);
    assert.equal(report.faults[0]?.repairedFrom, undefined);
    assert.equal(await warm.has(cid), false);
    // A later move back into warm places it there again: then the missing copy is repaired.
    await moved(events, cid, 'deep', 'warm');
    const again = await settleFaults(deps, missingInWarm(cid), undefined, true);
    assert.equal(again.faults[0]?.repairedFrom, 'cold');
    assert.equal(await warm.has(cid), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
