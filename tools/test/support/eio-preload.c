// A disk that answers EIO, for tests: preloaded (LD_PRELOAD) into a stack's processes, it makes every write
// and flush of a file under $EIO_PRELOAD_DIR fail with EIO while the file $EIO_PRELOAD_SWITCH exists, and
// only the flushes (fsync, fdatasync, syncfs: the writes reach the page cache, the disk refuses them) while
// $EIO_PRELOAD_FLUSH_SWITCH exists. This kernel has no device-mapper `error` target, and a real failing disk
// cannot be had on demand.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int switched_on(const char *variable) {
  const char *path = getenv(variable);
  return path && access(path, F_OK) == 0;
}

static int failing(int fd, int flush) {
  const char *dir = getenv("EIO_PRELOAD_DIR");
  if (!dir || !(switched_on("EIO_PRELOAD_SWITCH") || (flush && switched_on("EIO_PRELOAD_FLUSH_SWITCH")))) return 0;
  char link[64], target[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n < 0) return 0;
  target[n] = 0;
  size_t len = strlen(dir);
  return strncmp(target, dir, len) == 0 && (target[len] == '/' || target[len] == 0);
}

// Each wrapper: EIO when failing, else the C library's own function.
#define FAIL_OR_CALL(ret, name, params, args, flush) \
  ret name params {                                \
    static ret(*real) params;                      \
    if (!real) real = (ret(*) params)dlsym(RTLD_NEXT, #name); \
    if (failing(fd, flush)) {                      \
      errno = EIO;                                 \
      return -1;                                   \
    }                                              \
    return real args;                              \
  }

FAIL_OR_CALL(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n), 0)
FAIL_OR_CALL(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off), 0)
FAIL_OR_CALL(ssize_t, pwrite64, (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off), 0)
FAIL_OR_CALL(ssize_t, writev, (int fd, const struct iovec *iov, int n), (fd, iov, n), 0)
FAIL_OR_CALL(ssize_t, pwritev, (int fd, const struct iovec *iov, int n, off_t off), (fd, iov, n, off), 0)
FAIL_OR_CALL(ssize_t, pwritev64, (int fd, const struct iovec *iov, int n, off_t off), (fd, iov, n, off), 0)
FAIL_OR_CALL(int, fsync, (int fd), (fd), 1)
FAIL_OR_CALL(int, fdatasync, (int fd), (fd), 1)
FAIL_OR_CALL(int, syncfs, (int fd), (fd), 1)
