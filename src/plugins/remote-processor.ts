import type { NatsConnection } from '@nats-io/nats-core';
import type { ComponentRegistry } from '../registry/component-registry.js';
import type { RegisteredComponent } from '../registry/component-record.js';
import type { ProcessorDefinition, ProcessorInput, ProcessorOutput } from './plugin-api.js';
import type { RunnableProcessor } from './run-processor.js';

/** Subject a plugin service answers for one processor. */
export function processorSubject(name: string): string {
  return `cim.plugin.${name}.run`;
}

/** Content up to this size travels inside the request; larger content is read from `cim-content`. */
export const INLINE_CONTENT_BYTES = 256 * 1024;

/** The request body of the out-of-process processor protocol (docs/plugins.md). */
export interface RemoteRunRequest {
  readonly processor: string;
  readonly unit: ProcessorInput['unit'];
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly text?: string;
  /** The content, base64, when it is at most {@link INLINE_CONTENT_BYTES}. */
  readonly contentBase64?: string;
}

/** The reply body: an output (derived bytes in base64) or an error sentence. */
export type RemoteRunReply =
  | {
      readonly output: Omit<ProcessorOutput, 'derived'> & {
        readonly derived?: readonly {
          name: string;
          mediaType: string;
          bytesBase64: string;
          tags?: string[];
        }[];
      };
    }
  | { readonly error: string };

/** How long a request may take at most; the run's own timeout normally ends it first. */
const REQUEST_LIMIT_MS = 60 * 60 * 1000;

/**
 * A processor served by another process over NATS, made to look like an in-process one so the
 * engine runs it the same way (parameters, timeout, output checks). Registered plugin services
 * are found by capability `processor:<name>` in the registry.
 */
export function remoteProcessor(
  nc: NatsConnection,
  name: string,
  spec: NonNullable<RegisteredComponent['processors']>[string],
): RunnableProcessor {
  const definition: ProcessorDefinition = {
    version: spec.version,
    description: spec.description,
    ...(spec.accepts !== undefined ? { accepts: spec.accepts } : {}),
    ...(spec.parameters !== undefined
      ? { parameters: spec.parameters as NonNullable<ProcessorDefinition['parameters']> }
      : {}),
    async run(input, ctx) {
      const request: RemoteRunRequest = {
        processor: name,
        unit: input.unit,
        parameters: input.parameters,
        ...(input.text !== undefined ? { text: input.text } : {}),
        ...(input.unit.size <= INLINE_CONTENT_BYTES
          ? { contentBase64: Buffer.from(await input.content()).toString('base64') }
          : {}),
      };
      const reply = await new Promise<RemoteRunReply>((resolve, reject) => {
        const abort = () => reject(new Error('the run was stopped'));
        ctx.signal.addEventListener('abort', abort, { once: true });
        nc.request(processorSubject(name), JSON.stringify(request), { timeout: REQUEST_LIMIT_MS })
          .then((msg) => resolve(msg.json<RemoteRunReply>()))
          .catch((err: unknown) =>
            reject(new Error(`no answer from the plugin service (${(err as Error).message})`)),
          )
          .finally(() => ctx.signal.removeEventListener('abort', abort));
      });
      if ('error' in reply) throw new Error(reply.error);
      const { derived, ...rest } = reply.output;
      return {
        ...rest,
        ...(derived !== undefined
          ? {
              derived: derived.map((d) => ({
                name: d.name,
                mediaType: d.mediaType,
                bytes: Buffer.from(d.bytesBase64, 'base64'),
                ...(d.tags !== undefined ? { tags: d.tags } : {}),
              })),
            }
          : {}),
      };
    },
  };
  return { name, definition };
}

/** How long a registry lookup is reused: one KV scan per unit would cost more than the run. */
const LOOKUP_TTL_MS = 2000;

/** Finds processors offered by running plugin services. */
export class RemoteProcessors {
  private cache = new Map<string, { at: number; found: RunnableProcessor | undefined }>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly registry: ComponentRegistry,
  ) {}

  /** A live service's processor by name, or undefined when none offers it. */
  async find(name: string): Promise<RunnableProcessor | undefined> {
    const cached = this.cache.get(name);
    if (cached && Date.now() - cached.at < LOOKUP_TTL_MS) return cached.found;
    const services = await this.registry.list({ capability: `processor:${name}` });
    const spec = services.find((s) => s.processors?.[name] !== undefined)?.processors?.[name];
    const found = spec ? remoteProcessor(this.nc, name, spec) : undefined;
    this.cache.set(name, { at: Date.now(), found });
    return found;
  }
}
