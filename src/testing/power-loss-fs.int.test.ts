import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { mountPowerLossFs } from './power-loss-fs.js';
import type { PowerLossFs } from './power-loss-fs.js';

const root = mkdtempSync(join(tmpdir(), 'cim-plfs-'));
let fs: PowerLossFs | undefined;
let runs = 0;

afterEach(async () => {
  await fs?.stop();
  fs = undefined;
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A fresh backing folder (filled by `seed` before mounting) and its mount. */
async function mountFresh(seed: (backing: string) => void = () => undefined) {
  const run = join(root, String(++runs));
  const backing = join(run, 'backing');
  const mountpoint = join(run, 'mnt');
  mkdirSync(backing, { recursive: true });
  mkdirSync(mountpoint);
  seed(backing);
  fs = await mountPowerLossFs(backing, mountpoint);
  return { backing, m: (p: string) => join(fs!.mountpoint, p) };
}

/** Every file under `dir` with its content, directories as null. */
function tree(dir: string): Map<string, Buffer | null> {
  const out = new Map<string, Buffer | null>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(relative(dir, p), null);
        walk(p);
      } else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function write(path: string, data: Buffer, options: { at?: number; sync?: boolean } = {}) {
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w');
  writeSync(fd, data, 0, data.length, options.at ?? statSync(path).size);
  if (options.sync === true) fsyncSync(fd);
  closeSync(fd);
}

function syncDir(path: string) {
  const fd = openSync(path, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

test('a cut keeps every fsynced byte and drops every byte written since, byte-exact', async () => {
  const before = randomBytes(64 * 1024);
  const removed = randomBytes(5000);
  const { backing, m } = await mountFresh((b) => {
    writeFileSync(join(b, 'old'), before);
    writeFileSync(join(b, 'removed'), removed);
    writeFileSync(join(b, 'target'), 'target before');
  });

  // Appends: the first 100 KiB fsynced in pieces, then more that is not.
  const appended = randomBytes(100 * 1024);
  for (let at = 0; at < appended.length; at += 10 * 1024)
    write(m('log'), appended.subarray(at, at + 10 * 1024), { sync: true });
  write(m('log'), randomBytes(7000));

  // Overwrites of a file that was durable before the mount, never synced.
  write(m('old'), randomBytes(3000), { at: 20_000 });
  write(m('old'), randomBytes(100), { at: 64 * 1024 - 50 });
  const truncated = openSync(m('old'), 'r+');
  ftruncateSync(truncated, 1000);
  closeSync(truncated);
  write(m('old'), randomBytes(2000), { at: 500 });

  // Overwritten and synced twice, then overwritten and truncated without a sync.
  const first = randomBytes(8192);
  write(m('twice'), first, { sync: true });
  const second = randomBytes(4096);
  write(m('twice'), second, { at: 1000, sync: true });
  write(m('twice'), randomBytes(4096), { at: 3000 });
  const cut = openSync(m('twice'), 'r+');
  ftruncateSync(cut, 10);
  closeSync(cut);
  const expectedTwice = Buffer.from(first);
  second.copy(expectedTwice, 1000);

  // Write to a temporary file, fsync it, rename it into place, fsync the folder: durable.
  mkdirSync(m('meta'));
  const meta = randomBytes(300);
  write(m('meta/state.tmp'), meta, { sync: true });
  renameSync(m('meta/state.tmp'), m('meta/state'));
  syncDir(m('meta'));

  // Created and written, never synced itself, but an fsync of another file came after its
  // creation: the name is durable (one journal commit), its data is not.
  write(m('created-early'), randomBytes(4000));
  write(m('anchor'), Buffer.from('anchor'), { sync: true });

  // After the last sync: a new folder and file, a removal, a rename over an existing file.
  mkdirSync(m('late'));
  write(m('late/file'), randomBytes(100));
  unlinkSync(m('removed'));
  write(m('renamed'), Buffer.from('renamed'));
  renameSync(m('renamed'), m('target'));
  write(m('log'), randomBytes(1234));

  const report = await fs!.cut();
  assert.equal(report.failures, 0, fs!.stderr());
  const after = tree(backing);
  const expected = new Map<string, Buffer | null>([
    ['old', before],
    ['removed', removed],
    ['target', Buffer.from('target before')],
    ['log', appended],
    ['twice', expectedTwice],
    ['meta', null],
    ['meta/state', meta],
    ['created-early', Buffer.alloc(0)],
    ['anchor', Buffer.from('anchor')],
  ]);
  assert.deepEqual([...after.keys()].sort(), [...expected.keys()].sort());
  for (const [path, content] of expected)
    if (content === null) assert.equal(after.get(path), null, path);
    else assert.ok(after.get(path)!.equals(content), `${path} differs after the cut`);
  assert.ok(report.bytesDropped > 0 && report.bytesRestored > 0);
});

test('namespace changes no sync followed are undone newest first, with the data of the files they moved', async () => {
  const x = randomBytes(10_000);
  const { backing, m } = await mountFresh((b) => {
    mkdirSync(join(b, 'a'));
    writeFileSync(join(b, 'a/f'), x);
    writeFileSync(join(b, 'b'), 'b before');
    writeFileSync(join(b, 't'), 'truncated by O_TRUNC');
  });
  write(m('a/f'), randomBytes(500));
  renameSync(m('a'), m('c'));
  write(m('c/f'), randomBytes(500), { at: 100 });
  renameSync(m('b'), m('c/g'));
  write(m('n'), Buffer.from('replaces g'));
  renameSync(m('n'), m('c/g'));
  unlinkSync(m('c/f'));
  mkdirSync(m('d'));
  symlinkSync('../c/g', m('d/link'));
  linkSync(m('c/g'), m('d/hard'));
  writeFileSync(m('t'), 'new');
  assert.deepEqual(readdirSync(fs!.mountpoint).sort(), ['c', 'd', 't']);

  const report = await fs!.cut();
  assert.equal(report.failures, 0, fs!.stderr());
  const after = tree(backing);
  assert.deepEqual([...after.keys()].sort(), ['a', 'a/f', 'b', 't']);
  assert.ok(after.get('a/f')!.equals(x));
  assert.equal(after.get('b')!.toString(), 'b before');
  assert.equal(after.get('t')!.toString(), 'truncated by O_TRUNC');
});

test('a checkpoint makes everything written before it durable', async () => {
  const { backing, m } = await mountFresh();
  const kept = randomBytes(20_000);
  mkdirSync(m('d'));
  write(m('d/f'), kept);
  await fs!.checkpoint();
  write(m('d/f'), randomBytes(500));
  write(m('d/f'), randomBytes(500), { at: 0 });
  write(m('g'), randomBytes(10));
  const report = await fs!.cut();
  assert.equal(report.failures, 0);
  assert.deepEqual([...tree(backing).keys()].sort(), ['d', 'd/f']);
  assert.ok(readFileSync(join(backing, 'd/f')).equals(kept));
});

test('an orderly unmount keeps everything, unsynced or not, and leaves nothing of its own', async () => {
  const { backing, m } = await mountFresh((b) => writeFileSync(join(b, 'gone'), 'x'));
  const data = randomBytes(3000);
  write(m('f'), data);
  unlinkSync(m('gone'));
  assert.deepEqual(readdirSync(fs!.mountpoint), ['f']);
  await fs!.stop();
  assert.deepEqual(readdirSync(backing), ['f']);
  assert.ok(readFileSync(join(backing, 'f')).equals(data));
});

test('5,000 appends, each fsynced, all survive a cut; the unsynced tail does not', async () => {
  const { backing, m } = await mountFresh();
  const record = (i: number) => Buffer.from(`record ${String(i).padStart(6, '0')}\n`);
  const started = Date.now();
  const fd = openSync(m('wal'), 'a');
  for (let i = 0; i < 5000; i++) {
    writeSync(fd, record(i));
    fsyncSync(fd);
  }
  for (let i = 5000; i < 5100; i++) writeSync(fd, record(i));
  closeSync(fd);
  const elapsed = Date.now() - started;
  await fs!.cut();
  const expected = Buffer.concat(Array.from({ length: 5000 }, (_, i) => record(i)));
  assert.ok(readFileSync(join(backing, 'wal')).equals(expected));
  console.log(`5,000 write+fsync pairs through the file system: ${elapsed} ms`);
});
