import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CimUp } from './cli.js';

/** True while `pid` runs (a zombie, dead but not yet reaped, counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/**
 * Resolves once none of `pids` runs, polling; fails after `timeoutMs` naming those still there.
 * A test that restarts a killed node on the same data waits for this, not for a fixed time: on a
 * busy machine a killed process can take longer than any fixed pause to go.
 */
export async function waitGone(pids: readonly number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`processes ${left.join(', ')} still run ${timeoutMs} ms after being killed`);
    await sleep(20);
  }
}

/** Kills a `cim up` and its own nats-server with SIGKILL, as a crash would; resolves once both are gone. */
export async function crash(node: CimUp): Promise<void> {
  const pids = [node.ready.pid, ...(node.ready.natsPid === null ? [] : [node.ready.natsPid])];
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await waitGone(pids);
}
