import { z } from 'zod';
import type { StepResult } from '../core/catalogue/runs.js';
import { UnitAnnotated } from '../core/catalogue/units.js';
import type { UnitAnnotatedData } from '../core/catalogue/units.js';
import { contentCid } from '../core/cid.js';
import type { JsonValue } from '../core/envelope.js';
import { InvalidInputError, UnavailableError, VersionConflictError } from '../core/errors.js';
import { describeIssue, firstIssue } from '../core/zod-issue.js';
import type { ProcessorOutput } from '../plugins/plugin-api.js';
import type { ContentStore } from '../storage/content-store.js';
import { readContent } from '../storage/read-content.js';
import { UNIT_AGGREGATE, UNITS_DOMAIN } from '../units/unit-events.js';
import type { PipelineDefinition, PipelineStep } from './definition.js';
import { paramsCid } from './step-key.js';
import type { UnitRunDeps, UnitToRun } from './unit-run.js';

/** The text the nearest earlier step extracted, if any, read (verified) from the store. */
export async function upstreamText(
  content: ContentStore,
  step: PipelineStep,
  results: ReadonlyMap<string, StepResult>,
): Promise<string | undefined> {
  for (const id of step.after) {
    const textCid = results.get(id)?.textCid;
    if (textCid) return Buffer.from(await readAll(content, textCid)).toString('utf8');
  }
  return undefined;
}

/** The content a step needs, verified; its absence is an error the step's retries may outlast. */
export async function readAll(content: ContentStore, cid: string): Promise<Uint8Array> {
  const bytes = await readContent(content, cid);
  if (!bytes)
    throw new UnavailableError(`The content ${cid} is not in the store: it cannot be processed.`);
  return bytes;
}

const metadataSchema = z.record(z.string(), z.json());

/**
 * A processor's metadata as the JSON its `StepCompleted` event records; anything else (a Date,
 * bytes, NaN) is refused here, as the event could not be encoded with it.
 */
function jsonMetadata(processor: string, metadata: unknown): Record<string, JsonValue> {
  const json = metadataSchema.safeParse(metadata);
  if (json.success) return json.data;
  throw new InvalidInputError(
    `The metadata ${processor} returned is not plain JSON (${describeIssue(firstIssue(json.error))}): fix the processor to return JSON values only.`,
  );
}

/**
 * Makes a processor's output durable before the step is recorded as completed: derived units
 * (with lineage), the extracted text as content, and an annotation of the unit for read models.
 * Derived units have a source fixed by pipeline, step, unit and index, so doing this twice after
 * a crash finds the same documents and records no second version.
 */
export async function persist(
  deps: UnitRunDeps,
  pipeline: PipelineDefinition,
  step: PipelineStep,
  target: UnitToRun,
  processor: string,
  output: ProcessorOutput,
): Promise<StepResult> {
  const producedBy = { processor, parameters: paramsCid(step.params) };
  const derived: StepResult['derived'][number][] = [];
  for (const [index, item] of (output.derived ?? []).entries()) {
    const cid = contentCid(item.bytes).toString();
    const ingested = await deps.units.ingest(
      {
        name: item.name,
        source: `cim:derived/${pipeline.name}/${step.id}/${target.unitCid}/${index}`,
        tags: item.tags ?? [],
        context: target.unit.context,
        contentCid: cid,
        size: item.bytes.byteLength,
        derivedFrom: [target.unitCid],
        producedBy,
        correlationId: target.correlationId,
        causationId: target.causationId,
      },
      (async function* () {
        yield item.bytes;
      })(),
    );
    derived.push({
      unitCid: ingested.unitCid,
      contentCid: cid,
      name: item.name,
      mediaType: ingested.mediaType,
    });
  }
  let textCid: string | null = null;
  if (output.text !== undefined && output.text.length > 0) {
    const bytes = Buffer.from(output.text, 'utf8');
    textCid = contentCid(bytes).toString();
    await deps.content.put(textCid, bytes.byteLength, async function* () {
      yield bytes;
    });
  }
  const tags = [...new Set(output.tags ?? [])].sort();
  const relations = (output.relations ?? []).map((r) => ({ type: r.type, target: r.target }));
  return {
    processor,
    derived,
    tags,
    relations,
    textCid,
    metadata: jsonMetadata(processor, output.metadata ?? {}),
    completedAt: new Date().toISOString(),
  };
}

/**
 * Records what the run's steps found about the unit as one `UnitAnnotated`, when they found
 * anything: tags and relations of every step, and the text of the last step that extracted one.
 */
export async function annotate(
  deps: UnitRunDeps,
  pipeline: PipelineDefinition,
  target: UnitToRun,
  results: ReadonlyMap<string, StepResult>,
): Promise<void> {
  const all = [...results.values()];
  const tags = [...new Set(all.flatMap((r) => r.tags))].sort();
  const relations = all.flatMap((r) => r.relations);
  const textCid = all.reduce<string | null>((found, r) => r.textCid ?? found, null);
  if (tags.length === 0 && relations.length === 0 && textCid === null) return;
  const annotation: UnitAnnotatedData = {
    unitCid: target.unitCid,
    tags,
    textCid,
    relations,
    producedBy: {
      processors: all.map((r) => r.processor),
      pipeline: pipeline.name,
    },
  };
  const append = (expectedVersion: 0 | 'any') =>
    deps.events.append(
      { domain: UNITS_DOMAIN, aggregate: UNIT_AGGREGATE, aggregateId: target.unitCid },
      [UnitAnnotated.draft(annotation)],
      {
        expectedVersion,
        actor: `pipeline:${pipeline.name}`,
        correlationId: target.correlationId,
        causationId: target.causationId,
      },
    );
  // Most units are annotated once: claiming the first version spares reading the head of an
  // aggregate that does not exist yet (the server refuses the claim when it does).
  try {
    await append(0);
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    await append('any');
  }
}
