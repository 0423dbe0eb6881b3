// The filesystem syscalls the project needs that Node's fs lacks, or makes too costly. Native because:
// - Node has no mknod (whiteout char devices, fifos), no l{set,get}xattr (opaque dirs, PAX xattrs, file
//   capabilities), no utimensat without following symlinks to the nanosecond, and no syncfs(2);
// - Node sends each fs call to libuv's thread pool on its own, and every hand-off costs the main thread of
//   the one process npm start runs. Here a recursive remove (removeTree), a batch of small writes (mkdir,
//   files, symlinks, chown, chmod, utimes, rename: applyBatch, a container's layers are ~40 of them) and a
//   group commit round (several callers' writes, a syncfs, their publishing renames, a syncfs: applyRound)
//   are one hand-off each.
// Paths are Buffers or strings (layer names need not be UTF-8). Errors are Error objects shaped like
// Node's fs errors (code, errno, syscall, path).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <uv.h>

#define MAX_ARGS 5
#define XATTR_VALUE_MAX 65536

// Returns a NUL-terminated malloc'ed copy of a Buffer or string argument, or NULL after throwing.
static char *path_arg(napi_env env, napi_value value) {
  bool is_buffer = false;
  napi_is_buffer(env, value, &is_buffer);
  if (is_buffer) {
    void *data = NULL;
    size_t length = 0;
    napi_get_buffer_info(env, value, &data, &length);
    if (memchr(data, 0, length) != NULL) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "path must not contain NUL bytes");
      return NULL;
    }
    char *copy = malloc(length + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, data, length);
    copy[length] = 0;
    return copy;
  }
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "path must be a string or a Buffer");
    return NULL;
  }
  char *copy = malloc(length + 1);
  if (copy == NULL) return NULL;
  napi_get_value_string_utf8(env, value, copy, length + 1, &length);
  return copy;
}

// Worded as Node's fs errors are (libuv's descriptions), so that a caller cannot tell the two apart.
static napi_value errno_error(napi_env env, int err, const char *syscall, const char *path) {
  const char *code = strerrorname_np(err);
  char message[4352];
  snprintf(message, sizeof message, "%s: %s, %s '%s'", code ? code : "EUNKNOWN", uv_strerror(-err), syscall, path);
  napi_value error, value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &value);
  napi_create_error(env, NULL, value, &error);
  napi_create_string_utf8(env, code ? code : "EUNKNOWN", NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "code", value);
  napi_create_int32(env, -err, &value);
  napi_set_named_property(env, error, "errno", value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "syscall", value);
  napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "path", value);
  return error;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  napi_throw(env, errno_error(env, err, syscall, path));
  return NULL;
}

static size_t get_args(napi_env env, napi_callback_info info, napi_value *argv) {
  size_t argc = MAX_ARGS;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return argc;
}

static double number_arg(napi_env env, napi_value value) {
  double result = 0;
  napi_get_value_double(env, value, &result);
  return result;
}

// mknod(path, mode, major, minor)
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  if (get_args(env, info, argv) < 4) return NULL;
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return NULL;
  dev_t dev = makedev((unsigned)number_arg(env, argv[2]), (unsigned)number_arg(env, argv[3]));
  napi_value result = NULL;
  if (mknod(path, (mode_t)number_arg(env, argv[1]), dev) != 0) result = throw_errno(env, errno, "mknod", path);
  free(path);
  return result;
}

// The path and attribute name of an xattr call (both malloc'ed), or false after throwing.
static bool xattr_args(napi_env env, napi_value *argv, char **path, char **name) {
  *path = path_arg(env, argv[0]);
  if (*path == NULL) return false;
  *name = path_arg(env, argv[1]);
  if (*name != NULL) return true;
  free(*path);
  return false;
}

// lsetxattr(path, name, value: Buffer)
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  char *path, *name;
  if (get_args(env, info, argv) < 3 || !xattr_args(env, argv, &path, &name)) return NULL;
  void *data = NULL;
  size_t length = 0;
  napi_get_buffer_info(env, argv[2], &data, &length);
  napi_value result = NULL;
  if (lsetxattr(path, name, data, length, 0) != 0) result = throw_errno(env, errno, "lsetxattr", path);
  free(name);
  free(path);
  return result;
}

// lgetxattr(path, name) -> Buffer, or null when the attribute is absent
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  char *path, *name;
  if (get_args(env, info, argv) < 2 || !xattr_args(env, argv, &path, &name)) return NULL;
  char *value = malloc(XATTR_VALUE_MAX);
  napi_value result = NULL;
  ssize_t length = value == NULL ? (errno = ENOMEM, -1) : lgetxattr(path, name, value, XATTR_VALUE_MAX);
  if (length >= 0) {
    napi_create_buffer_copy(env, (size_t)length, value, NULL, &result);
  } else if (errno == ENODATA) {
    napi_get_null(env, &result);
  } else {
    result = throw_errno(env, errno, "lgetxattr", path);
  }
  free(value);
  free(name);
  free(path);
  return result;
}

// lutimes(path, atimeSeconds, atimeNanoseconds, mtimeSeconds, mtimeNanoseconds): never follows a symlink
static napi_value js_lutimes(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  if (get_args(env, info, argv) < 5) return NULL;
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return NULL;
  struct timespec times[2] = {
      {(time_t)number_arg(env, argv[1]), (long)number_arg(env, argv[2])},
      {(time_t)number_arg(env, argv[3]), (long)number_arg(env, argv[4])},
  };
  napi_value result = NULL;
  if (utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0) result = throw_errno(env, errno, "utimensat", path);
  free(path);
  return result;
}

// Work for libuv's thread pool: `run` returns 0 or an errno, naming the syscall and path that failed.
typedef struct pool_job pool_job;
typedef int (*pool_work)(pool_job *job);

struct pool_job {
  napi_async_work work;
  napi_deferred deferred;
  uint8_t *input;  // owned: a NUL-terminated path, or an encoded batch
  size_t length;
  pool_work run;
  int err;
  const char *syscall;
  const char *failed_path;
};

static void pool_job_execute(napi_env env, void *data) {
  (void)env;
  pool_job *job = data;
  job->err = job->run(job);
}

static void pool_job_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  pool_job *job = data;
  napi_value result;
  if (job->err == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    napi_reject_deferred(env, job->deferred, errno_error(env, job->err, job->syscall, job->failed_path));
  }
  napi_delete_async_work(env, job->work);
  free(job->input);
  free(job);
}

// Queues `run` on `input` (taking ownership of it); returns a promise of its outcome.
static napi_value queue_job(napi_env env, const char *name, uint8_t *input, size_t length, pool_work run) {
  pool_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    free(input);
    return throw_errno(env, ENOMEM, name, "");
  }
  job->input = input;
  job->length = length;
  job->run = run;
  job->failed_path = (const char *)input;
  napi_value promise, resource;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, NULL, resource, pool_job_execute, pool_job_complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

// Queues `run` on the path argument.
static napi_value queue_path_job(napi_env env, napi_callback_info info, const char *name, pool_work run) {
  napi_value argv[MAX_ARGS];
  get_args(env, info, argv);
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return NULL;
  return queue_job(env, name, (uint8_t *)path, strlen(path), run);
}

static int syncfs_path(const char *path, const char **syscall) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *syscall = "open";
    return errno;
  }
  int err = syncfs(fd) == 0 ? 0 : errno;
  if (err != 0) *syscall = "syncfs";
  close(fd);
  return err;
}

static int syncfs_job(pool_job *job) {
  return syncfs_path((const char *)job->input, &job->syscall);
}

// syncfs(path) -> Promise<void>: flushes the filesystem holding path, in libuv's thread pool.
static napi_value js_syncfs(napi_env env, napi_callback_info info) {
  return queue_path_job(env, info, "syncfs", syncfs_job);
}

// Removes `name` under dirfd and, for a directory, everything in it (never following symlinks). A name
// already gone counts as removed. Returns 0 or an errno.
static int remove_at(int dirfd, const char *name, bool known_dir, const char **syscall) {
  if (!known_dir) {
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR) {
      *syscall = "unlink";
      return errno;
    }
  }
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    *syscall = "open";
    return errno;
  }
  DIR *dir = fdopendir(fd);
  if (dir == NULL) {
    int err = errno;
    close(fd);
    *syscall = "opendir";
    return err;
  }
  int err = 0;
  // Some filesystems' readdir can skip entries while the directory is emptied: read it again, a few times.
  for (int pass = 1; err == 0; pass++) {
    for (struct dirent *entry; err == 0 && (entry = readdir(dir)) != NULL;) {
      if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
      err = remove_at(fd, entry->d_name, entry->d_type == DT_DIR, syscall);
    }
    if (err != 0) break;
    if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) break;
    if (errno != ENOTEMPTY || pass == 3) {
      *syscall = "rmdir";
      err = errno;
      break;
    }
    rewinddir(dir);
  }
  closedir(dir);
  return err;
}

static int remove_tree_job(pool_job *job) {
  return remove_at(AT_FDCWD, (const char *)job->input, false, &job->syscall);
}

// removeTree(path) -> Promise<void>: `rm -rf path` in libuv's thread pool, one hand-off for the whole tree.
static napi_value js_remove_tree(napi_env env, napi_callback_info info) {
  return queue_path_job(env, info, "removeTree", remove_tree_job);
}

// A batch as FsBatch (src/fs-batch.ts) encodes it: per operation one opcode byte, then its fields. Numbers are
// u32 little-endian; a string is a u32 length, its bytes and a NUL; file data is a u32 length and its bytes.
enum { OP_MKDIR = 1, OP_FILE = 2, OP_SYMLINK = 3, OP_CHOWN = 4, OP_CHMOD = 5, OP_RENAME = 6, OP_REMOVE_TREE = 7, OP_UTIMES = 8, OP_SYNC_DIR = 9 };

typedef struct {
  const uint8_t *at;
  const uint8_t *end;
  bool bad;
} reader;

static uint32_t read_u32(reader *r) {
  if (r->end - r->at < 4) return r->bad = true, 0;
  uint32_t value = (uint32_t)r->at[0] | (uint32_t)r->at[1] << 8 | (uint32_t)r->at[2] << 16 | (uint32_t)r->at[3] << 24;
  r->at += 4;
  return value;
}

static const uint8_t *read_bytes(reader *r, uint32_t *length) {
  *length = read_u32(r);
  if (r->bad || (size_t)(r->end - r->at) < *length) return r->bad = true, NULL;
  const uint8_t *bytes = r->at;
  r->at += *length;
  return bytes;
}

static const char *read_string(reader *r) {
  uint32_t length;
  const uint8_t *bytes = read_bytes(r, &length);
  if (bytes == NULL || r->at == r->end || *r->at != 0) return r->bad = true, NULL;
  r->at++;
  return (const char *)bytes;
}

static int write_file(const char *path, mode_t mode, bool exclusive, const uint8_t *data, uint32_t length, const char **syscall) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), mode);
  if (fd < 0) return *syscall = "open", errno;
  for (uint32_t done = 0; done < length;) {
    ssize_t n = write(fd, data + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return *syscall = "write", err;
    }
    done += (uint32_t)n;
  }
  return close(fd) == 0 ? 0 : (*syscall = "close", errno);
}

// fsync(2) of a directory: its entries (a rename into or out of it) made durable without flushing the filesystem.
static int sync_dir(const char *path, const char **syscall) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return *syscall = "open", errno;
  int err = fsync(fd) == 0 ? 0 : errno;
  close(fd);
  return err == 0 ? 0 : (*syscall = "fsync", err);
}

// Runs one operation; 0 or an errno (with the syscall and the path it failed on).
static int run_operation(reader *r, const char **syscall, const char **path) {
  uint8_t op = *r->at++;
  uint32_t a = 0, b = 0, c = 0, d = 0, length = 0;
  const char *first = NULL, *second = NULL;
  const uint8_t *data = NULL;
  bool exclusive = false;
  switch (op) {
    case OP_MKDIR: a = read_u32(r), first = read_string(r); break;
    case OP_FILE: a = read_u32(r), exclusive = read_u32(r) != 0, first = read_string(r), data = read_bytes(r, &length); break;
    case OP_SYMLINK: case OP_RENAME: first = read_string(r), second = read_string(r); break;
    case OP_CHOWN: a = read_u32(r), b = read_u32(r), first = read_string(r); break;
    case OP_CHMOD: a = read_u32(r), first = read_string(r); break;
    case OP_REMOVE_TREE: case OP_SYNC_DIR: first = read_string(r); break;
    case OP_UTIMES: a = read_u32(r), b = read_u32(r), c = read_u32(r), d = read_u32(r), first = read_string(r); break;
    default: r->bad = true;
  }
  if (r->bad) return *syscall = "applyBatch", *path = "(malformed batch)", EINVAL;
  *path = op == OP_SYMLINK ? second : first;
  switch (op) {
    case OP_MKDIR: return mkdir(first, a) == 0 ? 0 : (*syscall = "mkdir", errno);
    case OP_FILE: return write_file(first, a, exclusive, data, length, syscall);
    case OP_SYMLINK: return symlink(first, second) == 0 ? 0 : (*syscall = "symlink", errno);
    case OP_CHOWN: return chown(first, a, b) == 0 ? 0 : (*syscall = "chown", errno);
    case OP_CHMOD: return chmod(first, a) == 0 ? 0 : (*syscall = "chmod", errno);
    case OP_REMOVE_TREE: return remove_at(AT_FDCWD, first, false, syscall);
    case OP_SYNC_DIR: return sync_dir(first, syscall);
    case OP_UTIMES: {
      struct timespec times[2] = {{.tv_sec = a, .tv_nsec = b}, {.tv_sec = c, .tv_nsec = d}};
      return utimensat(AT_FDCWD, first, times, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : (*syscall = "utime", errno);
    }
    default: return rename(first, second) == 0 ? 0 : (*syscall = "rename", errno);
  }
}

// Runs a batch's operations in order up to the first failure; 0 or its errno.
static int run_batch(const uint8_t *at, const uint8_t *end, const char **syscall, const char **path) {
  reader r = {at, end, false};
  int err = 0;
  while (err == 0 && r.at < r.end) err = run_operation(&r, syscall, path);
  return err;
}

static int apply_batch_job(pool_job *job) {
  return run_batch(job->input, job->input + job->length, &job->syscall, &job->failed_path);
}

// applyBatch(bytes) -> Promise<void>: the encoded operations in order, in libuv's thread pool; stops at the first failure.
static napi_value js_apply_batch(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  get_args(env, info, argv);
  void *data = NULL;
  size_t length = 0;
  if (napi_get_buffer_info(env, argv[0], &data, &length) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "applyBatch takes a Buffer");
    return NULL;
  }
  uint8_t *bytes = malloc(length > 0 ? length : 1);
  if (bytes == NULL) return throw_errno(env, ENOMEM, "applyBatch", "");
  memcpy(bytes, data, length);
  return queue_job(env, "applyBatch", bytes, length, apply_batch_job);
}

// A group commit round of BatchFlush (src/batch-flush.ts) as one job. Each caller brings two batches: its
// writes, and the renames that publish them. Every caller's writes are applied (each stopping at its own first
// failure, the others unaffected), then one syncfs makes them durable; then the renames of the callers whose
// writes succeeded, and a second syncfs makes those durable. Without renames the round is one syncfs.
typedef struct {
  int err;
  const char *syscall;
  const char *path;
  int phase;  // 1: the writes, 2: the renames
} round_outcome;

typedef struct {
  const uint8_t *at;
  uint32_t length;
} batch_span;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint8_t *input;  // owned: u32 count, then every caller's writes, then every caller's renames, each a u32 length and bytes
  size_t length;
  char *sync_path;  // owned
  uint32_t count;
  round_outcome *outcomes;  // owned, count entries
  int sync_err;
  const char *sync_syscall;
  int sync_phase;
} round_job;

// Runs one phase's batch of every caller still without an error; true when any had operations.
static bool run_phase(round_job *job, const batch_span *spans, int phase) {
  bool any = false;
  for (uint32_t i = 0; i < job->count; i++) {
    round_outcome *outcome = &job->outcomes[i];
    if (outcome->err != 0 || spans[i].length == 0) continue;
    any = true;
    outcome->err = run_batch(spans[i].at, spans[i].at + spans[i].length, &outcome->syscall, &outcome->path);
    outcome->phase = phase;
  }
  return any;
}

static bool sync_phase(round_job *job, int phase) {
  job->sync_err = syncfs_path(job->sync_path, &job->sync_syscall);
  job->sync_phase = phase;
  return job->sync_err == 0;
}

static void round_execute(napi_env env, void *data) {
  (void)env;
  round_job *job = data;
  batch_span *spans = calloc(2 * (size_t)job->count + 1, sizeof *spans);
  if (spans == NULL) {
    job->sync_err = ENOMEM, job->sync_syscall = "applyRound", job->sync_phase = 1;
    return;
  }
  reader r = {job->input + 4, job->input + job->length, false};
  for (uint32_t i = 0; i < 2 * job->count; i++) {
    spans[i].at = read_bytes(&r, &spans[i].length);
    if (spans[i].at == NULL) spans[i].length = 0, job->outcomes[i % job->count] = (round_outcome){EINVAL, "applyRound", "(malformed batch)", 1};
  }
  run_phase(job, spans, 1);
  if (sync_phase(job, 1) && run_phase(job, spans + job->count, 2)) sync_phase(job, 2);
  free(spans);
}

static napi_value phase_error(napi_env env, int err, const char *syscall, const char *path, int phase) {
  napi_value error = errno_error(env, err, syscall, path), value;
  napi_create_int32(env, phase, &value);
  napi_set_named_property(env, error, "phase", value);
  return error;
}

static void round_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  round_job *job = data;
  napi_value result, outcomes, value;
  napi_create_object(env, &result);
  napi_create_array_with_length(env, job->count, &outcomes);
  for (uint32_t i = 0; i < job->count; i++) {
    round_outcome *outcome = &job->outcomes[i];
    if (outcome->err == 0) napi_get_null(env, &value);
    else value = phase_error(env, outcome->err, outcome->syscall, outcome->path, outcome->phase);
    napi_set_element(env, outcomes, i, value);
  }
  napi_set_named_property(env, result, "outcomes", outcomes);
  if (job->sync_err == 0) napi_get_null(env, &value);
  else value = phase_error(env, job->sync_err, job->sync_syscall, job->sync_path, job->sync_phase);
  napi_set_named_property(env, result, "syncError", value);
  napi_resolve_deferred(env, job->deferred, result);
  napi_delete_async_work(env, job->work);
  free(job->input);
  free(job->sync_path);
  free(job->outcomes);
  free(job);
}

// applyRound(bytes, path) -> Promise<{outcomes: (Error | null)[], syncError: Error | null}>: see round_job. An
// error carries `phase`: 1 for the writes and the flush after them, 2 for the renames and the flush after those.
static napi_value js_apply_round(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  get_args(env, info, argv);
  void *data = NULL;
  size_t length = 0;
  if (napi_get_buffer_info(env, argv[0], &data, &length) != napi_ok || length < 4) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "applyRound takes an encoded Buffer");
    return NULL;
  }
  char *sync_path = path_arg(env, argv[1]);
  if (sync_path == NULL) return NULL;
  reader count_reader = {data, (const uint8_t *)data + length, false};
  uint32_t count = read_u32(&count_reader);
  round_job *job = calloc(1, sizeof *job);
  if (job != NULL) {
    job->input = malloc(length);
    job->outcomes = calloc(count > 0 ? count : 1, sizeof *job->outcomes);
  }
  if (job == NULL || job->input == NULL || job->outcomes == NULL) {
    if (job != NULL) free(job->input), free(job->outcomes), free(job);
    free(sync_path);
    return throw_errno(env, ENOMEM, "applyRound", "");
  }
  memcpy(job->input, data, length);
  job->length = length;
  job->sync_path = sync_path;
  job->count = count;
  napi_value promise, resource;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "applyRound", NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, NULL, resource, round_execute, round_complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lutimes", NULL, js_lutimes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syncfs", NULL, js_syncfs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"removeTree", NULL, js_remove_tree, NULL, NULL, NULL, napi_enumerable, NULL},
      {"applyBatch", NULL, js_apply_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"applyRound", NULL, js_apply_round, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
