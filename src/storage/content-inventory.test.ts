import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentTiered } from '../core/catalogue/storage.js';
import type { CatalogUnit } from '../knowledge/catalog.js';
import { MemoryEventStore } from '../events/memory-event-store.js';
import { expectedContent } from './content-inventory.js';
import { contentRef } from './storage-events.js';

const cids = [
  'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  'bafkreiakd62h4g6dwpnvmoueebv6sjsyzsaitlzwpganagf4m7f7oem3hu',
];

/** Catalog rows as the inventory reads them: only the fields it uses are meaningful. */
const units = [
  { content: cids[0], name: 'a.txt', size: 5, position: 1 },
  { content: cids[0], name: 'a-copy.txt', size: 5, position: 2 },
  { content: cids[1], name: 'b.txt', size: 0, position: 3 },
  { content: cids[2], name: 'c.pdf', size: 9, position: 4 },
] as unknown as CatalogUnit[];
const catalog = {
  scan: (after: number, limit: number) => units.filter((u) => u.position > after).slice(0, limit),
};

async function moved(store: MemoryEventStore, cid: string, to: string, kept: boolean) {
  const data = {
    cid,
    from: 'hot',
    to,
    size: 5,
    kept,
    verifiedBy: 'read-back' as const,
    policy: null,
  };
  await store.append(contentRef(cid), [ContentTiered.draft(data)], { expectedVersion: 'any' });
}

test('each unit content is expected in hot, then where its moves put it, with its units named', async () => {
  const store = new MemoryEventStore();
  await moved(store, cids[1]!, 'cold', false);
  await moved(store, cids[2]!, 'warm', true);
  const expected = await expectedContent(catalog, store, undefined);
  assert.equal(expected.size, 3);
  assert.deepEqual([...expected.get(cids[0]!)!.tiers], ['hot']);
  assert.deepEqual(expected.get(cids[0]!)!.names, ['a.txt', 'a-copy.txt']);
  assert.equal(expected.get(cids[0]!)!.units, 2);
  assert.deepEqual([...expected.get(cids[1]!)!.tiers], ['cold'], 'moved out of hot');
  assert.deepEqual([...expected.get(cids[2]!)!.tiers].sort(), ['hot', 'warm'], 'copied, kept');
});

test('with a safety copy, content placed in hot is expected in the safety tier too', async () => {
  const store = new MemoryEventStore();
  await moved(store, cids[1]!, 'cold', false);
  const expected = await expectedContent(catalog, store, 'safe');
  assert.deepEqual([...expected.get(cids[0]!)!.tiers].sort(), ['hot', 'safe']);
  assert.deepEqual(
    [...expected.get(cids[1]!)!.tiers],
    ['cold'],
    'no longer in hot: no safety copy',
  );
});
