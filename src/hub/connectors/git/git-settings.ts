import { z } from 'zod';

/**
 * A value handed to git that could be read as an option is refused here, before git sees it;
 * every call also puts such values after `--` or behind a `refs/heads/` prefix.
 */
const notAnOption = (what: string) =>
  z
    .string()
    .min(1, `must name a ${what}`)
    .refine((v) => !v.startsWith('-'), `must not start with '-' (git would read it as an option)`);

/** The settings of a `git` connector, with their defaults. */
export const gitSettingsSchema = z
  .object({
    repository: notAnOption('repository (a path or URL)')
      .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(v), {
        message:
          'must not contain a password: give a URL without one and the credentials through git',
      })
      .refine((v) => !/^ext::/i.test(v), 'must not use the ext:: transport (it runs a command)'),
    branch: notAnOption('branch')
      .refine(
        (v) => !/(\.\.|[\s~^:?*[\\]|@\{|\/$|\.lock$|^\/)/.test(v),
        'is not a valid branch name',
      )
      .optional(),
    paths: z.array(z.string().min(1, 'a glob may not be empty')).optional(),
  })
  .strict();

export type GitSettings = z.output<typeof gitSettingsSchema>;

/**
 * Where a git connector stopped: the branch's commit whose files were all taken. After a
 * force-push (the recorded head not an ancestor of the new one) the checkpoints of the catch-up
 * also say which head was abandoned, so the history shows it.
 */
export const gitCursorSchema = z
  .object({
    version: z.literal(1),
    head: z.string().regex(/^[0-9a-f]{40,64}$/),
    previousHead: z
      .string()
      .regex(/^[0-9a-f]{40,64}$/)
      .optional(),
    forced: z.literal(true).optional(),
  })
  .strict();

/** The cursor as connectors build it (JSON, so no field is ever present as undefined). */
export type GitCursor =
  { version: 1; head: string } | { version: 1; head: string; previousHead: string; forced: true };
