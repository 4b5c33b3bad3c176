import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * `pid` and every process below it (children, theirs...), from /proc. Read before killing: a
 * killed parent's children are adopted elsewhere and no longer show below it.
 */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The name in parentheses may hold spaces; the parent's PID is the second field after it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0;) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}
