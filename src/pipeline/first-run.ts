import type { Logger } from 'pino';
import type { PipelineCatalog } from './pipeline-catalog.js';
import type { PipelineService } from './pipeline-service.js';
import { validatePipeline } from './definition.js';
import type { PipelineDefinition } from './definition.js';

/**
 * The `documents` pipeline as examples/pipelines/documents.yaml defines it (a test keeps the two
 * equal): extract text, then metadata, rule tags and links. It is here because the package does
 * not ship the examples folder.
 */
export const DOCUMENTS_PIPELINE: PipelineDefinition = validatePipeline(
  {
    name: 'documents',
    description: 'Extract text, read metadata, classify by rules and link documents.',
    trigger: {
      events: ['UnitIngested'],
      mediaTypes: ['text/*', 'application/pdf', 'text/html', 'text/markdown'],
    },
    steps: [
      { id: 'extract', processor: 'extract-text' },
      { id: 'meta', processor: 'extract-metadata', after: ['extract'] },
      {
        id: 'classify',
        processor: 'classify-rules',
        after: ['extract'],
        params: {
          rules: [
            { tag: 'invoices', keywords: ['invoice', 'amount due', 'payment terms'] },
            { tag: 'meeting-notes', keywords: ['agenda', 'minutes', 'action items'] },
            { tag: 'receipts', patterns: ['receipt\\s+(no\\.?|number)\\s*\\d+'] },
          ],
        },
      },
      { id: 'link', processor: 'extract-links', after: ['extract'] },
    ],
    concurrency: 8,
    retry: { attempts: 5, backoffMs: 500, maxBackoffMs: 30_000 },
  },
  'the built-in documents pipeline',
);

/** The built-in pipelines a new node may start with, by the name `pipeline.firstRun` gives. */
export const FIRST_RUN_PIPELINES: Readonly<Record<string, PipelineDefinition>> = {
  documents: DOCUMENTS_PIPELINE,
};

/**
 * On a node that has never had a pipeline (the catalog, replayed from the stream, holds none),
 * applies the built-in pipeline `name`, so what is uploaded or dropped into a watched folder is
 * searchable with no further step. Pipelines are never removed, only paused, so "never had one"
 * is exactly "new". Two pipeline components starting at once both try; the server's version
 * check lets one record it and the other find it unchanged.
 */
export async function applyFirstRunPipeline(
  name: string,
  catalog: PipelineCatalog,
  service: PipelineService,
  logger: Logger,
): Promise<void> {
  if (name === 'none' || catalog.list().length > 0) return;
  const definition = FIRST_RUN_PIPELINES[name];
  if (definition === undefined) return;
  const result = await service.apply(definition, 'component:pipeline');
  if (result.outcome === 'created') {
    logger.info(
      { pipeline: definition.name },
      'a new node: the built-in pipeline was applied (pipeline.firstRun: "none" to start without it)',
    );
  }
}
