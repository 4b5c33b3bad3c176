import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { newId } from '../core/ids.js';
import { waitGone } from '../testing/processes.js';

const root = mkdtempSync(join(tmpdir(), 'cim-crash-'));
let current: CimUp | undefined;

after(async () => {
  await current?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Page {
  events: { id: string; position: number }[];
  next: number;
}

/** Every event id in the stream, with how often it occurs. */
async function allEventIds(base: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let after = 0;
  for (;;) {
    const page = (await (
      await fetch(`${base}/api/events?after=${after}&limit=1000`)
    ).json()) as Page;
    for (const e of page.events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    if (page.events.length === 0) return counts;
    after = page.next;
  }
}

test(
  'kill -9 of nats-server and of cim up during appends: every acknowledged event is there exactly once',
  { timeout: 180_000 },
  async () => {
    const data = join(root, 'node');
    current = await startCimUp(['--data', data]);
    const acknowledged = new Set<string>();
    const sent = new Set<string>();
    let running = true;

    /** Appends one event after another; a failed append is retried with the same event id. */
    const writer = async (w: number) => {
      let pending: { id: string; aggregateId: string } | undefined;
      for (let i = 0; running || pending !== undefined; i++) {
        pending ??= { id: newId(), aggregateId: `w${w}-${i % 7}` };
        sent.add(pending.id);
        try {
          const response = await fetch(`${current!.ready.ui}/api/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              domain: 'crash',
              aggregate: 'Counter',
              aggregateId: pending.aggregateId,
              expectedVersion: 'any',
              events: [{ id: pending.id, type: 'CounterIncremented', data: { w, i } }],
            }),
            signal: AbortSignal.timeout(5000),
          });
          if (response.status === 201) {
            acknowledged.add(pending.id);
            pending = undefined;
          } else {
            await response.body?.cancel();
            await sleep(50);
          }
        } catch {
          await sleep(100);
        }
      }
    };
    const waitForMore = async (n: number) => {
      const target = acknowledged.size + n;
      const deadline = Date.now() + 30_000;
      while (acknowledged.size < target) {
        assert.ok(Date.now() < deadline, `appends stalled at ${acknowledged.size}`);
        await sleep(20);
      }
    };

    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await waitForMore(200);
    const natsPid = current.ready.natsPid!;
    process.kill(natsPid, 'SIGKILL');
    await waitForMore(200);
    process.kill(current.ready.pid, 'SIGKILL');
    await waitGone([natsPid, current.ready.pid]);
    current = await startCimUp(['--data', data]);
    await waitForMore(200);
    running = false;
    await Promise.all(writers);

    const counts = await allEventIds(current.ready.ui);
    for (const id of acknowledged)
      assert.equal(
        counts.get(id),
        1,
        `acknowledged event ${id} occurs ${counts.get(id) ?? 0} times`,
      );
    for (const [id, n] of counts) {
      assert.equal(n, 1, `event ${id} occurs ${n} times`);
      assert.ok(sent.has(id));
    }
    const report = (await (
      await fetch(`${current.ready.ui}/api/events/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as {
      ok: boolean;
      events: number;
    };
    assert.equal(report.ok, true);
    assert.equal(report.events, counts.size);
    assert.equal(await current.stop(), 0);
  },
);
