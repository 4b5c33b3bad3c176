#include "unsynced.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- namespace changes: one list in the order they happened, cleared by any sync ---- */

enum change_kind { CREATED, MADE_DIR, REMOVED, RENAMED, EXCHANGED, MODE, OWNER };

struct change {
  enum change_kind kind;
  char *path;  /* the entry as the change left it (RENAMED: the old name) */
  char *other; /* RENAMED: the new name; EXCHANGED: the second name */
  char *stash; /* REMOVED, RENAMED over an entry: where the removed entry waits, or NULL */
  int stash_is_dir;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static int root = -1;
static struct change *changes;
static size_t nchanges, changes_cap;
static unsigned long long stash_counter;

static char *dup_or_die(const char *s) {
  char *copy = s == NULL ? NULL : strdup(s);
  if (s != NULL && copy == NULL) {
    perror("power-loss-fs: out of memory");
    abort();
  }
  return copy;
}

static struct change *append_change(enum change_kind kind, const char *path, const char *other) {
  if (nchanges == changes_cap) {
    changes_cap = changes_cap == 0 ? 64 : changes_cap * 2;
    changes = realloc(changes, changes_cap * sizeof *changes);
    if (changes == NULL) {
      perror("power-loss-fs: out of memory");
      abort();
    }
  }
  struct change *c = &changes[nchanges++];
  memset(c, 0, sizeof *c);
  c->kind = kind;
  c->path = dup_or_die(path);
  c->other = dup_or_die(other);
  return c;
}

static char *next_stash_name(void) {
  char name[sizeof(UNSYNCED_STASH) + 32];
  snprintf(name, sizeof name, "%s/%llu", UNSYNCED_STASH, ++stash_counter);
  return dup_or_die(name);
}

static void free_change(struct change *c) {
  free(c->path);
  free(c->other);
  free(c->stash);
}

static int dir_is_empty(const char *rel) {
  int fd = openat(root, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return -errno;
  }
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = 0;
  closedir(d);
  return empty;
}

/* Removes everything under `rel` (leftovers of an earlier run's stash). */
static void remove_tree(int dirfd, const char *rel) {
  int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd >= 0) {
    DIR *d = fdopendir(fd);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) remove_tree(fd, e->d_name);
    if (d != NULL) closedir(d);
    else close(fd);
    unlinkat(dirfd, rel, AT_REMOVEDIR);
  } else {
    unlinkat(dirfd, rel, 0);
  }
}

int unsynced_init(int root_fd) {
  root = root_fd;
  remove_tree(root, UNSYNCED_STASH);
  return mkdirat(root, UNSYNCED_STASH, 0700) == 0 ? 0 : -errno;
}

int unsynced_created(const char *rel) {
  append_change(CREATED, rel, NULL);
  return 0;
}

int unsynced_made_dir(const char *rel) {
  append_change(MADE_DIR, rel, NULL);
  return 0;
}

int unsynced_remove(const char *rel, int want_dir) {
  struct stat st;
  if (fstatat(root, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (want_dir && !S_ISDIR(st.st_mode)) return -ENOTDIR;
  if (!want_dir && S_ISDIR(st.st_mode)) return -EISDIR;
  if (want_dir) {
    int empty = dir_is_empty(rel);
    if (empty < 0) return empty;
    if (!empty) return -ENOTEMPTY;
  }
  /* Moved aside rather than removed, so that a cut can put it back. */
  char *stash = next_stash_name();
  if (renameat(root, rel, root, stash) != 0) {
    int e = errno;
    free(stash);
    return -e;
  }
  struct change *c = append_change(REMOVED, rel, NULL);
  c->stash = stash;
  c->stash_is_dir = want_dir;
  return 0;
}

int unsynced_rename(const char *from, const char *to, unsigned int flags) {
  if (flags & RENAME_EXCHANGE) {
    if (renameat2(root, from, root, to, RENAME_EXCHANGE) != 0) return -errno;
    append_change(EXCHANGED, from, to);
    return 0;
  }
  if (flags & RENAME_NOREPLACE) {
    if (renameat2(root, from, root, to, RENAME_NOREPLACE) != 0) return -errno;
    append_change(RENAMED, from, to);
    return 0;
  }
  if (flags != 0) return -EINVAL;
  struct stat fs, ts;
  if (fstatat(root, from, &fs, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (fstatat(root, to, &ts, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) return -errno;
    if (renameat(root, from, root, to) != 0) return -errno;
    append_change(RENAMED, from, to);
    return 0;
  }
  /* Two names of one inode: rename(2) does nothing and succeeds. */
  if (fs.st_ino == ts.st_ino && fs.st_dev == ts.st_dev) return 0;
  /* The entry renamed over is kept in the stash, so that a cut can put it back. */
  char *stash = next_stash_name();
  int is_dir = S_ISDIR(ts.st_mode);
  if (is_dir) {
    if (!S_ISDIR(fs.st_mode)) {
      free(stash);
      return -EISDIR;
    }
    int empty = dir_is_empty(to);
    if (empty <= 0) {
      free(stash);
      return empty < 0 ? empty : -ENOTEMPTY;
    }
    if (renameat(root, to, root, stash) != 0) {
      int e = errno;
      free(stash);
      return -e;
    }
  } else if (linkat(root, to, root, stash, 0) != 0) {
    int e = errno;
    free(stash);
    return -e;
  }
  if (renameat(root, from, root, to) != 0) {
    int e = errno;
    if (is_dir) renameat(root, stash, root, to);
    else unlinkat(root, stash, 0);
    free(stash);
    return -e;
  }
  struct change *c = append_change(RENAMED, from, to);
  c->stash = stash;
  c->stash_is_dir = is_dir;
  return 0;
}

int unsynced_mode_changed(const char *rel, mode_t old_mode) {
  append_change(MODE, rel, NULL)->mode = old_mode;
  return 0;
}

int unsynced_owner_changed(const char *rel, uid_t old_uid, gid_t old_gid) {
  struct change *c = append_change(OWNER, rel, NULL);
  c->uid = old_uid;
  c->gid = old_gid;
  return 0;
}

static void commit_namespace(void) {
  for (size_t i = 0; i < nchanges; i++) {
    struct change *c = &changes[i];
    if (c->stash != NULL && unlinkat(root, c->stash, c->stash_is_dir ? AT_REMOVEDIR : 0) != 0)
      fprintf(stderr, "power-loss-fs: could not remove %s: %s\n", c->stash, strerror(errno));
    free_change(c);
  }
  nchanges = 0;
}

static int undo_change(const struct change *c) {
  switch (c->kind) {
  case CREATED:
    return unlinkat(root, c->path, 0);
  case MADE_DIR:
    return unlinkat(root, c->path, AT_REMOVEDIR);
  case REMOVED:
    return renameat(root, c->stash, root, c->path);
  case RENAMED:
    if (renameat(root, c->other, root, c->path) != 0) return -1;
    return c->stash == NULL ? 0 : renameat(root, c->stash, root, c->other);
  case EXCHANGED:
    return renameat2(root, c->path, root, c->other, RENAME_EXCHANGE);
  case MODE:
    return fchmodat(root, c->path, c->mode & 07777, 0);
  case OWNER:
    return fchownat(root, c->path, c->uid, c->gid, AT_SYMLINK_NOFOLLOW);
  }
  return 0;
}

/* ---- file data: per inode, the size at its last sync and the durable bytes overwritten since ---- */

struct saved_range {
  off_t off;
  size_t len;
  unsigned char *bytes;
};

struct file_state {
  ino_t ino;
  int fd; /* our own descriptor: it follows the inode through renames and removals */
  off_t synced_size;
  struct saved_range *saved; /* sorted by offset, never overlapping: each byte saved once */
  size_t nsaved, saved_cap;
  struct file_state *next;
};

#define BUCKETS 1024
static struct file_state *files[BUCKETS];

static struct file_state **slot_of(ino_t ino) {
  struct file_state **p = &files[ino % BUCKETS];
  while (*p != NULL && (*p)->ino != ino) p = &(*p)->next;
  return p;
}

static void free_state(struct file_state *s) {
  for (size_t i = 0; i < s->nsaved; i++) free(s->saved[i].bytes);
  free(s->saved);
  close(s->fd);
  free(s);
}

/* The state of `ino`, created on its first change since its last sync: then its size is durable. */
static int state_of(ino_t ino, int fd, const char *rel, struct file_state **out) {
  struct file_state **slot = slot_of(ino);
  if (*slot != NULL) {
    *out = *slot;
    return 0;
  }
  int own;
  if (fd >= 0) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    own = open(proc, O_RDWR);
  } else {
    own = openat(root, rel, O_RDWR | O_NOFOLLOW);
  }
  if (own < 0) return -errno;
  struct stat st;
  if (fstat(own, &st) != 0) {
    int e = errno;
    close(own);
    return -e;
  }
  struct file_state *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(own);
    return -ENOMEM;
  }
  s->ino = ino;
  s->fd = own;
  s->synced_size = st.st_size;
  *slot = s;
  *out = s;
  return 0;
}

static int compare_ranges(const void *a, const void *b) {
  off_t x = ((const struct saved_range *)a)->off, y = ((const struct saved_range *)b)->off;
  return x < y ? -1 : x > y;
}

static int save_gap(struct file_state *s, off_t off, off_t end) {
  size_t len = (size_t)(end - off);
  unsigned char *bytes = malloc(len);
  if (bytes == NULL) return -ENOMEM;
  ssize_t got = pread(s->fd, bytes, len, off);
  if (got < 0) {
    int e = errno;
    free(bytes);
    return -e;
  }
  if (got == 0) {
    free(bytes);
    return 0;
  }
  if (s->nsaved == s->saved_cap) {
    size_t cap = s->saved_cap == 0 ? 8 : s->saved_cap * 2;
    struct saved_range *grown = realloc(s->saved, cap * sizeof *grown);
    if (grown == NULL) {
      free(bytes);
      return -ENOMEM;
    }
    s->saved = grown;
    s->saved_cap = cap;
  }
  s->saved[s->nsaved++] = (struct saved_range){off, (size_t)got, bytes};
  return 0;
}

/* Saves the bytes of [off, end) that were durable and are not saved yet. Bytes past the synced
 * size need nothing: the cut truncates them away. */
static int save_durable(struct file_state *s, off_t off, off_t end) {
  if (end > s->synced_size) end = s->synced_size;
  if (off >= end) return 0;
  size_t before = s->nsaved;
  off_t pos = off;
  for (size_t i = 0; i < before && pos < end; i++) {
    const struct saved_range *r = &s->saved[i];
    off_t r_end = r->off + (off_t)r->len;
    if (r_end <= pos) continue;
    if (r->off >= end) break;
    if (r->off > pos) {
      int e = save_gap(s, pos, r->off);
      if (e != 0) return e;
      r = &s->saved[i]; /* save_gap may have moved the array */
    }
    if (r_end > pos) pos = r_end;
  }
  if (pos < end) {
    int e = save_gap(s, pos, end);
    if (e != 0) return e;
  }
  if (s->nsaved != before) qsort(s->saved, s->nsaved, sizeof *s->saved, compare_ranges);
  return 0;
}

int unsynced_before_write(ino_t ino, int fd, const char *rel, off_t off, size_t len) {
  struct file_state *s;
  int e = state_of(ino, fd, rel, &s);
  return e != 0 ? e : save_durable(s, off, off + (off_t)len);
}

int unsynced_before_truncate(ino_t ino, int fd, const char *rel, off_t size) {
  struct file_state *s;
  int e = state_of(ino, fd, rel, &s);
  if (e != 0) return e;
  struct stat st;
  if (fstat(s->fd, &st) != 0) return -errno;
  return save_durable(s, size, st.st_size);
}

void unsynced_synced(ino_t ino) {
  commit_namespace();
  if (ino == 0) return;
  struct file_state **slot = slot_of(ino);
  if (*slot == NULL) return;
  struct file_state *s = *slot;
  *slot = s->next;
  free_state(s);
}

void unsynced_checkpoint(void) {
  commit_namespace();
  for (size_t b = 0; b < BUCKETS; b++)
    while (files[b] != NULL) {
      struct file_state *s = files[b];
      files[b] = s->next;
      free_state(s);
    }
}

static void roll_back_file(struct file_state *s, struct cut_report *report) {
  struct stat st;
  off_t dropped = fstat(s->fd, &st) == 0 && st.st_size > s->synced_size
                      ? st.st_size - s->synced_size
                      : 0;
  report->bytes_dropped += (unsigned long long)dropped;
  /* Named on stderr, so that a failing test can tell what was lost. */
  char proc[64], path[4096];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", s->fd);
  ssize_t n = readlink(proc, path, sizeof path - 1);
  path[n < 0 ? 0 : n] = '\0';
  size_t saved = 0;
  for (size_t i = 0; i < s->nsaved; i++) saved += s->saved[i].len;
  /* The name is the one the descriptor was opened under: it may read "(deleted)" after renames. */
  fprintf(stderr, "power-loss-fs: cut: %s back to %lld bytes (%lld dropped, %zu restored)\n",
          path, (long long)s->synced_size, (long long)dropped, saved);
  for (size_t i = 0; i < s->nsaved; i++) {
    const struct saved_range *r = &s->saved[i];
    if (pwrite(s->fd, r->bytes, r->len, r->off) != (ssize_t)r->len) {
      fprintf(stderr, "power-loss-fs: could not restore inode %lu at %lld: %s\n",
              (unsigned long)s->ino, (long long)r->off, strerror(errno));
      report->failures++;
    }
    report->bytes_restored += r->len;
  }
  if (ftruncate(s->fd, s->synced_size) != 0) {
    fprintf(stderr, "power-loss-fs: could not truncate inode %lu: %s\n", (unsigned long)s->ino,
            strerror(errno));
    report->failures++;
  }
  report->files_rolled_back++;
}

void unsynced_cut(struct cut_report *report) {
  memset(report, 0, sizeof *report);
  /* Names first, newest first, so that each undo meets the namespace its change left; data
   * follows through our own descriptors, which do not depend on names. */
  for (size_t i = nchanges; i-- > 0;) {
    if (undo_change(&changes[i]) != 0) {
      fprintf(stderr, "power-loss-fs: could not undo change %zu (%d) of %s: %s\n", i,
              changes[i].kind, changes[i].path, strerror(errno));
      report->failures++;
    }
    report->namespace_undone++;
    free_change(&changes[i]);
  }
  nchanges = 0;
  for (size_t b = 0; b < BUCKETS; b++)
    while (files[b] != NULL) {
      struct file_state *s = files[b];
      files[b] = s->next;
      roll_back_file(s, report);
      free_state(s);
    }
}

void unsynced_close(void) {
  if (root >= 0) remove_tree(root, UNSYNCED_STASH);
}
