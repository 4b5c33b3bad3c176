import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectorContract, openSession, type ConnectorFixture } from '../../connector.contract.js';
import { RecordingSink } from '../../recording-sink.js';
import type {
  ConnectorJson,
  ConnectorSession,
  ItemOutcome,
  SourceItem,
} from '../../../plugins/plugin-api.js';
import { until } from '../../../testing/until.js';
import { folderConnector } from './folder-connector.js';

/**
 * A file is taken once its ctime is at least 100 ms old (the connector's floor under
 * `stableMs: 0`); fixtures wait a little longer than that after writing, so the next poll
 * sees the file as settled. The floor is a constant of the connector, not a measured duration.
 */
const SETTLED_MS = 150;

function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'cim-folder-connector-'));
}

function fixtureFor(dir: string, settings: Record<string, unknown> = {}): ConnectorFixture {
  return {
    definition: folderConnector,
    settings: { path: dir, stableMs: 0, ...settings },
    async add(label, body) {
      const file = join(dir, `${label}.txt`);
      writeFileSync(file, body);
      await sleep(SETTLED_MS);
      return pathToFileURL(file).href;
    },
    async change(source, body) {
      writeFileSync(fileURLToPath(source), body);
      await sleep(SETTLED_MS);
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

connectorContract('folder', async () => fixtureFor(tempFolder()));

describe('folder connector', () => {
  const dirs: string[] = [];
  const sessions: ConnectorSession[] = [];
  const stop = new AbortController();
  let scratch: string;
  before(() => {
    scratch = tempFolder();
  });
  after(async () => {
    stop.abort();
    for (const s of sessions) await s.close?.();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  function open(settings: Record<string, unknown> = {}): {
    dir: string;
    session: ConnectorSession;
    fixture: ConnectorFixture;
  } {
    const dir = tempFolder();
    dirs.push(dir);
    const fixture = fixtureFor(dir, settings);
    const session = openSession(fixture, stop.signal, scratch);
    sessions.push(session);
    return { dir, session, fixture };
  }

  test('settings are checked: a relative or missing path is refused naming settings.path', () => {
    const relative = folderConnector.checkSettings({ path: 'inbox' });
    assert.equal(relative.ok, false);
    assert.match(
      !relative.ok ? relative.error : '',
      /^settings\.path: must be an absolute path\.$/,
    );
    const missing = folderConnector.checkSettings({ path: join(scratch, 'nowhere') });
    assert.match(
      !missing.ok ? missing.error : '',
      /^settings\.path: must name an existing folder\.$/,
    );
    const ok = folderConnector.checkSettings({ path: scratch });
    assert.deepEqual(ok.ok ? ok.settings : null, {
      path: scratch,
      recursive: true,
      subfoldersAsTags: false,
      stableMs: 1000,
    });
  });

  test('a file given new bytes and an OLD modification time arrives with its new bytes', async () => {
    const { dir, session } = open();
    const file = join(dir, 'report.txt');
    writeFileSync(file, 'version one\n');
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(file, old, old);
    await sleep(SETTLED_MS);
    const sink = new RecordingSink();
    let cursor = await session.poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => i.bytes.toString()),
      ['version one\n'],
    );

    writeFileSync(file, 'version two\n');
    utimesSync(file, old, old);
    await sleep(SETTLED_MS);
    sink.clear();
    cursor = await session.poll(cursor, sink);
    assert.deepEqual(
      sink.items.map((i) => [i.source, i.bytes.toString(), i.outcome]),
      [[pathToFileURL(file).href, 'version two\n', 'stored']],
    );
    sink.clear();
    await session.poll(cursor, sink);
    assert.deepEqual(sink.items, [], 'nothing again once taken');
  });

  test('the same bytes under a new name are two sources of one content (linked)', async () => {
    const { dir, session } = open();
    writeFileSync(join(dir, 'a.txt'), 'the same bytes\n');
    await sleep(SETTLED_MS);
    const sink = new RecordingSink();
    const cursor = await session.poll(null, sink);
    copyFileSync(join(dir, 'a.txt'), join(dir, 'copy of a.txt'));
    await sleep(SETTLED_MS);
    sink.clear();
    await session.poll(cursor, sink);
    assert.deepEqual(
      sink.items.map((i) => [i.source, i.outcome]),
      [[pathToFileURL(join(dir, 'copy of a.txt')).href, 'linked']],
    );
  });

  test('a growing file is not taken until it has been still for stableMs', async () => {
    const stableMs = 800;
    const { dir, session } = open({ stableMs });
    const file = join(dir, 'growing.log');
    const sink = new RecordingSink();
    let cursor: ConnectorJson | null = null;
    writeFileSync(file, 'line 0\n');
    for (let i = 1; i <= 5; i++) {
      await sleep(stableMs / 4);
      appendFileSync(file, `line ${i}\n`);
      cursor = await session.poll(cursor, sink);
      assert.deepEqual(sink.items, [], `not taken while it grows (write ${i})`);
    }
    const started = Date.now();
    const item = await until('the file to be taken', async () => {
      cursor = await session.poll(cursor, sink);
      return sink.items[0];
    });
    assert.ok(Date.now() - started >= stableMs / 2, 'it was taken only after a quiet time');
    assert.equal(item.bytes.toString(), [0, 1, 2, 3, 4, 5].map((i) => `line ${i}\n`).join(''));
    assert.equal(sink.items.length, 1);
  });

  test('subfolders become tags, and recursive: false keeps to the top folder', async () => {
    const { dir, session } = open({ subfoldersAsTags: true });
    mkdirSync(join(dir, 'clients', 'acme'), { recursive: true });
    writeFileSync(join(dir, 'clients', 'acme', 'offer.txt'), 'offer\n');
    writeFileSync(join(dir, 'top.txt'), 'top\n');
    await sleep(SETTLED_MS);
    const sink = new RecordingSink();
    await session.poll(null, sink);
    const tags = Object.fromEntries(sink.items.map((i) => [i.name, i.tags]));
    assert.deepEqual(tags, { 'offer.txt': ['clients', 'acme'], 'top.txt': [] });

    const flat = openSession(fixtureFor(dir, { recursive: false }), stop.signal, scratch);
    sessions.push(flat);
    const flatSink = new RecordingSink();
    await flat.poll(null, flatSink);
    assert.deepEqual(
      flatSink.items.map((i) => i.name),
      ['top.txt'],
    );
  });

  test('include and exclude globs choose the files', async () => {
    const { dir, session } = open({ include: ['**/*.pdf', '*.txt'], exclude: ['**/draft-*'] });
    mkdirSync(join(dir, 'sub'));
    for (const name of ['a.pdf', 'sub/b.pdf', 'sub/draft-c.pdf', 'd.txt', 'sub/e.txt', 'f.md']) {
      writeFileSync(join(dir, name), name);
    }
    await sleep(SETTLED_MS);
    const sink = new RecordingSink();
    await session.poll(null, sink);
    assert.deepEqual(sink.items.map((i) => i.bytes.toString()).sort(), [
      'a.pdf',
      'd.txt',
      'sub/b.pdf',
    ]);
  });

  test('a deletion is recorded, live and while no session ran, and nothing is erased', async () => {
    const { dir, session, fixture } = open();
    for (const name of ['keep.txt', 'gone-live.txt', 'gone-while-down.txt'])
      writeFileSync(join(dir, name), name);
    await sleep(SETTLED_MS);
    const sink = new RecordingSink();
    let cursor = await session.poll(null, sink);
    rmSync(join(dir, 'gone-live.txt'));
    cursor = await session.poll(cursor, sink);
    assert.deepEqual(sink.removals, [pathToFileURL(join(dir, 'gone-live.txt')).href]);

    await session.close?.();
    rmSync(join(dir, 'gone-while-down.txt'));
    const restarted = openSession(fixture, stop.signal, scratch);
    sessions.push(restarted);
    sink.clear();
    await restarted.poll(cursor, sink);
    assert.deepEqual(sink.removals, [pathToFileURL(join(dir, 'gone-while-down.txt')).href]);
    assert.deepEqual(sink.items, [], 'no file is taken again');
  });

  test('watching wakes the hub when a file arrives', async () => {
    const { dir, session } = open();
    let wakes = 0;
    session.watch?.(() => {
      wakes += 1;
    });
    await sleep(SETTLED_MS); // chokidar sets up its watches asynchronously
    writeFileSync(join(dir, 'arrived.txt'), 'hello\n');
    await until('a wake', async () => (wakes > 0 ? true : undefined));
  });

  test('a poll killed midway and restarted from its last checkpoint repeats nothing and misses nothing', async () => {
    const { dir, fixture } = open();
    const count = 600;
    for (let i = 0; i < count; i++)
      writeFileSync(join(dir, `f${String(i).padStart(4, '0')}.txt`), `file ${i}\n`);
    await sleep(SETTLED_MS);
    const sink = new RecordingSink();
    const crashing = new (class extends RecordingSink {
      puts = 0;
      override async put(item: SourceItem): Promise<ItemOutcome> {
        if (++this.puts > 450) throw new Error('killed');
        return sink.put(item);
      }
      override checkpoint(cursor: ConnectorJson) {
        return sink.checkpoint(cursor);
      }
    })();
    const first = openSession(fixture, stop.signal, scratch);
    await assert.rejects(first.poll(null, crashing), /killed/);
    await first.close?.();
    const last = sink.checkpoints.at(-1);
    assert.ok(last !== undefined, 'the killed poll had checkpointed');
    const second = openSession(fixture, stop.signal, scratch);
    sessions.push(second);
    await second.poll(last, sink);
    const taken = sink.items.filter((i) => i.outcome !== 'seen-again').map((i) => i.source);
    assert.equal(taken.length, count, 'every file stored');
    assert.equal(new Set(taken).size, count, 'none stored twice');
    const again = sink.withOutcome('seen-again').length;
    assert.ok(again < 200, `only the items after the last checkpoint were read again (${again})`);
  });

  test('10,000 small files in one scan', async (t) => {
    const { dir, session } = open();
    const count = 10_000;
    for (let i = 0; i < 100; i++) {
      mkdirSync(join(dir, `d${i}`));
      for (let j = 0; j < count / 100; j++)
        writeFileSync(join(dir, `d${i}`, `f${j}.txt`), `file ${i}/${j}\n`);
    }
    await sleep(SETTLED_MS);
    const sink = new RecordingSink();
    const started = process.hrtime.bigint();
    const cursor = await session.poll(null, sink);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    t.diagnostic(
      `scanned and took ${count} files in ${ms.toFixed(0)} ms (${((count / ms) * 1000).toFixed(0)} files/s)`,
    );
    assert.equal(sink.items.length, count);
    assert.equal(new Set(sink.items.map((i) => i.source)).size, count);
    const size = JSON.stringify(cursor).length;
    t.diagnostic(`cursor: ${size} characters`);
    assert.ok(size < 1000, 'the cursor stays small');
  });
});
