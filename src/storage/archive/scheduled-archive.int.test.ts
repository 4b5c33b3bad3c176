import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventArchiveState } from '../../events/archived-history.js';
import type { VerifyReport } from '../../events/verify.js';
import { runCim, startCimUp } from '../../testing/cli.js';
import type { CimUp } from '../../testing/cli.js';

let root: string;
let node: CimUp;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-scheduled-archive-'));
  const config = join(root, 'cim.json');
  writeFileSync(
    config,
    JSON.stringify({
      storage: {
        tiers: { cold: { kind: 'folder', path: join(root, 'cold') } },
        policyIntervalSeconds: 1,
        eventArchive: { to: 'cold', olderThanDays: 0, purge: true },
      },
    }),
  );
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
});

after(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('with storage.eventArchive configured, the node seals and purges old events by itself', async () => {
  const url = node.ready.ui;
  const files = join(root, 'notes');
  mkdirSync(files);
  for (let i = 0; i < 20; i++) writeFileSync(join(files, `n${i}.txt`), `note ${i}\n`);
  assert.equal((await runCim(['ingest', files, '--url', url])).code, 0);
  const { next: lastIngest } = (await (
    await fetch(`${url}/api/events?after=0&limit=1000`)
  ).json()) as {
    next: number;
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    const { archive } = (await (await fetch(`${url}/api/events/archive`)).json()) as {
      archive: EventArchiveState;
    };
    if (archive.purgeDoneThrough >= lastIngest) break;
    assert.ok(Date.now() < deadline, `the archive never caught up: ${JSON.stringify(archive)}`);
    await sleep(200);
  }
  const verify = await runCim(['events', 'verify', '--json', '--url', url]);
  assert.equal(verify.code, 0, verify.stderr);
  const report = JSON.parse(verify.stdout) as VerifyReport;
  assert.ok(report.ok && report.events >= lastIngest);
  const units = (await (await fetch(`${url}/api/units?limit=100`)).json()) as { units: unknown[] };
  assert.equal(units.units.length, 20);
});
