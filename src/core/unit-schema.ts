import { z } from 'zod';

/** How a derived unit was made: the processor and the CID of its parameters. */
const producedBySchema = z.object({
  /** `name@version` of the processor. */
  processor: z.string(),
  parameters: z.string(),
});

/**
 * An information unit: immutable metadata around one piece of content, with its links
 * (`content`, `derivedFrom`, `previous`, `producedBy.parameters`) as CID strings. Encoded as
 * DAG-CBOR (src/units/unit.ts), its CID is the unit's identity; a new version of a logical
 * document is a new unit whose `previous` links the one before.
 */
export const unitSchema = z.object({
  content: z.string(),
  mediaType: z.string(),
  size: z.number().int().min(0),
  name: z.string(),
  source: z.string(),
  createdAt: z.string(),
  /** Sorted and unique. */
  tags: z.array(z.string()),
  context: z.string().nullable(),
  derivedFrom: z.array(z.string()),
  producedBy: producedBySchema.nullable(),
  previous: z.string().nullable(),
});

/** An information unit (see {@link unitSchema}). */
export type Unit = z.output<typeof unitSchema>;
/** How a derived unit was made. */
export type ProducedBy = z.output<typeof producedBySchema>;
