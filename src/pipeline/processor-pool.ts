import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ErrorCode } from '../core/errors.js';
import { CimError } from '../core/errors.js';
import type { ProcessorOutput, ProcessorUnit } from '../plugins/plugin-api.js';
import type { ProcessorRunResult } from '../plugins/run-processor.js';
import { ProcessorFailedError } from '../plugins/run-processor.js';
import type { ProcessorFailureReason } from '../plugins/run-processor.js';

/** What a worker is started with: the plugins to load, as the node loads them. */
export interface WorkerSetup {
  readonly plugins: readonly string[];
  readonly baseDir: string;
}

/** One run asked of a worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly processor: string;
  readonly unit: ProcessorUnit;
  readonly bytes: Uint8Array;
  readonly text?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timeoutMs: number;
}

/** A worker's answer. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly output: ProcessorOutput }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { code: string; message: string; reason?: ProcessorFailureReason };
    };

/** Time a worker gets past a run's own timeout before it is ended from outside. */
const GRACE_MS = 1000;

/** The number of workers when the configuration does not say: the cores the node does not use. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** The run on this worker now, if any: a worker runs one at a time. */
  busy?: { id: number; settle: (reply: WorkerReply) => void; timer: NodeJS.Timeout } | undefined;
}

interface Queued {
  readonly request: WorkerRequest;
  readonly settle: (reply: WorkerReply) => void;
}

/** An error a worker reported, with its stable code. */
class WorkerReportedError extends CimError {}

/**
 * Runs in-process plugins' processors on worker threads, one run per worker at a time, the
 * rest queued here. A processor that computes for long holds only its worker, never the node's
 * main thread; one that does not stop within its timeout (plus a grace period) has its worker
 * ended and replaced, and only its own run fails, with a timeout.
 */
export class ProcessorPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 1;
  private stopped = false;

  constructor(
    private readonly setup: WorkerSetup,
    size: number,
    private readonly logger: Logger,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Resolves once every worker has loaded its plugins. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./processor-worker.js', import.meta.url), {
      workerData: this.setup,
    });
    const slot: Slot = {
      worker,
      ready: new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      }),
    };
    slot.ready.then(
      () => this.dispatch(),
      (err: unknown) => this.logger.error({ err }, 'processor worker did not start'),
    );
    worker.on('message', (reply: WorkerReply | { ready: true }) => {
      if ('ready' in reply || slot.busy?.id !== reply.id) return;
      this.finish(slot, reply);
    });
    worker.on('error', (err) => this.logger.error({ err }, 'processor worker failed'));
    worker.on('exit', () => {
      if (slot.busy) {
        this.finish(slot, {
          id: slot.busy.id,
          ok: false,
          error: this.stopped
            ? {
                code: 'internal',
                message: 'was cancelled: the node is stopping',
                reason: 'cancelled',
              }
            : {
                code: 'internal',
                message:
                  'did not stop within its timeout, so its worker was ended: give it less to do or raise pipeline.processorTimeoutSeconds',
                reason: 'timeout',
              },
        });
      }
      const index = this.slots.indexOf(slot);
      if (index >= 0 && !this.stopped) this.slots[index] = this.spawn();
    });
    return slot;
  }

  private finish(slot: Slot, reply: WorkerReply): void {
    const busy = slot.busy!;
    clearTimeout(busy.timer);
    slot.busy = undefined;
    busy.settle(reply);
    this.dispatch();
  }

  /** Gives queued runs to idle workers. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy || slot.worker.threadId < 0) continue;
      const next = this.queue.shift()!;
      const timer = setTimeout(() => {
        // The processor ignored its abort signal: only ending its thread stops it.
        this.logger.warn(
          { processor: next.request.processor },
          'processor did not stop; its worker is replaced',
        );
        void slot.worker.terminate();
      }, next.request.timeoutMs + GRACE_MS);
      slot.busy = { id: next.request.id, settle: next.settle, timer };
      slot.worker.postMessage(next.request);
    }
  }

  /** Runs a processor on a worker; never rejects (failures are values, as with runProcessor). */
  async run(request: Omit<WorkerRequest, 'id'>, label: string): Promise<ProcessorRunResult> {
    const started = performance.now();
    const reply = await new Promise<WorkerReply>((settle) => {
      this.queue.push({ request: { ...request, id: this.nextId++ }, settle });
      this.dispatch();
    });
    const durationMs = performance.now() - started;
    if (reply.ok) return { ok: true, output: reply.output, durationMs };
    const { code, message, reason } = reply.error;
    const error =
      reason === undefined
        ? new WorkerReportedError(code as ErrorCode, message)
        : new ProcessorFailedError(
            label,
            reason,
            message.startsWith('The ') ? message : `The processor "${label}" ${message}.`,
          );
    return { ok: false, error, durationMs };
  }

  /** Ends every worker; runs still queued fail as cancelled. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const queued of this.queue.splice(0)) {
      queued.settle({
        id: queued.request.id,
        ok: false,
        error: {
          code: 'internal',
          message: 'was cancelled: the node is stopping',
          reason: 'cancelled',
        },
      });
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
