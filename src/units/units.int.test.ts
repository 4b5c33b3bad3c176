import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Objm } from '@nats-io/obj';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { base32 } from 'multiformats/bases/base32';
import { connectNats } from '../nats/connect.js';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';

const root = mkdtempSync(join(tmpdir(), 'cim-units-'));
const data = join(root, 'node');
const tree = join(root, 'tree');
let node: CimUp;
const cim = (...args: string[]) => runCim([...args, '--url', node.ready.ui]);

/** A small tree of real-looking documents with known phrases, plus the awkward cases. */
function writeTree(): void {
  mkdirSync(join(tree, 'notes', 'deep'), { recursive: true });
  for (let i = 0; i < 40; i++) {
    writeFileSync(
      join(tree, 'notes', `note-${i}.md`),
      `# Note ${i}\n\nThis note mentions the zebra number ${i} and a shared walrus.\n`,
    );
  }
  writeFileSync(
    join(tree, 'notes', 'deep', 'plan.txt'),
    'The quarterly migration plan for aardvark servers.\n',
  );
  writeFileSync(join(tree, 'empty.txt'), '');
  symlinkSync(tree, join(tree, 'notes', 'loop'));
}

interface Line {
  path: string;
  unitCid?: string;
  contentCid?: string;
  size?: number;
  status: string;
  error?: string;
}
const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

before(async () => {
  writeTree();
  node = await startCimUp(['--data', data]);
});
after(async () => {
  await node.stop();
  rmSync(root, { recursive: true, force: true });
});

async function contentBytes(): Promise<number> {
  const nc = await connectNats(node.ready.nats);
  try {
    return (await (await new Objm(nc).open('cim-content')).status()).size;
  } finally {
    await nc.close();
  }
}

test('ingest a tree: every file stored, bad cases reported per file, exit code 1', async () => {
  const result = await cim('ingest', tree, '--json', '--tag', 'test');
  assert.equal(result.code, 1, result.stderr);
  const out = lines(result.stdout);
  const stored = out.filter((l) => l.status === 'stored');
  const errors = out.filter((l) => l.status === 'error');
  assert.equal(stored.length, 41);
  assert.ok(
    errors.some((e) => /empty/.test(e.error ?? '')),
    'the empty file is reported',
  );
  assert.ok(
    errors.some((e) => /symlink loop/.test(e.error ?? '')),
    'the symlink loop is reported',
  );
});

test('content CIDs equal b + base32(01 55 12 20 + sha256), and cat returns the exact bytes', async () => {
  const out = lines(
    (await cim('ingest', join(tree, 'notes', 'deep', 'plan.txt'), '--json')).stdout,
  )[0]!;
  const bytes = readFileSync(join(tree, 'notes', 'deep', 'plan.txt'));
  const digest = createHash('sha256').update(bytes).digest();
  assert.equal(
    out.contentCid,
    base32.encode(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest])),
  );
  const cat = await runCim(['units', 'cat', out.unitCid!, '--url', node.ready.ui]);
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(
    createHash('sha256').update(Buffer.from(cat.stdout, 'latin1')).digest('hex'),
    digest.toString('hex'),
  );
});

test('ingesting the same tree again stores nothing new: deduplicated, zero bytes added', async () => {
  const before = await contentBytes();
  const out = lines(
    (await cim('ingest', join(tree, 'notes'), '--json', '--tag', 'test')).stdout,
  ).filter((l) => l.status !== 'error');
  assert.equal(out.length, 41);
  assert.ok(
    out.every((l) => l.status === 'deduplicated'),
    JSON.stringify(out.find((l) => l.status !== 'deduplicated')),
  );
  assert.equal(await contentBytes(), before);
});

test('search finds documents by phrases inside them; a changed file becomes a new version linked to the previous', async () => {
  const hits = JSON.parse((await cim('search', '"quarterly migration plan"', '--json')).stdout) as {
    hits: { unit: { name: string } }[];
  };
  assert.deepEqual(
    hits.hits.map((h) => h.unit.name),
    ['plan.txt'],
  );
  const zebra = JSON.parse((await cim('search', 'zebra 17', '--json')).stdout) as {
    hits: { unit: { name: string } }[];
  };
  assert.equal(zebra.hits[0]?.unit.name, 'note-17.md');

  writeFileSync(
    join(tree, 'notes', 'deep', 'plan.txt'),
    'The revised plan moves the pangolin servers.\n',
  );
  const v2 = lines(
    (await cim('ingest', join(tree, 'notes', 'deep', 'plan.txt'), '--json')).stdout,
  )[0]!;
  const history = JSON.parse((await cim('units', 'history', v2.unitCid!, '--json')).stdout) as {
    versions: { version: number; previous: string | null; unitCid: string }[];
  };
  // Earlier tests ingested it with other tags: each metadata change was a version too.
  const versions = history.versions;
  assert.deepEqual(
    versions.map((v) => v.version),
    versions.map((_, i) => i + 1),
  );
  assert.ok(versions.length >= 2);
  assert.equal(versions.at(-1)!.unitCid, v2.unitCid);
  assert.equal(versions.at(-1)!.previous, versions.at(-2)!.unitCid);
  const old = JSON.parse((await cim('search', 'aardvark', '--json')).stdout) as { hits: unknown[] };
  assert.equal(old.hits.length, 0, 'search shows the latest version only');
  const fresh = JSON.parse((await cim('search', 'pangolin', '--json')).stdout) as {
    hits: { unit: { unitCid: string } }[];
  };
  assert.equal(fresh.hits[0]?.unit.unitCid, v2.unitCid);
});

test('a byte flipped in a stored object makes reading that unit an integrity error naming the CID; others still read', async () => {
  writeFileSync(join(root, 'victim.txt'), 'victim content that will be corrupted\n');
  const victim = lines((await cim('ingest', join(root, 'victim.txt'), '--json')).stdout)[0]!;
  const nc = await connectNats(node.ready.nats);
  try {
    const info = await (await new Objm(nc).open('cim-content')).info(victim.contentCid!);
    const jsm = await jetstreamManager(nc);
    const chunkSubject = `$O.cim-content.C.${info!.nuid}`;
    const chunk = await jsm.direct.getMessage('OBJ_cim-content', { last_by_subj: chunkSubject });
    const flipped = Buffer.from(chunk!.data);
    flipped[0] = flipped[0]! ^ 0x01;
    await jsm.streams.deleteMessage('OBJ_cim-content', chunk!.seq);
    await jetstream(nc).publish(chunkSubject, flipped);
  } finally {
    await nc.close();
  }
  const bad = await runCim(['units', 'cat', victim.unitCid!, '--url', node.ready.ui]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '', 'no wrong bytes are written');
  assert.match(bad.stderr, new RegExp(victim.contentCid!));
  const hits = JSON.parse((await cim('search', 'walrus', '--json', '--limit', '1')).stdout) as {
    hits: { unit: { unitCid: string } }[];
  };
  const good = await runCim(['units', 'cat', hits.hits[0]!.unit.unitCid, '--url', node.ready.ui]);
  assert.equal(good.code, 0);
  assert.match(good.stdout, /walrus/);
});

test('deleting the read-model database and restarting rebuilds the same answers', async () => {
  const ask = async () => ({
    search: JSON.parse((await cim('search', 'walrus', '--json', '--limit', '100')).stdout) as {
      hits: { unit: { unitCid: string } }[];
    },
    list: JSON.parse((await cim('units', 'ls', '--json', '--limit', '1000')).stdout) as {
      units: { unitCid: string }[];
    },
  });
  const before = await ask();
  await node.stop();
  rmSync(join(data, 'read-models'), { recursive: true, force: true });
  node = await startCimUp(['--data', data]);
  let after = await ask();
  for (let i = 0; i < 50 && after.list.units.length < before.list.units.length; i++) {
    await new Promise((r) => setTimeout(r, 200));
    after = await ask();
  }
  assert.deepEqual(
    after.list.units.map((u) => u.unitCid),
    before.list.units.map((u) => u.unitCid),
  );
  assert.deepEqual(
    after.search.hits.map((h) => h.unit.unitCid).sort(),
    before.search.hits.map((h) => h.unit.unitCid).sort(),
  );
});
