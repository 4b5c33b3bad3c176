import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from '@nats-io/jetstream';
import { EVENTS_PREFIX, EVENTS_STREAM } from '../core/subjects.js';
import { DOCUMENT_AGGREGATE, UNITS_DOMAIN } from '../units/unit-events.js';
import type { PipelineSummary } from './pipeline-catalog.js';
import { FOLLOW_PULL_EXPIRES_MS } from '../nats/consume-options.js';
import { isApiError, JetStreamApiCodes } from '../nats/api-error.js';

/** Units' document events, the only ones that start pipelines. */
export const UNIT_EVENTS_FILTER = `${EVENTS_PREFIX}.${UNITS_DOMAIN}.${DOCUMENT_AGGREGATE}.>`;

const NANOS_PER_SECOND = 1_000_000_000;

/** The durable consumer of a pipeline: `cim-pipeline-<name>`. */
export function consumerName(pipeline: string): string {
  return `cim-pipeline-${pipeline}`;
}

/**
 * Creates the pipeline's durable consumer, or brings its in-flight bound up to date. It starts
 * after the pipeline's first definition: earlier units are reached by a backfill. At most
 * `concurrency` units are delivered and unacknowledged at once (the server holds the rest), and
 * a unit not acknowledged within `ackWaitSeconds` is delivered again, which is how work lost in
 * a crash is picked up.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  pipeline: PipelineSummary,
  ackWaitSeconds: number,
): Promise<void> {
  const name = consumerName(pipeline.name);
  const concurrency = pipeline.definition.concurrency;
  try {
    const info = await jsm.consumers.info(EVENTS_STREAM, name);
    if (info.config.max_ack_pending !== concurrency) {
      await jsm.consumers.update(EVENTS_STREAM, name, { max_ack_pending: concurrency });
    }
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(EVENTS_STREAM, {
      durable_name: name,
      filter_subject: UNIT_EVENTS_FILTER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: pipeline.createdPosition + 1,
      max_ack_pending: concurrency,
      ack_wait: ackWaitSeconds * NANOS_PER_SECOND,
      max_deliver: -1,
    });
  }
}

/**
 * Pulls a pipeline's units and hands each to `handle`, at most `concurrency` at once. Stopping
 * closes the pull and waits for the units in hand; the consumer stays on the server, so a pause
 * or a restart resumes where it left off.
 */
export class PipelineWorker {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly js: JetStreamClient,
    readonly pipeline: string,
    readonly concurrency: number,
    private readonly handle: (msg: JsMsg) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(EVENTS_STREAM, consumerName(this.pipeline));
    this.messages = await consumer.consume({
      max_messages: this.concurrency,
      expires: FOLLOW_PULL_EXPIRES_MS,
    });
    this.loop = this.pull(this.messages);
  }

  /** Units being processed now. */
  get busy(): number {
    return this.inFlight.size;
  }

  private async pull(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
        const work: Promise<void> = this.handle(msg)
          .catch(this.onError)
          .finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
      }
    } catch (err) {
      this.onError(err);
    }
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
    await Promise.all(this.inFlight);
  }
}
