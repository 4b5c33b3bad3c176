import { GetObjectCommand, ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorJson,
  ConnectorSession,
  ItemSink,
  SourceItem,
} from '../../../plugins/plugin-api.js';
import { checkSettingsWith } from '../settings-check.js';
import { s3ConnectorFailure } from './s3-connector-errors.js';
import { s3CursorSchema, s3SettingsSchema, type S3Cursor, type S3Settings } from './s3-settings.js';

/**
 * How late an object may show up in a listing after its LastModified (S3 stamps the start of an
 * upload; a large one is listed only once complete) and how far the server's clock may be from
 * ours: objects modified this long before the watermark are still looked at.
 */
const MARGIN_MS = 5 * 60_000;
/** At most this many keys within the margin are remembered; beyond it an object is offered again (the hub answers seen-again). */
const RECENT_MAX = 1_000;

type ChangesCursor = Extract<S3Cursor, { phase: 'changes' }>;

/** The `s3` connector kind: a bucket or prefix, imported by key, then followed by LastModified. */
export const s3Connector: ConnectorDefinition = {
  version: '1.0.0',
  description:
    'Imports the objects of an S3 bucket or prefix, then takes objects added or changed since.',
  defaultIntervalMs: 300_000,
  checkSettings: (settings) => checkSettingsWith(s3SettingsSchema, settings),
  open(settings, ctx) {
    return new S3Session(s3SettingsSchema.parse(settings), ctx);
  },
};

class S3Session implements ConnectorSession {
  private client: S3Client | null = null;
  private readonly sourceBase: string;

  constructor(
    private readonly settings: S3Settings,
    private readonly ctx: ConnectorContext,
  ) {
    const host = settings.endpoint ? new URL(settings.endpoint).host : null;
    const aws = host === null || /(^|\.)amazonaws\.com$/.test(host);
    this.sourceBase = aws ? `s3://${settings.bucket}/` : `s3://${host}/${settings.bucket}/`;
  }

  async poll(cursor: ConnectorJson | null, sink: ItemSink): Promise<ConnectorJson> {
    const client = await this.connect();
    const position = readCursor(cursor) ?? {
      version: 1 as const,
      phase: 'import' as const,
      startAfter: null,
      startedAt: new Date().toISOString(),
    };
    // The poll that finishes the import ends there: the next one looks for changes.
    if (position.phase === 'import') return this.importFrom(client, position, sink);
    return this.changesSince(client, position, sink);
  }

  async close(): Promise<void> {
    this.client?.destroy();
    this.client = null;
  }

  /** The first pass, in key order, checkpointing after every page. */
  private async importFrom(
    client: S3Client,
    start: Extract<S3Cursor, { phase: 'import' }>,
    sink: ItemSink,
  ): Promise<S3Cursor> {
    let position = start;
    const recent: { key: string; etag: string; at: number }[] = [];
    const since = Date.parse(start.startedAt);
    for (;;) {
      const page = await this.list(client, { startAfter: position.startAfter, token: undefined });
      for (const object of page.objects) {
        if (this.ctx.signal.aborted) return position;
        await sink.put(this.itemOf(client, object));
        const at = object.LastModified?.getTime() ?? 0;
        if (at > since - MARGIN_MS) recent.push({ key: object.Key!, etag: object.ETag ?? '', at });
      }
      const last = page.objects.at(-1)?.Key;
      if (last !== undefined) {
        position = { ...position, startAfter: last };
        await sink.checkpoint(position);
      }
      if (!page.more) break;
    }
    // Objects changed during the import, behind its key position, carry a LastModified after
    // the import began: the watermark starts there.
    const done: ChangesCursor = {
      version: 1,
      phase: 'changes',
      since: start.startedAt,
      recent: keep(recent),
    };
    await sink.checkpoint(done);
    return done;
  }

  /** A later pass: the whole listing, taking what changed since the watermark. */
  private async changesSince(
    client: S3Client,
    position: ChangesCursor,
    sink: ItemSink,
  ): Promise<S3Cursor> {
    const known = new Map(position.recent.map((r) => [r.key, r.etag]));
    const since = Date.parse(position.since);
    let watermark = since;
    const seen: { key: string; etag: string; at: number }[] = [];
    const listed = new Set<string>();
    let token: string | undefined;
    for (;;) {
      const page = await this.list(client, { startAfter: null, token });
      for (const object of page.objects) {
        if (this.ctx.signal.aborted) return position;
        listed.add(this.sourceOf(object.Key!));
        const at = object.LastModified?.getTime() ?? 0;
        if (at <= since - MARGIN_MS) continue;
        const key = object.Key!;
        const etag = object.ETag ?? '';
        seen.push({ key, etag, at });
        watermark = Math.max(watermark, at);
        if (known.get(key) === etag) continue;
        await sink.put(this.itemOf(client, object));
      }
      if (!page.more) break;
      token = page.token;
    }
    await this.recordRemovals(listed, sink);
    const next: ChangesCursor = {
      version: 1,
      phase: 'changes',
      since: new Date(watermark).toISOString(),
      recent: keep(seen.filter((s) => s.at > watermark - MARGIN_MS)),
    };
    await sink.checkpoint(next);
    return next;
  }

  /**
   * Records every source the hub holds under the prefix that the full listing no longer has;
   * without the hub's list of sources (an older hub) deletions are not recorded.
   */
  private async recordRemovals(listed: ReadonlySet<string>, sink: ItemSink): Promise<void> {
    if (!sink.knownSources) return;
    for await (const source of sink.knownSources(this.sourceOf(this.settings.prefix))) {
      if (this.ctx.signal.aborted) return;
      if (!listed.has(source)) await sink.removed(source);
    }
  }

  private sourceOf(key: string): string {
    return this.sourceBase + key.split('/').map(encodeURIComponent).join('/');
  }

  private async list(
    client: S3Client,
    from: { startAfter: string | null; token: string | undefined },
  ): Promise<{ objects: _Object[]; more: boolean; token?: string }> {
    try {
      const reply = await client.send(
        new ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: this.settings.prefix,
          ...(from.token ? { ContinuationToken: from.token } : {}),
          ...(from.startAfter !== null && !from.token ? { StartAfter: from.startAfter } : {}),
        }),
        { abortSignal: this.ctx.signal },
      );
      const objects = (reply.Contents ?? []).filter(
        (o) => o.Key !== undefined && !o.Key.endsWith('/'),
      );
      return {
        objects,
        more: reply.IsTruncated === true,
        ...(reply.NextContinuationToken ? { token: reply.NextContinuationToken } : {}),
      };
    } catch (err) {
      throw s3ConnectorFailure(err, this.target());
    }
  }

  private itemOf(client: S3Client, object: _Object): SourceItem {
    const key = object.Key!;
    const bucket = this.settings.bucket;
    const signal = this.ctx.signal;
    return {
      source: this.sourceOf(key),
      name: key.slice(key.lastIndexOf('/') + 1),
      ...(object.Size === undefined ? {} : { size: object.Size }),
      async open() {
        const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: signal,
        });
        if (!reply.Body) throw new Error(`The object ${key} came back without a body.`);
        return reply.Body as AsyncIterable<Uint8Array>;
      },
    };
  }

  private async connect(): Promise<S3Client> {
    if (this.client) return this.client;
    const { accessKeyIdFile, secretAccessKeyFile } = this.settings;
    const credentials =
      accessKeyIdFile && secretAccessKeyFile
        ? {
            accessKeyId: (await this.ctx.secret(accessKeyIdFile)).trim(),
            secretAccessKey: (await this.ctx.secret(secretAccessKeyFile)).trim(),
          }
        : undefined;
    this.client = new S3Client({
      region: this.settings.region,
      forcePathStyle: this.settings.forcePathStyle,
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return this.client;
  }

  private target() {
    return {
      connector: this.ctx.name,
      bucket: this.settings.bucket,
      endpoint: this.settings.endpoint ?? `AWS S3 (${this.settings.region})`,
    };
  }
}

/** The newest entries, at most RECENT_MAX, without their times. */
function keep(
  entries: { key: string; etag: string; at: number }[],
): { key: string; etag: string }[] {
  return entries
    .sort((a, b) => b.at - a.at)
    .slice(0, RECENT_MAX)
    .map(({ key, etag }) => ({ key, etag }));
}

function readCursor(cursor: ConnectorJson | null): S3Cursor | null {
  if (cursor === null) return null;
  const parsed = s3CursorSchema.safeParse(cursor);
  if (!parsed.success) {
    throw new Error(
      'The cursor is not one an s3 connector wrote: rewind the connector to one of its checkpoints or to the beginning.',
    );
  }
  return parsed.data;
}
