import type { TierConfig } from '../core/config.js';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { UnavailableError } from '../core/errors.js';
import type { ContentHandOver } from '../storage/recent-content.js';
import type { LogFormat } from './logger.js';
import type { NatsClientAuth } from '../nats/connect.js';

/** What the catalog worker is started with. */
export interface CatalogWorkerSetup {
  readonly natsUrl: string;
  /** The process's NATS user and TLS files (`nats.credentials`, `nats.tls`). */
  readonly natsAuth: NatsClientAuth;
  readonly path: string;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly maxEventBytes: number;
  /** The tiers below hot, to read content tiered out of it. */
  readonly tiers: Readonly<Record<string, TierConfig>>;
}

/** What the catalog worker tells the main thread. */
export type CatalogThreadMessage =
  | { readonly type: 'ready'; readonly position: number }
  | { readonly type: 'committed'; readonly position: number }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };

/** How long a clean stop may take before the thread is ended. */
const STOP_MS = 10_000;

/** Pause before a failed catalog worker is replaced. */
const RESTART_MS = 1000;

/**
 * The main thread's side of the catalog worker: starts it, hands it fresh content, and resolves
 * waits for read-your-writes once the worker reports the catalog committed that far.
 */
export class CatalogThread implements ContentHandOver {
  readonly maxItemBytes = 256 * 1024;
  private committed = 0;
  private waiters: { position: number; resolve: () => void }[] = [];
  private stopping = false;

  private constructor(
    private worker: Worker,
    private readonly setup: CatalogWorkerSetup,
    private readonly logger: Logger,
  ) {
    this.watch(worker);
  }

  private watch(worker: Worker): void {
    worker.on('message', (message: CatalogThreadMessage) => {
      if (message.type === 'committed') this.advance(message.position);
    });
    worker.on('error', (err) => this.logger.error({ err }, 'catalog worker failed'));
    worker.once('exit', (code) => {
      if (this.stopping) return;
      // It ended itself after a failed write, or crashed: a new one resumes from the last commit.
      this.logger.error({ code }, 'catalog worker ended; starting another');
      setTimeout(() => {
        if (this.stopping) return;
        this.worker = CatalogThread.spawn(this.setup);
        this.watch(this.worker);
      }, RESTART_MS).unref();
    });
  }

  private static spawn(setup: CatalogWorkerSetup): Worker {
    return new Worker(new URL('./catalog-worker.js', import.meta.url), { workerData: setup });
  }

  /** Starts the worker and resolves once its projection is following the stream. */
  static async start(setup: CatalogWorkerSetup, logger: Logger): Promise<CatalogThread> {
    const worker = CatalogThread.spawn(setup);
    const thread = new CatalogThread(worker, setup, logger);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: CatalogThreadMessage) => {
        if (message.type === 'ready') {
          worker.off('message', onMessage);
          thread.advance(message.position);
          resolve();
        } else if (message.type === 'failed') {
          worker.off('message', onMessage);
          thread.stopping = true;
          void worker.terminate();
          reject(new UnavailableError(`The catalog could not start: ${message.message}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return thread;
  }

  private advance(position: number): void {
    this.committed = Math.max(this.committed, position);
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.position <= this.committed);
    this.waiters = this.waiters.filter((w) => w.position > this.committed);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the committed catalog holds every event up to `position`. */
  waitFor(position: number): Promise<void> {
    if (this.committed >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** Hands small content just stored to the catalog (a copy: the caller keeps its bytes). */
  remember(cid: string, content: Uint8Array): void {
    this.worker.postMessage({ type: 'remember', cid, bytes: content });
  }

  /** Stops the projection (saving its checkpoint) and the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    const stopped = new Promise<void>((resolve) => {
      this.worker.on('message', (message: CatalogThreadMessage) => {
        if (message.type === 'stopped') resolve();
      });
      this.worker.once('exit', () => resolve());
    });
    this.worker.postMessage({ type: 'stop' });
    const timer = setTimeout(() => {
      this.logger.warn('catalog worker did not stop in time; ending it');
      void this.worker.terminate();
    }, STOP_MS);
    await stopped;
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
