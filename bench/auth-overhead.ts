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

/**
 * `auth-overhead`: the same HTTP requests (appends for `events`, small uploads for `ingest`) on
 * one node, first in the no-sign-in mode (no check but the decision), then with a bearer token
 * checked on every request. The ratio is with-auth over without; ≥ 0.9 is the "at most
 * 10 % slower". The modes cannot alternate (the first user ends the no-sign-in mode for good),
 * so each runs its rounds in turn and the median of each is taken.
 */
export async function authOverhead(path: HotPath, sync: string): Promise<Figure> {
  const nats = await startBenchNats(sync);
  const dataDir = mkdtempSync(join(tmpdir(), 'cim-bench-auth-'));
  const node = await startNode(
    resolveConfig({
      defaults: { dataDir },
      env: {},
      flags: { http: { host: '127.0.0.1', port: 0 }, nats: { url: nats.url } },
    }),
    COMPONENTS,
    silentLogger(),
  );
  try {
    const base = node.httpUrl!;
    note(`auth-overhead (${path}): warm-up`);
    await round(base, path);
    const off: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      note(`auth-overhead (${path}) round ${r + 1}/${ROUNDS} without sign-in`);
      off.push(await round(base, path));
    }
    const admin = await createFirstAdmin(base, 'bench');
    const token = await createToken(base, admin, 'writer', 'bench');
    await round(base, path, token);
    const on: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      note(`auth-overhead (${path}) round ${r + 1}/${ROUNDS} with a bearer token`);
      on.push(await round(base, path, token));
    }
    return figure(
      'auth-overhead',
      'requests/s',
      median(on),
      `the same ${path === 'events' ? 'appends' : 'uploads'} without sign-in, ${IN_FLIGHT} in flight, median of ${ROUNDS}`,
      median(off),
      0.9,
    );
  } finally {
    await node.stop();
    await nats.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
