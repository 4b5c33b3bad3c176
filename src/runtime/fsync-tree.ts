import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * fsyncs every file and folder below `dir` (and `dir` itself): what was written there is then
 * on disk, not only in the page cache, and so are the names of the files. For a folder written
 * by a process whose own syncing was relaxed (a restore's server), once it has exited.
 */
export async function fsyncTree(dir: string): Promise<number> {
  let synced = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) synced += await fsyncTree(path);
    else if (entry.isFile()) synced += await fsyncOne(path);
  }
  // A folder's entries (new files, renames) are durable once the folder itself is synced.
  return synced + (await fsyncOne(dir));
}

/** fsyncs one file or folder (a folder: the names in it, e.g. a file just removed). */
export async function fsyncOne(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
    return 1;
  } finally {
    await handle.close();
  }
}
