import assert from 'node:assert/strict';
import { resolveParameters } from '../plugins/parameters.js';
import type {
  ProcessorContext,
  ProcessorDefinition,
  ProcessorInput,
  ProcessorOutput,
} from '../plugins/plugin-api.js';
import { checkProcessorOutput } from '../plugins/processor-output.js';

/** A unit to run a processor on in a test: its bytes or text and, optionally, the rest. */
export interface TestUnit {
  readonly mediaType: string;
  readonly content: string | Uint8Array;
  readonly name?: string;
  readonly text?: string;
  readonly context?: string | null;
  readonly parameters?: Record<string, unknown>;
}

const silent = { info() {}, warn() {}, error() {} };

/** A processor's input for a test unit, as the engine builds it: defaults applied. */
export function testInput(definition: ProcessorDefinition, unit: TestUnit): ProcessorInput {
  const bytes =
    typeof unit.content === 'string' ? new TextEncoder().encode(unit.content) : unit.content;
  return {
    unit: {
      unitCid: 'bafyreitestunit',
      contentCid: 'bafkreitestcontent',
      mediaType: unit.mediaType,
      name: unit.name ?? 'unit',
      size: bytes.length,
      tags: [],
      context: unit.context ?? null,
      source: 'test:',
    },
    content: () => Promise.resolve(bytes),
    ...(unit.text === undefined ? {} : { text: unit.text }),
    parameters: resolveParameters(
      'processor under test',
      definition.parameters,
      unit.parameters ?? {},
    ),
  };
}

/** A context whose logger is silent and whose signal never aborts. */
export function testContext(): ProcessorContext {
  return { logger: silent, signal: new AbortController().signal };
}

/**
 * Runs `definition` on `unit` and returns its output after checking it is one the engine
 * accepts, so every test also proves the processor's output is well formed.
 */
export async function runOn(
  definition: ProcessorDefinition,
  unit: TestUnit,
): Promise<ProcessorOutput> {
  const output = await definition.run(testInput(definition, unit), testContext());
  const checked = checkProcessorOutput(output);
  assert.ok(checked.ok, checked.ok ? '' : checked.problem);
  return output;
}

/** The text of a derived unit's bytes. */
export function decoded(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
