import { z } from 'zod';
import { InvalidInputError } from '../../../core/errors.js';
import { firstIssue, issueField, issueProblem } from '../../../core/zod-issue.js';
import type { ConnectorJson } from '../../../plugins/plugin-api.js';

/** The settings of a `mail` connector, defaults applied. */
export const mailSettingsSchema = z.strictObject({
  host: z.string().trim().min(1, 'must name the IMAP server'),
  /** 993: IMAP over TLS. 143 with `secure: false` is plaintext (or STARTTLS when offered). */
  port: z.number().int().min(1).max(65535).default(993),
  secure: z.boolean().default(true),
  username: z.string().min(1, 'must name the mailbox user'),
  /** A credential file holding the password (read with `ctx.secret`). */
  passwordFile: z.string().min(1, 'must name the file holding the password'),
  mailboxes: z.array(z.string().min(1)).min(1, 'must list at least one mailbox').default(['INBOX']),
  /** Each message is tagged with the mailbox it was found in. */
  mailboxesAsTags: z.boolean().default(true),
  /** Messages between checkpoints within a poll, so a crash repeats at most this many. */
  checkpointEvery: z.number().int().min(1).max(10_000).default(100),
  /** Keep one IDLE connection per mailbox open and poll as soon as the server says mail came. */
  watch: z.boolean().default(false),
});
export type MailSettings = z.output<typeof mailSettingsSchema>;

/**
 * Checks settings as `ConnectorDefinition.checkSettings` does: the settings with defaults, or
 * one sentence naming the field (`settings.host`).
 */
export function checkMailSettings(
  settings: Readonly<Record<string, unknown>>,
):
  | { readonly ok: true; readonly settings: Record<string, ConnectorJson> }
  | { readonly ok: false; readonly error: string } {
  const parsed = mailSettingsSchema.safeParse(settings);
  if (parsed.success) return { ok: true, settings: { ...parsed.data } };
  const issue = firstIssue(parsed.error);
  const field = issueField(issue);
  const where = field === '' ? 'settings' : `settings.${field}`;
  return {
    ok: false,
    error: `The mail connector's ${where} is wrong: ${issueProblem(issue, { input: settings, advise: true })}.`,
  };
}

/** Where a poll is in one mailbox: the UIDVALIDITY its UIDs belong to and the last UID taken. */
const mailboxPositionSchema = z.strictObject({
  uidValidity: z.number().int().nonnegative(),
  lastUid: z.number().int().nonnegative(),
});
export type MailboxPosition = z.output<typeof mailboxPositionSchema>;

/**
 * The cursor: version 1, a position per mailbox read (mailboxes no longer listed are dropped,
 * so it stays as small as the settings).
 */
export const mailCursorSchema = z.strictObject({
  version: z.literal(1),
  mailboxes: z.record(z.string(), mailboxPositionSchema),
});
export type MailCursor = z.output<typeof mailCursorSchema>;

/** The cursor to start from: a fresh one for null; a cursor of another shape is refused. */
export function readMailCursor(cursor: ConnectorJson | null): MailCursor {
  if (cursor === null) return { version: 1, mailboxes: {} };
  const parsed = mailCursorSchema.safeParse(cursor);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    `The mail connector's cursor is not one it wrote (${issueProblem(firstIssue(parsed.error))}): rewind the connector to an earlier checkpoint or re-apply it to start over.`,
  );
}
