import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { ManagedNatsServer } from '../src/nats/managed-server.js';
import { connectNats } from '../src/nats/connect.js';
import { provision } from '../src/nats/provision.js';
import { silentLogger } from '../src/runtime/logger.js';

/**
 * One measured figure, side by side with its baseline from the same run. The target is a ratio
 * to that baseline, never an absolute rate: the same commit measures several times slower on a
 * busier or slower machine, while CIM and a baseline doing the same work slow down together.
 */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: number | null;
  readonly baselineName: string | null;
  readonly ratio: number | null;
  /** The least ratio the figure must reach, when it has a target. */
  readonly target: number | null;
  /** Whether the ratio reached the target; null without a target. */
  readonly met: boolean | null;
}

/** Builds a figure, computing the ratio CIM / baseline and whether it reaches `target`. */
export function figure(
  name: string,
  unit: string,
  value: number,
  baselineName: string | null,
  baseline: number | null,
  target: number | null = null,
): Figure {
  const ratio = baseline ? round(value / baseline, 3) : null;
  return {
    name,
    unit,
    value: round(value),
    baseline: baseline === null ? null : round(baseline),
    baselineName,
    ratio,
    target,
    met: target === null || ratio === null ? null : ratio >= target,
  };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A nats-server of the benchmark's own, on a free loopback port in a temporary folder. */
export interface BenchNats {
  readonly nc: NatsConnection;
  readonly url: string;
  readonly serverVersion: string;
  stop(): Promise<void>;
}

/**
 * Starts and provisions a private nats-server for one suite, with JetStream's `sync_interval`
 * `sync` (`always`, CIM's default, unless a suite measures another).
 */
export async function startBenchNats(sync = 'always'): Promise<BenchNats> {
  const dir = mkdtempSync(join(tmpdir(), 'cim-bench-'));
  const server = new ManagedNatsServer({
    dataDir: dir,
    port: 0,
    sync,
    logger: silentLogger(),
  });
  await server.start();
  const nc = await connectNats(server.url, { name: 'cim-bench' });
  const report = await provision(nc, { duplicateWindowSeconds: 120 });
  return {
    nc,
    url: server.url,
    serverVersion: report.serverVersion,
    async stop() {
      await nc.close().catch(() => undefined);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The machine the figures were taken on. */
export function describeMachine(serverVersion: string): Record<string, string | number> {
  const cpu = cpus()[0]?.model ?? 'unknown';
  let os = 'linux';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // Not every system has /etc/os-release; the name is only descriptive.
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os,
    node: process.version,
    natsServer: serverVersion,
  };
}

/** Runs `task(i)` for i in [0, count) with at most `inFlight` running; returns the seconds taken. */
export async function timed(
  count: number,
  inFlight: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Notes progress on stderr, keeping stdout for the figures. */
export function note(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** One line of the table: the figure, its baseline (the machine's own speed), ratio and target. */
export function describeFigure(f: Figure): string {
  const verdict =
    f.target === null ? 'no target' : `target ≥ ${f.target}× ${f.met ? 'met' : 'NOT MET'}`;
  return `${f.name.padEnd(30)} ${String(f.value).padStart(10)} ${f.unit.padEnd(13)} baseline ${String(f.baseline).padStart(10)} (${f.baselineName})  ratio ${f.ratio}  ${verdict}`;
}
