import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstreamManager } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ComponentRecord, RegisteredComponent } from './component-record.js';
import { bucketKeys } from '../nats/bucket-keys.js';
import { REGISTRY_BUCKET } from '../core/buckets.js';
import { componentRecordSchema, isAlive } from './component-record.js';

/** A change seen by {@link ComponentRegistry.watch}. */
export interface RegistryChange {
  readonly type: 'up' | 'down';
  readonly component: RegisteredComponent;
}

/** A running watch; stop it when done. */
export interface RegistryWatch {
  stop(): void;
}

/**
 * The component registry, read and written in the JetStream KV bucket `cim-registry`. A
 * component counts as present while its last heartbeat (server time) is younger than its own
 * ttl, so one that dies without a word drops out on time even before anything cleans up.
 */
export class ComponentRegistry {
  private constructor(
    readonly kv: KV,
    private readonly jsm: JetStreamManager,
  ) {}

  /** Opens the bucket (provisioned by `provision`). */
  static async open(nc: NatsConnection): Promise<ComponentRegistry> {
    return new ComponentRegistry(
      await new Kvm(nc).open(REGISTRY_BUCKET),
      await jetstreamManager(nc),
    );
  }

  /** Writes (or refreshes) a record: this is a heartbeat. */
  async put(record: ComponentRecord): Promise<void> {
    await this.kv.put(record.id, JSON.stringify(componentRecordSchema.parse(record)));
  }

  /** Removes a record, as a component does when it stops cleanly. */
  async remove(id: string): Promise<void> {
    await this.kv.delete(id);
  }

  /** Every live component, by id; records that are expired or malformed are left out. */
  async list(options: { capability?: string; now?: number } = {}): Promise<RegisteredComponent[]> {
    const now = options.now ?? Date.now();
    const keys = await bucketKeys(this.jsm, REGISTRY_BUCKET);
    const entries = await Promise.all(keys.map((key) => this.kv.get(key)));
    return entries
      .map((entry) => (entry ? fromEntry(entry) : undefined))
      .filter((c): c is RegisteredComponent => c !== undefined && isAlive(c, now))
      .filter(
        (c) => options.capability === undefined || c.capabilities.includes(options.capability),
      )
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** Deletes records whose heartbeat stopped; returns their ids. */
  async sweep(now = Date.now()): Promise<string[]> {
    const gone: string[] = [];
    for (const key of await bucketKeys(this.jsm, REGISTRY_BUCKET)) {
      const entry = await this.kv.get(key);
      const component = entry ? fromEntry(entry) : undefined;
      if (entry && entry.operation === 'PUT' && (!component || !isAlive(component, now))) {
        // Deleted only if nobody beat in between: the revision check makes the sweep safe to race.
        await this.kv.delete(key, { previousSeq: entry.revision }).catch(() => undefined);
        gone.push(key);
      }
    }
    return gone;
  }

  /**
   * Calls `onChange` with every component present now (`up`), then as components register
   * (`up`), leave (`down`) or stop beating (`down`, noticed within `checkMs`). Filtered by
   * capability when one is given.
   */
  async watch(
    onChange: (change: RegistryChange) => void,
    options: { capability?: string; checkMs?: number } = {},
  ): Promise<RegistryWatch> {
    const present = new Map<string, RegisteredComponent>();
    const wanted = (c: RegisteredComponent) =>
      options.capability === undefined || c.capabilities.includes(options.capability);
    const down = (id: string) => {
      const component = present.get(id);
      if (!component) return;
      present.delete(id);
      onChange({ type: 'down', component });
    };
    const watcher = await this.kv.watch();
    void (async () => {
      for await (const entry of watcher) {
        const component = entry.operation === 'PUT' ? fromEntry(entry) : undefined;
        if (!component || !wanted(component) || !isAlive(component, Date.now())) {
          down(entry.key);
          continue;
        }
        const known = present.has(entry.key);
        present.set(entry.key, component);
        if (!known) onChange({ type: 'up', component });
      }
    })();
    const timer = setInterval(() => {
      const now = Date.now();
      for (const [id, component] of present) if (!isAlive(component, now)) down(id);
    }, options.checkMs ?? 1000);
    timer.unref();
    return {
      stop() {
        clearInterval(timer);
        watcher.stop();
      },
    };
  }
}

function fromEntry(entry: KvEntry): RegisteredComponent | undefined {
  if (entry.operation !== 'PUT') return undefined;
  let parsed: unknown;
  try {
    parsed = entry.json();
  } catch {
    return undefined;
  }
  const result = componentRecordSchema.safeParse(parsed);
  if (!result.success) return undefined;
  return { ...result.data, lastSeen: entry.created.toISOString() };
}
