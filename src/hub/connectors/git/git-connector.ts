import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { posix } from 'node:path';
import picomatch from 'picomatch';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorJson,
  ConnectorSession,
  ItemSink,
} from '../../../plugins/plugin-api.js';
import { checkSettingsWith } from '../settings-check.js';
import { blobBytes, git, GitCommandError } from './git-cli.js';
import {
  gitCursorSchema,
  gitSettingsSchema,
  type GitCursor,
  type GitSettings,
} from './git-settings.js';

/** One file a diff between two commits reports. */
interface FileChange {
  readonly path: string;
  /** The blob at the later commit; null when the file was deleted. */
  readonly blob: string | null;
}

/** Git's mode of a submodule entry: a commit of another repository, not a blob. */
const GITLINK = '160000';

/** The `git` connector kind: a branch followed commit by commit, each file version an item. */
export const gitConnector: ConnectorDefinition = {
  version: '1.0.0',
  description:
    "Follows a git repository's branch from its first commit: the files each commit adds or changes, as versions of their documents.",
  defaultIntervalMs: 300_000,
  checkSettings: (settings) => checkSettingsWith(gitSettingsSchema, settings),
  open(settings, ctx) {
    return new GitSession(gitSettingsSchema.parse(settings), ctx);
  },
};

class GitSession implements ConnectorSession {
  /** A bare mirror clone; the connector's temporary folder is emptied on start, so a new session clones again. */
  private readonly mirror: string;
  private readonly takes: (path: string) => boolean;
  private branch: string | null;
  private emptyTree: string | null = null;

  constructor(
    private readonly settings: GitSettings,
    private readonly ctx: ConnectorContext,
  ) {
    this.mirror = join(ctx.tempDir, 'git-mirror.git');
    this.branch = settings.branch ?? null;
    const paths = settings.paths?.length ? picomatch(settings.paths, { dot: true }) : null;
    this.takes = (path) => paths === null || paths(path);
  }

  async poll(cursor: ConnectorJson | null, sink: ItemSink): Promise<ConnectorJson> {
    const previous = readCursor(cursor);
    await this.update();
    const branch = await this.branchName();
    const head = await this.headOf(branch);
    if (previous?.head === head) {
      const same: GitCursor = { version: 1, head };
      await sink.checkpoint(same);
      return same;
    }

    let from: string | null = null;
    let forced: { previousHead: string } | null = null;
    if (previous) {
      if (await this.isAncestor(previous.head, head)) {
        from = previous.head;
      } else {
        forced = { previousHead: previous.head };
        from = await this.mergeBase(previous.head, head);
        this.ctx.logger.warn(
          { connector: this.ctx.name, previousHead: previous.head, head, mergeBase: from },
          'the branch was force-pushed: continuing from the merge base',
        );
      }
    }
    const mark = (commit: string): GitCursor =>
      forced ? { version: 1, head: commit, ...forced, forced: true } : { version: 1, head: commit };

    if (forced && previous && from !== null) {
      // Back from the abandoned head to the merge base first: files only the abandoned commits
      // had are recorded as removed, files they changed get the base's version again. Nothing
      // stored is erased; the documents say what the branch holds.
      await this.applyDiff(previous.head, from, branch, sink);
      await sink.checkpoint(mark(from));
    }
    const range = from === null ? [head] : [`${from}..${head}`];
    // Each line: a commit, then its parents; a commit is diffed against its first parent.
    const commits = (
      await git([
        '--git-dir',
        this.mirror,
        'rev-list',
        '--topo-order',
        '--reverse',
        '--parents',
        ...range,
        '--',
      ])
    )
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '));
    let position: GitCursor = previous ?? mark(head);
    for (const [commit, parent] of commits) {
      if (this.ctx.signal.aborted || commit === undefined) return position;
      await this.applyDiff(parent ?? null, commit, branch, sink);
      position = mark(commit);
      await sink.checkpoint(position);
    }
    if (commits.length === 0) {
      position = mark(head);
      await sink.checkpoint(position);
    }
    return position;
  }

  /** Clones the mirror on the session's first poll, fetches into it on every later one. */
  private async update(): Promise<void> {
    const repository = this.settings.repository;
    try {
      if (existsSync(this.mirror)) {
        await git(['--git-dir', this.mirror, 'fetch', '--prune', '--force', '--quiet', 'origin'], {
          signal: this.ctx.signal,
        });
      } else {
        await git(['clone', '--mirror', '--quiet', '--', repository, this.mirror], {
          signal: this.ctx.signal,
        });
      }
    } catch (err) {
      const reason = err instanceof GitCommandError ? err.reason : (err as Error).message;
      throw new Error(
        `The git repository ${repository} cannot be read (${reason}): check settings.repository and that it is reachable.`,
        { cause: err },
      );
    }
  }

  private async branchName(): Promise<string> {
    if (this.branch) return this.branch;
    try {
      const ref = (await git(['--git-dir', this.mirror, 'symbolic-ref', 'HEAD'])).trim();
      this.branch = ref.replace(/^refs\/heads\//, '');
      return this.branch;
    } catch (err) {
      throw new Error(
        `The git repository ${this.settings.repository} has no default branch: set settings.branch.`,
        { cause: err },
      );
    }
  }

  private async headOf(branch: string): Promise<string> {
    try {
      const ref = `refs/heads/${branch}^{commit}`;
      return (
        await git([
          '--git-dir',
          this.mirror,
          'rev-parse',
          '--verify',
          '--quiet',
          '--end-of-options',
          ref,
        ])
      ).trim();
    } catch (err) {
      throw new Error(
        `The branch ${branch} does not exist in the git repository ${this.settings.repository}: correct settings.branch.`,
        { cause: err },
      );
    }
  }

  private async isAncestor(ancestor: string, commit: string): Promise<boolean> {
    try {
      await git(['--git-dir', this.mirror, 'merge-base', '--is-ancestor', ancestor, commit]);
      return true;
    } catch {
      return false; // not an ancestor, or the old head is no longer in the mirror at all
    }
  }

  /** The merge base of an abandoned head and the new one; null when the mirror lacks the old head. */
  private async mergeBase(a: string, b: string): Promise<string | null> {
    try {
      return (await git(['--git-dir', this.mirror, 'merge-base', a, b])).trim() || null;
    } catch {
      return null;
    }
  }

  /** Hands the sink every file that differs from `from` (null: nothing) to `to`. */
  private async applyDiff(
    from: string | null,
    to: string,
    branch: string,
    sink: ItemSink,
  ): Promise<void> {
    for (const change of await this.diff(from, to)) {
      if (!this.takes(change.path)) continue;
      const source = `git+${this.settings.repository}#${branch}:${change.path}`;
      if (change.blob === null) {
        await sink.removed(source);
        continue;
      }
      const blob = change.blob;
      await sink.put({
        source,
        name: posix.basename(change.path),
        open: () => blobBytes(this.mirror, blob),
      });
    }
  }

  private async diff(from: string | null, to: string): Promise<FileChange[]> {
    const base = from ?? (await this.empty());
    const out = await git([
      '--git-dir',
      this.mirror,
      'diff-tree',
      '-r',
      '-z',
      '--no-renames',
      base,
      to,
      '--',
    ]);
    const fields = out.split('\0');
    const changes: FileChange[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      // `:oldmode newmode oldblob newblob status` then the path
      const [, newMode, , newBlob, status] = fields[i]!.slice(1).split(' ');
      const path = fields[i + 1]!;
      if (status === 'D') changes.push({ path, blob: null });
      else if (newMode !== GITLINK && newBlob) changes.push({ path, blob: newBlob });
    }
    return changes;
  }

  private async empty(): Promise<string> {
    this.emptyTree ??= (
      await git(['--git-dir', this.mirror, 'hash-object', '-t', 'tree', '/dev/null'])
    ).trim();
    return this.emptyTree;
  }
}

function readCursor(cursor: ConnectorJson | null): GitCursor | null {
  if (cursor === null) return null;
  const parsed = gitCursorSchema.safeParse(cursor);
  if (!parsed.success) {
    throw new Error(
      'The cursor is not one a git connector wrote: rewind the connector to one of its checkpoints or to the beginning.',
    );
  }
  return parsed.data as GitCursor;
}
