import { z } from 'zod';

/** The settings of an `s3` connector, with their defaults. */
export const s3SettingsSchema = z
  .object({
    /** Absent: AWS itself, in `region`. */
    endpoint: z
      .string()
      .refine(
        (v) => /^https?:\/\/[^/]+/.test(v),
        'must be an http(s) URL such as https://s3.example.com',
      )
      .optional(),
    bucket: z.string().min(1, 'must name a bucket'),
    prefix: z.string().default(''),
    region: z.string().min(1).default('us-east-1'),
    forcePathStyle: z.boolean().default(true),
    accessKeyIdFile: z.string().min(1).optional(),
    secretAccessKeyFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => (s.accessKeyIdFile === undefined) === (s.secretAccessKeyFile === undefined), {
    message:
      'must be given together with settings.secretAccessKeyFile (or neither, for the environment’s credentials)',
    path: ['accessKeyIdFile'],
  });

export type S3Settings = z.output<typeof s3SettingsSchema>;

const entry = z.object({ key: z.string(), etag: z.string() }).strict();

/**
 * Where an s3 connector stopped. `import`: the first pass, by key (`startAfter`, the last key
 * taken), remembering when it began. `changes`: later passes, by LastModified (S3 sets it, so a
 * watermark is sound): objects modified after `since` minus a margin are taken unless `recent`
 * (keys and ETags within the margin) says they were already.
 */
export const s3CursorSchema = z.discriminatedUnion('phase', [
  z
    .object({
      version: z.literal(1),
      phase: z.literal('import'),
      startAfter: z.string().nullable(),
      startedAt: z.string().datetime(),
    })
    .strict(),
  z
    .object({
      version: z.literal(1),
      phase: z.literal('changes'),
      since: z.string().datetime(),
      recent: z.array(entry),
    })
    .strict(),
]);

export type S3Cursor = z.output<typeof s3CursorSchema>;
