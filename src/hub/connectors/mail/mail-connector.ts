import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import type { FetchMessageObject } from 'imapflow';
import { CimError, UnauthenticatedError, UnavailableError } from '../../../core/errors.js';
import { InvalidConfigError } from '../../../core/errors.js';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorJson,
  ConnectorSession,
  ItemSink,
} from '../../../plugins/plugin-api.js';
import { checkMailSettings, mailSettingsSchema, readMailCursor } from './mail-settings.js';
import type { MailboxPosition, MailCursor, MailSettings } from './mail-settings.js';
import { messageName, messageSource } from './mail-source.js';

/** The media type every message is stored under: its raw RFC 822 source, the `.eml`. */
export const MESSAGE_MEDIA_TYPE = 'message/rfc822';

/** At most this many messages, or this many bytes, are fetched in one FETCH. */
const FETCH_BATCH_MESSAGES = 100;
const FETCH_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * `mail`: reads IMAP mailboxes (imapflow). Each message is one item, its raw RFC 822 source
 * (`message/rfc822`, parsed later by the `extract-email` processor); the cursor is a UIDVALIDITY
 * and last UID per mailbox, so a poll fetches only UIDs above it, and a changed UIDVALIDITY
 * (a rebuilt or restored mailbox) re-reads the mailbox, which the Message-ID sources turn into
 * sightings rather than new documents.
 */
export const mailConnector: ConnectorDefinition = {
  version: '1.0.0',
  description:
    'Reads IMAP mailboxes: each message as its .eml, resuming by UIDVALIDITY and UID per mailbox.',
  defaultIntervalMs: 5 * 60_000,
  checkSettings: checkMailSettings,
  open(settings, ctx) {
    return new ImapMailSession(mailSettingsSchema.parse(settings), ctx);
  },
};

/** Waits between IDLE reconnections: doubling from one second, at most a minute. */
const WATCH_RETRY_MS = { first: 1000, max: 60_000 };
/** IDLE is restarted this often: servers may end an IDLE after 30 minutes (RFC 2177). */
const MAX_IDLE_MS = 5 * 60_000;

/**
 * A session of one mail connector; each poll opens its own IMAP connection and closes it. With
 * `watch`, one more connection per mailbox stays in IDLE and wakes the hub when mail arrives.
 */
class ImapMailSession implements ConnectorSession {
  private readonly watchers = new Set<ImapFlow>();
  private watching = false;
  /** Aborted by `close`: ends the IDLE loops, their waits included. */
  private readonly closing = new AbortController();

  constructor(
    private readonly settings: MailSettings,
    private readonly ctx: ConnectorContext,
  ) {}

  watch(wake: () => void): void {
    if (!this.settings.watch || this.watching) return;
    this.watching = true;
    for (const mailbox of this.settings.mailboxes) void this.idle(mailbox, wake);
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const client of this.watchers) client.close();
    this.watchers.clear();
  }

  /** Keeps `mailbox` in IDLE, reconnecting with backoff, until the session closes or aborts. */
  private async idle(mailbox: string, wake: () => void): Promise<void> {
    const signal = AbortSignal.any([this.ctx.signal, this.closing.signal]);
    let delay = WATCH_RETRY_MS.first;
    while (!signal.aborted) {
      let client: ImapFlow | undefined;
      try {
        client = await this.connect({ maxIdleTime: MAX_IDLE_MS });
        this.watchers.add(client);
        if (signal.aborted) break;
        const stop = () => client?.close();
        signal.addEventListener('abort', stop, { once: true });
        await client.mailboxOpen(mailbox, { readOnly: true });
        client.on('exists', () => wake());
        delay = WATCH_RETRY_MS.first;
        while (client.usable && !signal.aborted) await client.idle();
        signal.removeEventListener('abort', stop);
      } catch (err) {
        if (signal.aborted) break;
        this.ctx.logger.warn(
          { mailbox, reason: err instanceof Error ? err.message : String(err) },
          'The IDLE connection failed: reconnecting.',
        );
      } finally {
        if (client !== undefined) {
          this.watchers.delete(client);
          client.close();
        }
      }
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, WATCH_RETRY_MS.max);
    }
  }

  private get server(): string {
    return `${this.settings.host}:${this.settings.port}`;
  }

  async poll(cursor: ConnectorJson | null, sink: ItemSink): Promise<ConnectorJson> {
    const start = readMailCursor(cursor);
    const client = await this.connect();
    const { signal } = this.ctx;
    // A pause or shutdown interrupts a FETCH in flight; what was put is checkpointed below.
    const abort = () => client.close();
    signal.addEventListener('abort', abort, { once: true });
    const next: MailCursor = { version: 1, mailboxes: {} };
    for (const mailbox of this.settings.mailboxes) {
      const position = start.mailboxes[mailbox];
      if (position !== undefined) next.mailboxes[mailbox] = { ...position };
    }
    let sinceCheckpoint = 0;
    const progressed = async () => {
      if (++sinceCheckpoint < this.settings.checkpointEvery) return;
      sinceCheckpoint = 0;
      await sink.checkpoint(next);
    };
    try {
      for (const mailbox of this.settings.mailboxes) {
        if (signal.aborted) break;
        await this.readMailbox(client, mailbox, next, sink, progressed);
      }
    } catch (err) {
      if (!signal.aborted) throw this.pollError(err);
    } finally {
      signal.removeEventListener('abort', abort);
      await client.logout().catch(() => client.close());
    }
    await sink.checkpoint(next);
    return next;
  }

  /** Logs in, or throws the one sentence the connector fails with. */
  private async connect(options: { maxIdleTime?: number } = {}): Promise<ImapFlow> {
    const { host, port, secure, username, passwordFile } = this.settings;
    const password = (await this.ctx.secret(passwordFile)).replace(/\r?\n$/, '');
    const client = new ImapFlow({
      host,
      port,
      secure,
      auth: { user: username, pass: password },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: 30_000,
      ...options,
    });
    // Without a listener an 'error' event would end the process; the failing call says it too.
    client.on('error', (err: Error) =>
      this.ctx.logger.warn({ server: this.server, code: codeOf(err) }, 'IMAP connection error'),
    );
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.close();
      if ((err as { authenticationFailed?: boolean }).authenticationFailed === true) {
        throw new UnauthenticatedError(
          `The IMAP server at ${this.server} refused the login of user ${username}: check settings.passwordFile.`,
        );
      }
      throw new UnavailableError(
        `The IMAP server at ${this.server} could not be reached (${codeOf(err)}): check settings.host, settings.port and settings.secure.`,
        { cause: err },
      );
    }
  }

  /** A failure in the middle of a poll, as one sentence (the items put so far stay put). */
  private pollError(err: unknown): Error {
    if (err instanceof CimError) return err;
    return new UnavailableError(
      `The IMAP server at ${this.server} failed while the mailboxes were read (${codeOf(err)}): the next poll resumes from the last checkpoint.`,
      { cause: err },
    );
  }

  /** Puts every message above the mailbox's last UID, in UID order, advancing its position. */
  private async readMailbox(
    client: ImapFlow,
    mailbox: string,
    next: MailCursor,
    sink: ItemSink,
    progressed: () => Promise<void>,
  ): Promise<void> {
    let lock;
    try {
      lock = await client.getMailboxLock(mailbox, { readOnly: true });
    } catch (err) {
      if ((err as { responseStatus?: string }).responseStatus === 'NO') {
        throw new InvalidConfigError(
          `The IMAP server at ${this.server} has no mailbox ${mailbox} for user ${this.settings.username}: check settings.mailboxes.`,
        );
      }
      throw err;
    }
    try {
      const opened = client.mailbox;
      if (opened === false) throw new Error(`${mailbox} is not selected`);
      const uidValidity = Number(opened.uidValidity);
      const previous = next.mailboxes[mailbox];
      if (previous !== undefined && previous.uidValidity !== uidValidity) {
        this.ctx.logger.warn(
          { mailbox, was: previous.uidValidity, now: uidValidity },
          'The mailbox has a new UIDVALIDITY: reading it again (known messages are seen again).',
        );
      }
      const position: MailboxPosition = {
        uidValidity,
        lastUid: previous?.uidValidity === uidValidity ? previous.lastUid : 0,
      };
      next.mailboxes[mailbox] = position;
      if (opened.exists === 0) return;
      // `n:*` names the last message even when its UID is below n, so the sizes are filtered.
      const listed = await client.fetchAll(
        `${position.lastUid + 1}:*`,
        { uid: true, size: true },
        { uid: true },
      );
      const fresh = listed
        .filter((m) => m.uid > position.lastUid)
        .sort((a, b) => a.uid - b.uid)
        .map((m) => ({ uid: m.uid, size: m.size ?? 0 }));
      for (const batch of batches(fresh)) {
        if (this.ctx.signal.aborted) return;
        const fetched = await client.fetchAll(
          batch.map((m) => m.uid),
          { uid: true, envelope: true, source: true, size: true },
          { uid: true },
        );
        const byUid = new Map(fetched.map((m) => [m.uid, m]));
        for (const { uid } of batch) {
          await this.putMessage(byUid.get(uid), { mailbox, uid, uidValidity }, opened, sink);
          position.lastUid = uid;
          await progressed();
        }
      }
    } finally {
      lock.release();
    }
  }

  private async putMessage(
    message: FetchMessageObject | undefined,
    at: { mailbox: string; uid: number; uidValidity: number },
    opened: { delimiter: string },
    sink: ItemSink,
  ): Promise<void> {
    const source = messageSource({
      username: this.settings.username,
      host: this.settings.host,
      mailbox: at.mailbox,
      delimiter: opened.delimiter,
      messageId: message?.envelope?.messageId,
      uidValidity: at.uidValidity,
      uid: at.uid,
    });
    const bytes = message?.source;
    if (bytes === undefined) {
      // Expunged between the listing and the fetch, or the server would not give its source.
      await sink.fail(source, `The IMAP server gave no source for UID ${at.uid} in ${at.mailbox}.`);
      return;
    }
    await sink.put({
      source,
      name: messageName(message?.envelope?.subject),
      mediaType: MESSAGE_MEDIA_TYPE,
      tags: this.settings.mailboxesAsTags ? [at.mailbox] : [],
      size: bytes.byteLength,
      open: async function* () {
        yield bytes;
      },
    });
  }
}

/** Splits messages into FETCHes of a bounded count and size (one large message goes alone). */
function* batches<T extends { size: number }>(messages: readonly T[]): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (
      batch.length > 0 &&
      (batch.length >= FETCH_BATCH_MESSAGES || bytes + message.size > FETCH_BATCH_BYTES)
    ) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += message.size;
  }
  if (batch.length > 0) yield batch;
}

/** A short reason from a network or IMAP error: its code, else its message's first line. */
function codeOf(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && code !== '') return code;
  return String(message ?? err)
    .split('\n')[0]!
    .replace(/[.\s]+$/, '');
}
