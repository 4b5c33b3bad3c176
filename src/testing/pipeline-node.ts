import assert from 'node:assert/strict';
import { runCim } from './cli.js';

/** `cim ARGS… --json --url URL`, which must succeed; its parsed output. */
export async function cimJson<T>(url: string, ...args: string[]): Promise<T> {
  const result = await runCim([...args, '--json', '--url', url]);
  assert.equal(result.code, 0, `cim ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** What `cim pipeline status --json` prints. */
export interface PipelineStatusJson {
  readonly state: string;
  readonly counters: {
    completed: number;
    retried: number;
    deadLettered: number;
    computedSteps: number;
    reusedSteps: number;
    malformed: number;
  };
  readonly backlog: { pending: number; inFlight: number } | null;
  readonly deadLetters: { unitCid: string; step: string; error: string; attempts: number }[];
}

/**
 * Polls the pipeline's status (what `cim pipeline status --json` prints) until `done` holds;
 * fails after `ms` with the last status. It asks the node's HTTP API itself: a CLI process per
 * poll took seconds on a busy machine, long enough for a test that stops a run midway to miss
 * its moment.
 */
export async function waitForStatus(
  url: string,
  pipeline: string,
  done: (status: PipelineStatusJson) => boolean,
  ms = 60_000,
): Promise<PipelineStatusJson> {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await fetch(`${url}/api/pipelines/${encodeURIComponent(pipeline)}/status`);
    const body = await response.text();
    assert.equal(response.status, 200, `pipeline status of ${pipeline}: ${body}`);
    const status = JSON.parse(body) as PipelineStatusJson;
    if (done(status)) return status;
    if (Date.now() > deadline)
      assert.fail(`pipeline ${pipeline} not there within ${ms} ms: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
