import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode } from '../src/runtime/node.js';
import { COMPONENTS } from '../src/core/components.js';
import { resolveConfig } from '../src/core/config.js';
import { silentLogger } from '../src/runtime/logger.js';
import { createFirstAdmin, createToken } from '../src/testing/auth.js';
import type { Figure } from './harness.js';
import { figure, median, note, startBenchNats, timed } from './harness.js';

/** Requests a round, and how many in flight. */
const REQUESTS = 2_000;
const IN_FLIGHT = 32;
const ROUNDS = 3;

/** One request of the hot path measured: an append through the API, or a small upload. */
type HotPath = 'events' | 'ingest';

function request(base: string, path: HotPath, i: number, authorization?: string) {
  const auth = authorization !== undefined ? { authorization } : {};
  if (path === 'events')
    return fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({
        domain: 'bench',
        aggregate: 'Thing',
        aggregateId: `a${i}-${Math.random().toString(36).slice(2)}`,
        expectedVersion: 0,
        events: [{ type: 'ThingMade', data: { n: i } }],
      }),
    });
  return fetch(`${base}/api/units?name=f${i}.txt&wait=0`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...auth },
    body: `small file ${i} ${Math.random()}`,
  });
}

async function round(base: string, path: HotPath, authorization?: string): Promise<number> {
  const seconds = await timed(REQUESTS, IN_FLIGHT, async (i) => {
    const response = await request(base, path, i, authorization);
    await response.arrayBuffer();
    if (response.status !== 201)
      throw new Error(`${path} request answered ${response.status} during the auth benchmark`);
  });
  return REQUESTS / seconds;
}

/** A node of its own on a server of its own with the pass's sync policy. */
async function startAuthNode(sync: string) {
  const nats = await startBenchNats(sync);
  const dataDir = mkdtempSync(join(tmpdir(), 'cim-bench-auth-'));
  const node = await startNode(
    resolveConfig({
      defaults: { dataDir, pipeline: { firstRun: 'none' } },
      env: {},
      flags: { http: { host: '127.0.0.1', port: 0 }, nats: { url: nats.url } },
    }),
    COMPONENTS,
    silentLogger(),
  );
  return {
    base: node.httpUrl!,
    async stop() {
      await node.stop();
      await nats.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `auth-overhead`: the same HTTP requests (appends for `events`, small uploads for `ingest`) on
 * two nodes alike, one in the no-sign-in mode (no check but the decision), one with a bearer
 * token checked on every request. The ratio is with-auth over without; ≥ 0.9 is the "at
 * most 10 % slower". The first user ends the no-sign-in mode for good, so one node cannot serve
 * both modes; each mode has a node and a server of its own, and their rounds alternate, so both
 * grow alike and meet the same minutes of the machine (running all of one mode first measured
 * the second on fuller streams: 0.67 under `sync always` where the events suite found no cost).
 * The median of each side is taken.
 */
export async function authOverhead(path: HotPath, sync: string): Promise<Figure> {
  const open = await startAuthNode(sync);
  const checked = await startAuthNode(sync).catch(async (err: unknown) => {
    await open.stop();
    throw err;
  });
  try {
    const admin = await createFirstAdmin(checked.base, 'bench');
    const token = await createToken(checked.base, admin, 'writer', 'bench');
    note(`auth-overhead (${path}): warm-up of both nodes`);
    await round(open.base, path);
    await round(checked.base, path, token);
    const off: number[] = [];
    const on: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      note(`auth-overhead (${path}) round ${r + 1}/${ROUNDS}: without sign-in, then with a token`);
      off.push(await round(open.base, path));
      on.push(await round(checked.base, path, token));
    }
    return figure(
      'auth-overhead',
      'requests/s',
      median(on),
      `the same ${path === 'events' ? 'appends' : 'uploads'} on a node without sign-in, ${IN_FLIGHT} in flight, rounds alternating, median of ${ROUNDS}`,
      median(off),
      0.9,
    );
  } finally {
    await open.stop();
    await checked.stop();
  }
}
