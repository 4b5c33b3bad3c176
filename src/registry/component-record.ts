import { z } from 'zod';

/** What registers: a CIM component, or a plugin running as its own NATS service. */
export const REGISTRANT_KINDS = ['component', 'plugin-service'] as const;

/**
 * The record a component keeps in the registry, rewritten on every heartbeat. It is plain JSON so
 * that a service in any language can register by writing it to the bucket (docs/plugins.md).
 */
export const componentRecordSchema = z.object({
  /** Unique per running instance; also its key in the bucket. */
  id: z.string().regex(/^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$/),
  kind: z.enum(REGISTRANT_KINDS),
  /** The component (`units`, `ui`…) or the plugin's name. */
  name: z.string().min(1).max(200),
  version: z.string().min(1).max(100),
  /** What it offers, e.g. `component:units`, `processor:extract-text`. */
  capabilities: z.array(z.string().min(1).max(200)).max(1000),
  /** Where to reach it: NATS subjects of its operations, or URLs. */
  endpoints: z.array(z.string().min(1).max(500)).max(1000),
  host: z.string().min(1).max(255),
  pid: z.number().int().nonnegative(),
  startedAt: z.string().min(1),
  /** Seconds after its last heartbeat that it counts as gone. */
  ttlSeconds: z.number().positive().max(86_400),
  /**
   * For plugin services: the processors it runs, by name, each answering requests on
   * `cim.plugin.<name>.run` (docs/plugins.md has the protocol).
   */
  processors: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
      z.object({
        version: z.string().min(1).max(100),
        description: z.string().max(1000).default(''),
        accepts: z.array(z.string().min(1).max(200)).max(100).optional(),
        parameters: z
          .record(
            z.string(),
            z.object({
              type: z.enum(['string', 'number', 'boolean', 'array', 'object']),
              default: z.unknown().optional(),
              description: z.string().max(1000).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

/** One registrant's record as written to the bucket. */
export type ComponentRecord = z.infer<typeof componentRecordSchema>;

/** A record as read back: with when the server last saw a heartbeat. */
export interface RegisteredComponent extends ComponentRecord {
  /** Server time of the last heartbeat (ISO 8601). */
  readonly lastSeen: string;
}

/** A bucket key from free text: KV keys allow letters, digits and `-_=.` only. */
export function registryKey(...parts: readonly (string | number)[]): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9_=-]/g, '-') || '-').join('.');
}

/** True while the record's last heartbeat is younger than its ttl. */
export function isAlive(component: RegisteredComponent, now: number): boolean {
  return now - Date.parse(component.lastSeen) <= component.ttlSeconds * 1000;
}
