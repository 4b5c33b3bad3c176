import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';

const SIZE = 2 * 1024 ** 3;
const RSS_LIMIT = 300 * 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'cim-large-'));
let node: CimUp | undefined;

after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Peak resident memory of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

test(
  'a 2 GiB file ingests and reads back exactly while the node stays under 300 MB resident',
  { timeout: 600_000 },
  async (t) => {
    // Random blocks at intervals through a sparse file: real bytes to hash, quick to make.
    const path = join(root, 'two-gib.bin');
    const fd = openSync(path, 'w');
    const block = Buffer.alloc(1024 * 1024);
    for (let offset = 0; offset < SIZE; offset += 64 * 1024 * 1024) {
      writeSync(fd, randomFillSync(block), 0, block.length, offset);
    }
    writeSync(fd, randomFillSync(block), 0, block.length, SIZE - block.length);
    closeSync(fd);
    const expected = await sha256Of(createReadStream(path, { highWaterMark: 1024 * 1024 }));

    node = await startCimUp(['--data', join(root, 'node')]);
    const pid = node.process.pid!;
    const ingest = await runCim(['ingest', path, '--json', '--url', node.ready.ui]);
    assert.equal(ingest.code, 0, ingest.stderr);
    const line = JSON.parse(ingest.stdout.trim()) as { unitCid: string; size: number };
    assert.equal(line.size, SIZE);

    const response = await fetch(`${node.ready.ui}/api/units/${line.unitCid}/content`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), String(SIZE));
    const actual = await sha256Of(
      Readable.fromWeb(response.body! as WebReadableStream<Uint8Array>),
    );
    assert.equal(actual, expected, 'the bytes read back are the bytes ingested');

    const peak = peakRss(pid);
    t.diagnostic(`node peak resident memory: ${(peak / 1024 / 1024).toFixed(0)} MB`);
    assert.ok(
      peak < RSS_LIMIT,
      `the node peaked at ${(peak / 1024 / 1024).toFixed(0)} MB resident (limit 300 MB)`,
    );
  },
);
