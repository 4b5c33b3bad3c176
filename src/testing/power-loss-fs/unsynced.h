/*
 * What a power cut would take away: every change to the backing folder since it was last made
 * durable, kept as a way to undo it. Changes go to the backing folder at once (so reads, listings
 * and lookups need no merging); before a change, what it overwrites is saved here. An fsync makes
 * the saved state of its file (and every earlier namespace change) durable, that is, forgotten;
 * a power cut undoes whatever is left. See docs/decisions/0016-power-loss-file-system.md.
 */
#ifndef POWER_LOSS_FS_UNSYNCED_H
#define POWER_LOSS_FS_UNSYNCED_H

#include <sys/types.h>

/* The hidden folder inside the backing folder that holds removed entries until a sync. */
#define UNSYNCED_STASH ".power-loss-fs-stash"

/* What a power cut undid. */
struct cut_report {
  unsigned long namespace_undone;  /* creations, removals, renames, mode and owner changes */
  unsigned long files_rolled_back; /* files whose content or size went back to their last sync */
  unsigned long long bytes_restored; /* durable bytes written back over unsynced overwrites */
  unsigned long long bytes_dropped;  /* unsynced bytes cut off the end of files */
  unsigned long failures;            /* undo steps that failed (each also logged on stderr) */
};

/* Prepares the stash inside the backing folder `root_fd`; returns 0 or -errno. */
int unsynced_init(int root_fd);

/* Namespace changes. Each performs the change on the backing folder (paths relative to it)
 * and records how to undo it; returns 0 or -errno, like the system call it stands for. */
int unsynced_created(const char *rel);
int unsynced_made_dir(const char *rel);
int unsynced_remove(const char *rel, int want_dir);
int unsynced_rename(const char *from, const char *to, unsigned int flags);
int unsynced_mode_changed(const char *rel, mode_t old_mode);
int unsynced_owner_changed(const char *rel, uid_t old_uid, gid_t old_gid);

/* File data. Called before a write of [off, off+len) or a truncation to `size` of the file with
 * inode `ino`, opened as `fd` (or, when fd < 0, at `rel`); saves the durable bytes it replaces. */
int unsynced_before_write(ino_t ino, int fd, const char *rel, off_t off, size_t len);
int unsynced_before_truncate(ino_t ino, int fd, const char *rel, off_t size);

/* An fsync of file `ino` (or of a directory, ino 0): the file's data and every namespace change
 * so far become durable, as one journal commit of ext4 or XFS carries all earlier ones. */
void unsynced_synced(ino_t ino);

/* Everything becomes durable (an orderly shutdown, or the kernel's writeback catching up). */
void unsynced_checkpoint(void);

/* The power cut: undoes every change not made durable, newest first. */
void unsynced_cut(struct cut_report *report);

/* Removes the (then empty) stash; called on the way out. */
void unsynced_close(void);

#endif
