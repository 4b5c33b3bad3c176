import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';

const globs = z.array(z.string().min(1, 'a glob may not be empty')).optional();

/** The settings of a `folder` connector, with their defaults. */
export const folderSettingsSchema = z
  .object({
    path: z
      .string()
      .refine(isAbsolute, 'must be an absolute path')
      .refine(isFolder, 'must name an existing folder'),
    recursive: z.boolean().default(true),
    subfoldersAsTags: z.boolean().default(false),
    include: globs,
    exclude: globs,
    stableMs: z.number().int().min(0).max(3_600_000).default(1000),
  })
  .strict();

export type FolderSettings = z.output<typeof folderSettingsSchema>;

/**
 * Where a folder poll stopped: every file whose change time (ctime, set by the kernel on any
 * write, touch or rename and never settable back) is before `ctimeNs` was taken, and of those
 * exactly at it, the ones in `at` (paths relative to the folder). Two fields whatever the
 * folder's size.
 */
export const folderCursorSchema = z
  .object({
    version: z.literal(1),
    ctimeNs: z.string().regex(/^\d+$/),
    at: z.array(z.string()),
  })
  .strict();

export type FolderCursor = z.output<typeof folderCursorSchema>;

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
