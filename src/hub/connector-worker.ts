import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { toCimError } from '../core/errors.js';
import { ConnectorFailed } from '../core/catalogue/hub.js';
import type { ConnectorDefinition } from '../core/catalogue/hub.js';
import type { EventStore } from '../events/event-store.js';
import { credentialsPath } from '../nats/connect.js';
import type {
  ConnectorDefinition as ConnectorKind,
  ConnectorJson,
  ConnectorSession,
} from '../plugins/plugin-api.js';
import type { UnitService } from '../units/unit-service.js';
import { backoffDelay } from './backoff.js';
import { connectorRef } from './hub-events.js';
import { connectorActor, UnitSink } from './unit-sink.js';
import type { ConnectorSources } from './connector-sources.js';

/** What a worker needs to run one connector. */
export interface ConnectorWorkerDeps {
  readonly events: EventStore;
  readonly units: UnitService;
  /** The sources each connector's items have, for {@link ItemSink.knownSources}. */
  readonly sources?: ConnectorSources;
  readonly logger: Logger;
  /** The folder under which each connector gets its temporary folder. */
  readonly tempRoot: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs one connector definition: opens a session of its kind, polls on its interval (or early
 * when woken), checkpoints the cursor each poll resolves with, and on a failed poll records
 * `ConnectorFailed` and retries with backoff. Stopped by {@link stop} (pause, remove, a new
 * definition, shutdown), which aborts the session's signal.
 */
export class ConnectorWorker {
  private readonly controller = new AbortController();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private rewindTo: { cursor: ConnectorJson | null } | undefined;
  private done: Promise<void> | undefined;

  constructor(
    readonly definition: ConnectorDefinition,
    readonly definitionCid: string,
    private readonly kind: ConnectorKind | undefined,
    private cursor: ConnectorJson | null,
    private failures: number,
    private readonly deps: ConnectorWorkerDeps,
  ) {}

  start(): void {
    this.done = this.run().catch((err: unknown) =>
      this.deps.logger.error({ connector: this.definition.name, err }, 'connector worker ended'),
    );
  }

  /** Polls now (or right after the poll under way). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Starts the next poll from `cursor` (a rewind or a retry of dead letters). */
  rewind(cursor: ConnectorJson | null): void {
    this.rewindTo = { cursor };
    this.wake();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.wakeUp?.();
    await this.done;
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async run(): Promise<void> {
    const { name } = this.definition;
    const tempDir = join(this.deps.tempRoot, name);
    await rm(tempDir, { recursive: true, force: true });
    await mkdir(tempDir, { recursive: true });
    const env = this.deps.env ?? process.env;
    const logger = this.deps.logger.child({ connector: name });
    let session: ConnectorSession | undefined;
    while (!this.signal.aborted) {
      if (this.rewindTo !== undefined) {
        this.cursor = this.rewindTo.cursor;
        this.rewindTo = undefined;
      }
      this.woken = false;
      let wait = this.definition.intervalMs;
      try {
        if (this.kind === undefined) {
          throw new Error(
            `No loaded plugin provides the connector kind ${JSON.stringify(this.definition.kind)}: add the plugin to the configuration or remove this connector.`,
          );
        }
        session ??= this.kind.open(this.definition.settings, {
          name,
          logger,
          signal: this.signal,
          tempDir,
          secret: async (file) => (await readFile(credentialsPath(file, env), 'utf8')).trim(),
        });
        session.watch?.(() => this.wake());
        const sink = new UnitSink(this.deps.events, this.deps.units, this.definition, {
          signal: this.signal,
          ...(this.deps.sources !== undefined ? { sources: this.deps.sources } : {}),
        });
        const next = await session.poll(this.cursor, sink);
        if (this.signal.aborted) break;
        await sink.completed(next);
        this.cursor = next;
        this.failures = 0;
      } catch (err) {
        if (this.signal.aborted) break;
        this.failures++;
        const error = toCimError(err);
        await this.deps.events.append(
          connectorRef(name),
          [
            ConnectorFailed.draft({
              reason: oneSentence(err),
              code: error.code,
              failures: this.failures,
            }),
          ],
          { expectedVersion: 'any', actor: connectorActor(name) },
        );
        // A session whose poll failed may hold a broken connection: the next attempt opens anew.
        await session?.close?.().catch(() => undefined);
        session = undefined;
        wait = backoffDelay(this.definition.retry, this.failures);
      }
      if (!this.woken) await this.sleep(wait);
    }
    await session?.close?.().catch(() => undefined);
  }

  // Not AbortSignal.any: a signal it derives can be collected while a poll waits on it, and
  // the wake would be lost.
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
      this.signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The failure as one line: a connector's message, or the error's name when it has none. */
function oneSentence(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 0 ? line.slice(0, 1000) : 'The connector failed without saying why.';
}
