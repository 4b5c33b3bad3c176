import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM } from '../src/core/subjects.js';
import { UNIT_EVENTS_FILTER } from '../src/pipeline/pipeline-worker.js';
import { runCim, startCimUp } from '../src/testing/cli.js';
import type { Figure } from './harness.js';
import { figure, note, startBenchNats, timed } from './harness.js';
import type { IngestLine } from '../src/cli/commands/ingest-upload.js';
import type { ProcessorDefinition, ProcessorUnit } from '../src/plugins/plugin-api.js';
import { readAll } from '../src/pipeline/step-output.js';
import { classifyRules } from '../src/processors/classify-rules.js';
import { extractLinks } from '../src/processors/extract-links.js';
import { extractMetadata } from '../src/processors/extract-metadata.js';
import { silentLogger } from '../src/runtime/logger.js';
import type { ContentStore } from '../src/storage/content-store.js';
import { JetStreamTier } from '../src/storage/tiers/jetstream-tier.js';

const UNITS = 5_000;
const WARM_UNITS = 1_000;
const CONCURRENCY = 256;

/** The classification rules of the pipeline's `classify` step. */
const RULES = [
  { tag: 'invoices', keywords: ['invoice', 'amount due'] },
  { tag: 'meetings', keywords: ['agenda', 'minutes'] },
];

/**
 * A 3-step pipeline over small text units carrying `tag`: metadata, then rule tags and links.
 * The tag keeps the warm-up and the measured run on their own units.
 */
const pipeline = (name: string, tag: string) => `name: ${name}
trigger: { events: [UnitIngested], mediaTypes: ["text/*"], tags: [${tag}] }
steps:
  - id: meta
    processor: extract-metadata
  - id: classify
    processor: classify-rules
    after: [meta]
    params:
      rules: ${JSON.stringify(RULES)}
  - id: links
    processor: extract-links
    after: [meta]
concurrency: ${CONCURRENCY}
`;

/** The steps in the order the engine runs them, with their parameters. */
const STEPS: readonly [ProcessorDefinition, Record<string, unknown>][] = [
  [extractMetadata, {}],
  [classifyRules, { rules: RULES }],
  [extractLinks, {}],
];

/**
 * Units/s of the pipeline's work without the engine: the same three processors called directly
 * on each unit, in the engine's order and with its concurrency, the content read once per unit
 * from the same hot store, as the engine reads it. No events, step results or annotations.
 */
async function directProcessorsRate(
  content: ContentStore,
  units: readonly ProcessorUnit[],
): Promise<number> {
  const ctx = { logger: silentLogger(), signal: new AbortController().signal };
  let outputs = 0;
  const seconds = await timed(units.length, CONCURRENCY, async (i) => {
    const unit = units[i]!;
    let bytes: Promise<Uint8Array> | undefined;
    const read = () => (bytes ??= readAll(content, unit.contentCid));
    for (const [processor, parameters] of STEPS) {
      await processor.run({ unit, content: read, parameters }, ctx);
      outputs++;
    }
  });
  if (outputs !== units.length * STEPS.length)
    throw new Error(`the direct run made ${outputs} of ${units.length * STEPS.length} outputs`);
  return units.length / seconds;
}

/** A short note with a few words the rules match, and a link. */
function noteText(i: number): string {
  const topic =
    i % 3 === 0 ? 'invoice and amount due' : i % 3 === 1 ? 'agenda and minutes' : 'a walk';
  return `# Note ${i}\n\nToday we discussed ${topic}. See https://example.org/notes/${i} for more.\n`;
}

/** Messages/s of a raw durable pull consumer with explicit acks over the same events. */
async function rawConsumerRate(natsUrl: string): Promise<number> {
  const { connectNats } = await import('../src/nats/connect.js');
  const nc = await connectNats(natsUrl);
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(EVENTS_STREAM, {
      durable_name: 'bench-raw',
      filter_subject: UNIT_EVENTS_FILTER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: CONCURRENCY,
    });
    const consumer = await jetstream(nc).consumers.get(EVENTS_STREAM, 'bench-raw');
    const messages = await consumer.consume({ max_messages: CONCURRENCY });
    const started = performance.now();
    let seen = 0;
    for await (const msg of messages) {
      JSON.parse(new TextDecoder().decode(msg.data));
      msg.ack();
      if (++seen === UNITS) break;
    }
    const seconds = (performance.now() - started) / 1000;
    await messages.close();
    return UNITS / seconds;
  } finally {
    await nc.close();
  }
}

/**
 * The `pipeline` suite: a 3-step pipeline (metadata, rule classification, links) over 5,000
 * small text units already ingested (after a warm-up pipeline over 1,000 others), run as a
 * backfill through the engine (step runs, their provenance events, annotations, result keys),
 * against the same processors called directly over the same units (the target), and against a
 * raw durable consumer reading and acknowledging the same unit events (the machine's speed).
 */
export async function pipelineSuite(): Promise<{ figures: Figure[]; serverVersion: string }> {
  const nats = await startBenchNats();
  const dir = mkdtempSync(join(tmpdir(), 'cim-bench-pipeline-'));
  const node = await startCimUp(['--nats', nats.url, '--data', join(dir, 'data')]);
  try {
    const url = node.ready.ui;
    /** Ingests `count` notes tagged `tag`, applies its pipeline and backfills it. */
    const backfill = async (name: string, tag: string, count: number, first: number) => {
      const notes = join(dir, name);
      mkdirSync(notes);
      for (let i = 0; i < count; i++) {
        writeFileSync(join(notes, `note-${first + i}.md`), noteText(first + i));
      }
      note(`pipeline: ingesting ${count} small text units tagged ${tag}`);
      const ingested = await runCim([
        'ingest',
        notes,
        '--tag',
        tag,
        '--json',
        '--concurrency',
        '16',
        '--url',
        url,
      ]);
      if (ingested.code !== 0) throw new Error(`ingest failed: ${ingested.stderr}`);
      const units = ingested.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as IngestLine)
        .map((line): ProcessorUnit => ({
          unitCid: line.unitCid!,
          contentCid: line.contentCid!,
          mediaType: line.mediaType!,
          name: basename(line.path),
          size: line.size!,
          tags: [tag],
          context: null,
          source: line.path,
        }));
      if (units.length !== count) throw new Error(`ingest stored ${units.length} of ${count}`);
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, pipeline(name, tag));
      const applied = await runCim(['pipeline', 'apply', file, '--url', url]);
      if (applied.code !== 0) throw new Error(`pipeline apply failed: ${applied.stderr}`);
      const run = async () => {
        note(`pipeline: backfill of ${name} through the engine`);
        const run = await runCim(['pipeline', 'run', name, '--backfill', '--json', '--url', url]);
        if (run.code !== 0) throw new Error(`backfill failed: ${run.stderr}`);
        const report = JSON.parse(run.stdout) as { completed: number; seconds: number };
        if (report.completed !== count) {
          throw new Error(`the backfill completed ${report.completed} of ${count} units`);
        }
        return report.seconds;
      };
      return { units, run };
    };
    // The engine warms up on other units first, as the other suites do: the figure is the
    // running node's rate, not its first second (the first units ran at half speed).
    const warm = await backfill('warm', 'warm', WARM_UNITS, UNITS);
    await warm.run();
    const measured = await backfill('bench', 'measured', UNITS, 0);
    const content = await JetStreamTier.open(nats.nc);
    note('pipeline: the three processors called directly, warm-up, then the measured units');
    await directProcessorsRate(content, warm.units);
    const direct = await directProcessorsRate(content, measured.units);
    note('pipeline: raw durable consumer over the same unit events');
    const raw = await rawConsumerRate(nats.url);
    const rate = UNITS / (await measured.run());
    return {
      figures: [
        figure(
          'pipeline',
          'units/s',
          rate,
          `the 3 processors called directly, ${CONCURRENCY} at once`,
          direct,
          0.5,
        ),
        figure('pipeline-vs-raw', 'units/s', rate, 'raw durable consumer, explicit acks', raw),
      ],
      serverVersion: nats.serverVersion,
    };
  } finally {
    await node.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
