import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { watch, type FSWatcher } from 'chokidar';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorJson,
  ConnectorSession,
  ItemSink,
  SourceItem,
} from '../../../plugins/plugin-api.js';
import { checkSettingsWith } from '../settings-check.js';
import { pathFilter, scanFolder, type ScannedFile } from './folder-scan.js';
import {
  folderCursorSchema,
  folderSettingsSchema,
  type FolderCursor,
  type FolderSettings,
} from './folder-settings.js';

/**
 * The least time a file's ctime must lie in the past before it is taken, whatever `stableMs`
 * says: file systems stamp times from a coarse clock that lags the real one by up to a tick
 * (4–10 ms), so a file created just after a scan began could carry a ctime before the scan's
 * start; waiting longer than a tick keeps the watermark sound.
 */
const SETTLE_MIN_MS = 100;
/** A long scan checkpoints this often, so a crash repeats little. */
const CHECKPOINT_EVERY_ITEMS = 200;
const CHECKPOINT_EVERY_MS = 2_000;
/** Files up to this size are read in one call: a stream's set-up costs more than the read. */
const WHOLE_READ_MAX = 1 << 20;
/** chokidar reports a burst of changes as many events: one wake after this quiet time. */
const WAKE_DEBOUNCE_MS = 100;

/** The `folder` connector kind: a folder's files, scanned, then watched. */
export const folderConnector: ConnectorDefinition = {
  version: '1.0.0',
  description:
    'Takes in the files of a folder: an initial scan, then watching; a file is taken once it stops changing.',
  defaultIntervalMs: 60_000,
  checkSettings: (settings) => checkSettingsWith(folderSettingsSchema, settings),
  open(settings, ctx) {
    return new FolderSession(folderSettingsSchema.parse(settings), ctx);
  },
};

class FolderSession implements ConnectorSession {
  private readonly root: string;
  private readonly prefix: string;
  private readonly settleMs: number;
  /**
   * Relative paths the sink holds as present (taken and not removed), filled on the session's
   * first poll; null until then.
   */
  private known: Set<string> | null = null;
  private watcher: FSWatcher | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly settings: FolderSettings,
    private readonly ctx: ConnectorContext,
  ) {
    this.root = resolve(settings.path);
    const href = pathToFileURL(this.root).href;
    this.prefix = href.endsWith('/') ? href : `${href}/`;
    this.settleMs = Math.max(settings.stableMs, SETTLE_MIN_MS);
  }

  async poll(cursor: ConnectorJson | null, sink: ItemSink): Promise<ConnectorJson> {
    let position = readCursor(cursor);
    if (!existsSync(this.root)) {
      throw new Error(
        `The folder ${this.root} does not exist any more: create it again or remove the connector.`,
      );
    }
    const startedNs = BigInt(Date.now()) * 1_000_000n;
    const files = await scanFolder(this.root, this.settings, this.ctx.signal);
    if (this.ctx.signal.aborted) return position;
    const capNs = startedNs - BigInt(this.settleMs) * 1_000_000n;
    const current = new Set(files.map((f) => f.path));
    await this.recordRemovals(current, sink, position, files, capNs);

    const atSet = new Set(position.at);
    const wmNs = BigInt(position.ctimeNs);
    const due = files
      .filter(
        (f) =>
          f.ctimeNs <= capNs && (f.ctimeNs > wmNs || (f.ctimeNs === wmNs && !atSet.has(f.path))),
      )
      .sort((a, b) =>
        a.ctimeNs === b.ctimeNs ? (a.path < b.path ? -1 : 1) : a.ctimeNs < b.ctimeNs ? -1 : 1,
      );

    let sinceCheckpoint = 0;
    let lastCheckpoint = Date.now();
    for (const file of due) {
      if (this.ctx.signal.aborted) break;
      await sink.put(this.itemOf(file));
      this.known?.add(file.path);
      advance(position, file);
      sinceCheckpoint += 1;
      if (
        sinceCheckpoint >= CHECKPOINT_EVERY_ITEMS ||
        Date.now() - lastCheckpoint >= CHECKPOINT_EVERY_MS
      ) {
        await sink.checkpoint(position);
        sinceCheckpoint = 0;
        lastCheckpoint = Date.now();
      }
    }
    if (!this.ctx.signal.aborted && capNs > BigInt(position.ctimeNs)) {
      // Every file with a ctime up to the cap was listed by this scan (one created after it
      // began carries a later ctime, see SETTLE_MIN_MS) and has now been taken, so the cap
      // itself is a sound watermark, and the list of paths at it empties.
      position = { version: 1, ctimeNs: capNs.toString(), at: [] };
    }
    await sink.checkpoint(position);
    this.wakeForUnstable(files, capNs);
    return position;
  }

  watch(wake: () => void): void {
    this.wake = wake;
    if (this.watcher) return;
    let debounce: NodeJS.Timeout | null = null;
    const options = this.settings.recursive
      ? { ignoreInitial: true }
      : { ignoreInitial: true, depth: 0 };
    this.watcher = watch(this.root, options);
    // Deletions are found by the poll's scan against what the sink holds, so every event,
    // unlink included, only needs to bring the poll forward.
    this.watcher.on('all', () => {
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => this.wake?.(), WAKE_DEBOUNCE_MS);
    });
    this.watcher.on('error', (err) => {
      this.ctx.logger.warn(
        { err, folder: this.root },
        'watching the folder failed; polling on schedule only',
      );
    });
  }

  async close(): Promise<void> {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wake = null;
    await this.watcher?.close();
    this.watcher = null;
  }

  /**
   * Records every source the sink holds that the scan no longer found. On the session's first
   * poll the sink's own list says what it holds (so a file deleted while CIM was down is
   * recorded); a sink without that list leaves those unrecorded and the session starts from
   * what the cursor says was taken.
   */
  private async recordRemovals(
    current: Set<string>,
    sink: ItemSink,
    position: FolderCursor,
    files: readonly ScannedFile[],
    capNs: bigint,
  ): Promise<void> {
    if (this.known === null) {
      this.known = new Set();
      if (sink.knownSources) {
        const takes = pathFilter(this.settings);
        for await (const source of sink.knownSources(this.prefix)) {
          const path = this.pathOf(source);
          if (path !== null && takes(path)) this.known.add(path);
        }
      } else {
        const wmNs = BigInt(position.ctimeNs);
        for (const f of files) if (f.ctimeNs < wmNs && f.ctimeNs <= capNs) this.known.add(f.path);
      }
    }
    for (const path of [...this.known]) {
      if (current.has(path)) continue;
      if (this.ctx.signal.aborted) return;
      await sink.removed(this.sourceOf(path));
      this.known.delete(path);
    }
  }

  /** A file still changing is taken once it has been still for `stableMs`: poll then. */
  private wakeForUnstable(files: readonly ScannedFile[], capNs: bigint): void {
    if (!this.wake) return;
    let earliest: bigint | null = null;
    for (const f of files)
      if (f.ctimeNs > capNs && (earliest === null || f.ctimeNs < earliest)) earliest = f.ctimeNs;
    if (earliest === null) return;
    const dueMs = Number(earliest / 1_000_000n) + this.settleMs + 1 - Date.now();
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.wake?.(), Math.max(dueMs, 0));
  }

  private itemOf(file: ScannedFile): SourceItem {
    const full = join(this.root, ...file.path.split('/'));
    const folders = file.path.split('/').slice(0, -1);
    return {
      source: this.sourceOf(file.path),
      name: basename(full),
      size: file.size,
      ...(this.settings.subfoldersAsTags && folders.length > 0 ? { tags: folders } : {}),
      open: () => (file.size <= WHOLE_READ_MAX ? readWhole(full) : createReadStream(full)),
    };
  }

  private sourceOf(path: string): string {
    return pathToFileURL(join(this.root, ...path.split('/'))).href;
  }

  /** The relative path of a `file://` source under this folder, null for any other. */
  private pathOf(source: string): string | null {
    if (!source.startsWith(this.prefix)) return null;
    try {
      return relative(this.root, fileURLToPath(source)).split(sep).join('/');
    } catch {
      return null;
    }
  }
}

function readCursor(cursor: ConnectorJson | null): FolderCursor {
  if (cursor === null) return { version: 1, ctimeNs: '0', at: [] };
  // zod's parse is a copy, so advancing it in place leaves the caller's cursor as it was.
  const parsed = folderCursorSchema.safeParse(cursor);
  if (!parsed.success) {
    throw new Error(
      'The cursor is not one a folder connector wrote: rewind the connector to one of its checkpoints or to the beginning.',
    );
  }
  return parsed.data;
}

/**
 * Moves `position` past `file`, in place (a burst of files can share one ctime tick, and copying
 * the list for each would be quadratic); files are taken in ctime order, so it only moves forward.
 */
function advance(position: FolderCursor, file: ScannedFile): void {
  const ctimeNs = file.ctimeNs.toString();
  if (ctimeNs === position.ctimeNs) {
    position.at.push(file.path);
  } else {
    position.ctimeNs = ctimeNs;
    position.at = [file.path];
  }
}

async function* readWhole(path: string): AsyncIterable<Uint8Array> {
  yield await readFile(path);
}
