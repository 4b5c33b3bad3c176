import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ComponentRecord } from './component-record.js';
import { registryKey } from './component-record.js';
import type { ComponentRegistry } from './component-registry.js';

/** What a component says about itself when it registers. */
export interface RegistrationInput {
  readonly kind: ComponentRecord['kind'];
  readonly name: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly endpoints: readonly string[];
  readonly heartbeatSeconds: number;
  readonly ttlSeconds: number;
}

/**
 * Keeps one component's record in the registry: written at once, rewritten every heartbeat, and
 * removed by {@link stop}. A failed heartbeat (NATS down for a moment) is logged and the next
 * one tries again; the record simply ages out if the component cannot reach NATS for a ttl.
 */
export class Registration {
  readonly record: ComponentRecord;
  private timer: NodeJS.Timeout | undefined;
  private beat: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    private readonly registry: ComponentRegistry,
    input: RegistrationInput,
    private readonly heartbeatMs: number,
    private readonly logger: Logger,
  ) {
    const host = hostname();
    this.record = {
      id: registryKey(input.name, host, process.pid),
      kind: input.kind,
      name: input.name,
      version: input.version,
      capabilities: [...input.capabilities],
      endpoints: [...input.endpoints],
      host,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      ttlSeconds: input.ttlSeconds,
    };
  }

  /** Registers and starts the heartbeat. */
  static async start(
    registry: ComponentRegistry,
    input: RegistrationInput,
    logger: Logger,
  ): Promise<Registration> {
    const registration = new Registration(registry, input, input.heartbeatSeconds * 1000, logger);
    await registry.put(registration.record);
    registration.schedule();
    return registration;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.beat = this.registry
        .put(this.record)
        .catch((err: unknown) =>
          this.logger.warn({ err, component: this.record.name }, 'registry heartbeat failed'),
        )
        .finally(() => {
          if (!this.stopped) this.schedule();
        });
    }, this.heartbeatMs);
    this.timer.unref();
  }

  /** Stops the heartbeat and removes the record, so the component leaves at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    // A heartbeat still in flight would otherwise write the record back after its removal.
    await this.beat;
    await this.registry.remove(this.record.id);
  }
}
