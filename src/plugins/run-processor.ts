import { performance } from 'node:perf_hooks';
import { InternalError, InvalidInputError, toCimError } from '../core/errors.js';
import type { CimError } from '../core/errors.js';
import { matchesAnyMediaGlob } from '../core/media-glob.js';
import { resolveParameters } from './parameters.js';
import type {
  PluginLogger,
  ProcessorDefinition,
  ProcessorInput,
  ProcessorOutput,
} from './plugin-api.js';
import { pluginLabel } from './plugin-check.js';
import type { LoadedPlugin } from './plugin-loader.js';
import { checkProcessorOutput } from './processor-output.js';

/** How a processor run failed; a timeout or cancellation may succeed when retried. */
export type ProcessorFailureReason = 'threw' | 'timeout' | 'cancelled' | 'invalid-output';

/** A processor threw, timed out, was cancelled or returned something that is not an output. */
export class ProcessorFailedError extends InternalError {
  /** `name@version` of the processor. */
  readonly processor: string;
  readonly reason: ProcessorFailureReason;
  constructor(
    processor: string,
    reason: ProcessorFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.processor = processor;
    this.reason = reason;
  }
}

/** A processor to run: its name, definition and, when it came from one, its plugin. */
export interface RunnableProcessor {
  readonly name: string;
  readonly definition: ProcessorDefinition;
  readonly plugin?: LoadedPlugin;
}

/** What the caller gives a run besides the input. */
export interface RunProcessorContext {
  readonly logger: PluginLogger;
  /** Aborts the run early, e.g. on shutdown. */
  readonly signal?: AbortSignal;
}

/** A run's outcome. Failures are values: a plugin's failure never throws into the caller. */
export type ProcessorRunResult =
  | { readonly ok: true; readonly output: ProcessorOutput; readonly durationMs: number }
  | { readonly ok: false; readonly error: CimError; readonly durationMs: number };

type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'cancelled' };

/** The text of an error without a trailing full stop, to sit inside a sentence. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\.\s*$/, '') || 'no message';
}

/** Runs `run`, settling on its result, the timeout or the caller's signal, whichever is first. */
async function race(
  processor: RunnableProcessor,
  input: ProcessorInput,
  logger: PluginLogger,
  parent: AbortSignal | undefined,
  timeoutMs: number,
): Promise<Outcome> {
  const controller = new AbortController();
  let settle: (outcome: Outcome) => void = () => {};
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const timer = setTimeout(() => {
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    settle({ kind: 'timeout' });
  }, timeoutMs);
  const onAbort = (): void => {
    controller.abort(parent?.reason);
    settle({ kind: 'cancelled' });
  };
  parent?.addEventListener('abort', onAbort, { once: true });
  try {
    // Called inside try: a run that is not async may throw before returning a promise. A run
    // ignoring the signal keeps running after a timeout; its late result is caught and dropped.
    Promise.resolve(processor.definition.run(input, { logger, signal: controller.signal })).then(
      (value) => settle({ kind: 'value', value }),
      (error: unknown) => settle({ kind: 'threw', error }),
    );
  } catch (error) {
    settle({ kind: 'threw', error });
  }
  try {
    return await outcome;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs a processor on one input with the step's parameters checked and defaulted, aborting its
 * signal after `timeoutMs`. Never rejects: bad parameters or an unaccepted media type give an
 * InvalidInputError, and a throw, timeout, cancellation or malformed output a
 * ProcessorFailedError naming the processor, each as `{ ok: false, error }`.
 */
export async function runProcessor(
  processor: RunnableProcessor,
  input: ProcessorInput,
  ctx: RunProcessorContext,
  timeoutMs: number,
): Promise<ProcessorRunResult> {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const { definition } = processor;
  const id = `${processor.name}@${definition.version}`;
  const label = `processor "${id}"${processor.plugin ? ` of plugin ${pluginLabel(processor.plugin.definition)}` : ''}`;
  const fail = (reason: ProcessorFailureReason, message: string, cause?: unknown) => {
    const error = new ProcessorFailedError(
      id,
      reason,
      message,
      cause === undefined ? {} : { cause },
    );
    ctx.logger.warn({ processor: id, reason, err: cause }, message);
    return { ok: false as const, error, durationMs: elapsed() };
  };

  let parameters: Record<string, unknown>;
  try {
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
      throw new InvalidInputError(
        `The timeout for ${label} is ${timeoutMs} ms: give a whole number of milliseconds between 1 and 2147483647.`,
      );
    }
    if (!matchesAnyMediaGlob(definition.accepts, input.unit.mediaType)) {
      throw new InvalidInputError(
        `The ${label} accepts ${definition.accepts?.join(', ')}, not ${input.unit.mediaType}: run it only on units of those types.`,
      );
    }
    parameters = resolveParameters(label, definition.parameters, input.parameters);
  } catch (err) {
    return { ok: false, error: toCimError(err), durationMs: elapsed() };
  }
  if (ctx.signal?.aborted) {
    return fail('cancelled', `The ${label} was cancelled before it started: run the step again.`);
  }

  const outcome = await race(
    processor,
    { ...input, parameters },
    ctx.logger,
    ctx.signal,
    timeoutMs,
  );
  switch (outcome.kind) {
    case 'timeout':
      return fail(
        'timeout',
        `The ${label} did not finish within ${timeoutMs} ms and was aborted: raise the step's timeout or give the processor less to do.`,
      );
    case 'cancelled':
      return fail(
        'cancelled',
        `The ${label} was cancelled before it finished (${reasonOf(ctx.signal?.reason)}): run the step again.`,
      );
    case 'threw':
      return fail(
        'threw',
        `The ${label} failed (${reasonOf(outcome.error)}): check the unit and the processor's logs, or report it to the plugin's author.`,
        outcome.error,
      );
    case 'value': {
      const checked = checkProcessorOutput(outcome.value);
      if (checked.ok) return { ok: true, output: checked.output, durationMs: elapsed() };
      return fail(
        'invalid-output',
        `The ${label} returned an invalid output (${checked.problem}): fix the plugin so run resolves to a ProcessorOutput.`,
      );
    }
  }
}
