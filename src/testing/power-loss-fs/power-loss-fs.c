/*
 * power-loss-fs: a FUSE file system for tests that passes everything through to a backing folder
 * and, on command, loses every change that was not fsynced, as a power cut would.
 *
 *   power-loss-fs BACKING MOUNTPOINT
 *
 * Prints `{"event":"ready"}` once mounted. Commands are written to the file `.power-loss-fs` at the
 * root of the mount (a write returns once the command is done):
 *   checkpoint   everything becomes durable, as after an orderly `sync`
 *   cut          the power cut: every change not fsynced is undone in BACKING, a report is
 *                printed as `{"event":"cut",...}`, every later operation fails with EIO, and the
 *                file system unmounts and exits once the control file is closed
 * SIGTERM or SIGINT unmount it cleanly (everything durable); so does the death of the process that
 * started it. The mount uses auto_unmount, so it never outlives this one.
 * See docs/decisions/0016-power-loss-file-system.md for the semantics.
 */
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "unsynced.h"

#define CONTROL ".power-loss-fs"

struct dir_handle {
  DIR *dir;
  int at_root;
};

struct handle {
  int fd;
  int flags;
  ino_t ino;
  int control;
};

static int root_fd = -1;
static int powered_off;

/* The path relative to the backing folder; "." for the root. */
static const char *rel(const char *path) { return path[1] == '\0' ? "." : path + 1; }

static int is_control(const char *path) { return path != NULL && strcmp(path, "/" CONTROL) == 0; }

/* Our own names at the root are invisible to users of the mount. */
static int reserved(const char *path) {
  size_t n = strlen("/" UNSYNCED_STASH);
  return path != NULL && strncmp(path, "/" UNSYNCED_STASH, n) == 0 &&
         (path[n] == '\0' || path[n] == '/');
}

static struct handle *handle_of(struct fuse_file_info *fi) {
  return fi == NULL ? NULL : (struct handle *)(uintptr_t)fi->fh;
}

static void control_stat(struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_mode = S_IFREG | 0600;
  st->st_nlink = 1;
  st->st_uid = getuid();
  st->st_gid = getgid();
}

#define GUARD(path)                                                                                \
  do {                                                                                             \
    if (powered_off) return -EIO;                                                                  \
    if (reserved(path) || is_control(path)) return -EPERM;                                         \
  } while (0)

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  struct handle *h = handle_of(fi);
  if ((h != NULL && h->control) || is_control(path)) {
    control_stat(st);
    return 0;
  }
  if (powered_off) return -EIO;
  if (h != NULL) return fstat(h->fd, st) == 0 ? 0 : -errno;
  if (reserved(path)) return -ENOENT;
  return fstatat(root_fd, rel(path), st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int fs_access(const char *path, int mask) {
  if (is_control(path)) return 0;
  if (powered_off) return -EIO;
  if (reserved(path)) return -ENOENT;
  return faccessat(root_fd, rel(path), mask, 0) == 0 ? 0 : -errno;
}

static int fs_readlink(const char *path, char *buf, size_t size) {
  GUARD(path);
  ssize_t n = readlinkat(root_fd, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

static int fs_mknod(const char *path, mode_t mode, dev_t rdev) {
  GUARD(path);
  int r = S_ISFIFO(mode) ? mkfifoat(root_fd, rel(path), mode)
                         : mknodat(root_fd, rel(path), mode, rdev);
  return r != 0 ? -errno : unsynced_created(rel(path));
}

static int fs_mkdir(const char *path, mode_t mode) {
  GUARD(path);
  return mkdirat(root_fd, rel(path), mode) != 0 ? -errno : unsynced_made_dir(rel(path));
}

static int fs_unlink(const char *path) {
  GUARD(path);
  return unsynced_remove(rel(path), 0);
}

static int fs_rmdir(const char *path) {
  GUARD(path);
  return unsynced_remove(rel(path), 1);
}

static int fs_symlink(const char *target, const char *path) {
  GUARD(path);
  return symlinkat(target, root_fd, rel(path)) != 0 ? -errno : unsynced_created(rel(path));
}

static int fs_rename(const char *from, const char *to, unsigned int flags) {
  GUARD(from);
  GUARD(to);
  return unsynced_rename(rel(from), rel(to), flags);
}

static int fs_link(const char *from, const char *to) {
  GUARD(from);
  GUARD(to);
  return linkat(root_fd, rel(from), root_fd, rel(to), 0) != 0 ? -errno : unsynced_created(rel(to));
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  struct handle *h = handle_of(fi);
  if (h == NULL) GUARD(path);
  if (powered_off) return -EIO;
  struct stat st;
  int r = h != NULL ? fstat(h->fd, &st) : fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return -errno;
  r = h != NULL ? fchmod(h->fd, mode) : fchmodat(root_fd, rel(path), mode, 0);
  if (r != 0) return -errno;
  /* An open file removed since has no name to restore a mode on; its removal is undone anyway. */
  return path == NULL ? 0 : unsynced_mode_changed(rel(path), st.st_mode);
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  struct handle *h = handle_of(fi);
  if (h == NULL) GUARD(path);
  if (powered_off) return -EIO;
  struct stat st;
  int r = h != NULL ? fstat(h->fd, &st) : fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return -errno;
  r = h != NULL ? fchown(h->fd, uid, gid)
                : fchownat(root_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return -errno;
  return path == NULL ? 0 : unsynced_owner_changed(rel(path), st.st_uid, st.st_gid);
}

/* Truncates the open `fd` (inode `ino`) to `size`, first saving the durable bytes it cuts. */
static int truncate_fd(int fd, ino_t ino, off_t size) {
  int e = unsynced_before_truncate(ino, fd, NULL, size);
  if (e != 0) return e;
  return ftruncate(fd, size) == 0 ? 0 : -errno;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  struct handle *h = handle_of(fi);
  if ((h != NULL && h->control) || is_control(path)) return 0;
  if (powered_off) return -EIO;
  if (h != NULL) return truncate_fd(h->fd, h->ino, size);
  if (reserved(path)) return -ENOENT;
  int fd = openat(root_fd, rel(path), O_WRONLY | O_NOFOLLOW);
  if (fd < 0) return -errno;
  struct stat st;
  int e = fstat(fd, &st) == 0 ? truncate_fd(fd, st.st_ino, size) : -errno;
  close(fd);
  return e;
}

/* Wraps a backing descriptor in a handle; O_TRUNC was left out of the open and is done here,
 * so that the bytes it throws away are saved first. */
static int attach(int fd, int flags, struct fuse_file_info *fi) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && st.st_size > 0) {
    int e = truncate_fd(fd, st.st_ino, 0);
    if (e != 0) {
      close(fd);
      return e;
    }
  }
  struct handle *h = calloc(1, sizeof *h);
  if (h == NULL) {
    close(fd);
    return -ENOMEM;
  }
  *h = (struct handle){.fd = fd, .flags = flags, .ino = st.st_ino, .control = 0};
  fi->fh = (uint64_t)(uintptr_t)h;
  return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi) {
  if (is_control(path)) {
    struct handle *h = calloc(1, sizeof *h);
    if (h == NULL) return -ENOMEM;
    *h = (struct handle){.fd = -1, .flags = fi->flags, .ino = 0, .control = 1};
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->direct_io = 1;
    return 0;
  }
  if (powered_off) return -EIO;
  if (reserved(path)) return -ENOENT;
  int fd = openat(root_fd, rel(path), fi->flags & ~(O_TRUNC | O_CREAT | O_EXCL | O_DIRECT));
  return fd < 0 ? -errno : attach(fd, fi->flags, fi);
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  GUARD(path);
  struct stat st;
  int existed = fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW) == 0;
  int fd = openat(root_fd, rel(path), (fi->flags & ~(O_TRUNC | O_DIRECT)) | O_CREAT, mode);
  if (fd < 0) return -errno;
  if (!existed) unsynced_created(rel(path));
  return attach(fd, fi->flags, fi);
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi) {
  (void)path;
  struct handle *h = handle_of(fi);
  if (h->control) return 0;
  if (powered_off) return -EIO;
  ssize_t n = pread(h->fd, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int run_command(const char *buf, size_t size) {
  char command[32];
  size_t n = size < sizeof command - 1 ? size : sizeof command - 1;
  memcpy(command, buf, n);
  while (n > 0 && (command[n - 1] == '\n' || command[n - 1] == ' ')) n--;
  command[n] = '\0';
  if (strcmp(command, "checkpoint") == 0) {
    unsynced_checkpoint();
    return (int)size;
  }
  if (strcmp(command, "cut") == 0) {
    struct cut_report r;
    unsynced_cut(&r);
    powered_off = 1;
    printf("{\"event\":\"cut\",\"namespaceUndone\":%lu,\"filesRolledBack\":%lu,"
           "\"bytesRestored\":%llu,\"bytesDropped\":%llu,\"failures\":%lu}\n",
           r.namespace_undone, r.files_rolled_back, r.bytes_restored, r.bytes_dropped,
           r.failures);
    fflush(stdout);
    return (int)size;
  }
  return -EINVAL;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi) {
  (void)path;
  struct handle *h = handle_of(fi);
  if (h->control) return powered_off ? -EIO : run_command(buf, size);
  if (powered_off) return -EIO;
  if (h->flags & O_APPEND) {
    /* The backing descriptor appends wherever its end is; save against that end. */
    struct stat st;
    if (fstat(h->fd, &st) != 0) return -errno;
    off = st.st_size;
  }
  int e = unsynced_before_write(h->ino, h->fd, NULL, off, size);
  if (e != 0) return e;
  ssize_t n = pwrite(h->fd, buf, size, off);
  if (n < 0) return -errno;
  if (h->flags & (O_SYNC | O_DSYNC)) unsynced_synced(h->ino);
  return (int)n;
}

static int fs_statfs(const char *path, struct statvfs *st) {
  (void)path;
  if (powered_off) return -EIO;
  return fstatvfs(root_fd, st) == 0 ? 0 : -errno;
}

static int fs_flush(const char *path, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  return 0;
}

static int fs_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  struct handle *h = handle_of(fi);
  if (h->fd >= 0) close(h->fd);
  if (h->control && powered_off) fuse_exit(fuse_get_context()->fuse);
  free(h);
  return 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  struct handle *h = handle_of(fi);
  if (h->control) return 0;
  if (powered_off) return -EIO;
  /* The backing folder's own durability is not what is tested: its fsync is not passed on. */
  unsynced_synced(h->ino);
  return 0;
}

static int fs_opendir(const char *path, struct fuse_file_info *fi) {
  if (powered_off) return -EIO;
  if (reserved(path) || is_control(path)) return -ENOENT;
  int fd = openat(root_fd, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    int e = errno;
    close(fd);
    return -e;
  }
  struct dir_handle *h = malloc(sizeof *h);
  if (h == NULL) {
    closedir(d);
    return -ENOMEM;
  }
  /* Remembered here: with nullpath_ok, readdir may be given no path. */
  *h = (struct dir_handle){.dir = d, .at_root = strcmp(path, "/") == 0};
  fi->fh = (uint64_t)(uintptr_t)h;
  return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)off;
  (void)flags;
  if (powered_off) return -EIO;
  (void)path;
  struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
  rewinddir(h->dir);
  struct dirent *e;
  while ((e = readdir(h->dir)) != NULL) {
    if (h->at_root && strcmp(e->d_name, UNSYNCED_STASH) == 0) continue;
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_ino = e->d_ino;
    st.st_mode = (mode_t)DTTOIF(e->d_type);
    if (fill(buf, e->d_name, &st, 0, 0)) break;
  }
  return 0;
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
  closedir(h->dir);
  free(h);
  return 0;
}

static int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  (void)fi;
  if (powered_off) return -EIO;
  unsynced_synced(0);
  return 0;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  struct handle *h = handle_of(fi);
  if ((h != NULL && h->control) || is_control(path)) return 0;
  if (powered_off) return -EIO;
  if (h != NULL) return futimens(h->fd, tv) == 0 ? 0 : -errno;
  if (reserved(path)) return -ENOENT;
  return utimensat(root_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->use_ino = 1;
  /* Removal goes through unlink (into our stash), not through libfuse's .fuse_hidden renames. */
  cfg->hard_remove = 1;
  cfg->nullpath_ok = 1;
  printf("{\"event\":\"ready\"}\n");
  fflush(stdout);
  return NULL;
}

static void fs_destroy(void *data) {
  (void)data;
  if (!powered_off) unsynced_checkpoint();
  unsynced_close();
}

static const struct fuse_operations operations = {
    .getattr = fs_getattr,
    .readlink = fs_readlink,
    .mknod = fs_mknod,
    .mkdir = fs_mkdir,
    .unlink = fs_unlink,
    .rmdir = fs_rmdir,
    .symlink = fs_symlink,
    .rename = fs_rename,
    .link = fs_link,
    .chmod = fs_chmod,
    .chown = fs_chown,
    .truncate = fs_truncate,
    .open = fs_open,
    .read = fs_read,
    .write = fs_write,
    .statfs = fs_statfs,
    .flush = fs_flush,
    .release = fs_release,
    .fsync = fs_fsync,
    .opendir = fs_opendir,
    .readdir = fs_readdir,
    .releasedir = fs_releasedir,
    .fsyncdir = fs_fsyncdir,
    .init = fs_init,
    .destroy = fs_destroy,
    .access = fs_access,
    .create = fs_create,
    .utimens = fs_utimens,
};

int main(int argc, char *argv[]) {
  if (argc != 3) {
    fprintf(stderr, "usage: power-loss-fs BACKING MOUNTPOINT\n");
    return 2;
  }
  root_fd = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (root_fd < 0) {
    fprintf(stderr, "power-loss-fs: cannot open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  int e = unsynced_init(root_fd);
  if (e != 0) {
    fprintf(stderr, "power-loss-fs: cannot prepare %s: %s\n", argv[1], strerror(-e));
    return 1;
  }
  /* A test that dies without stopping us must not leave the mount behind: its death is SIGTERM. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  /* Modes arrive already masked by the caller's umask; a dirty file keeps a descriptor open. */
  umask(0);
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  char *fuse_argv[] = {argv[0], "-f", "-s", "-o",
                       "auto_unmount,default_permissions,fsname=power-loss-fs,subtype=power-loss-fs",
                       argv[2], NULL};
  return fuse_main(6, fuse_argv, &operations, NULL);
}
