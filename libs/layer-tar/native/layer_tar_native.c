// CRC-64/ISO, the checksum tar-split records for each file's content, which extraction computes and
// export verifies. Native because it is the hot loop of both: slicing-by-8 works on 64-bit integers, which
// JavaScript has only as BigInt. And extraction's digests (the diffID's SHA-256, every file's CRC-64) on a
// libuv pool thread, so that the main thread parses and writes while the other core hashes. Pure
// computation; the filesystem syscalls are in @slipway/durable-fs's addon.
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>

// CRC-64 with the ISO polynomial, slicing by 8, computing what Go's hash/crc64 computes.
#define CRC64_ISO 0xD800000000000000ULL
static uint64_t crc64_tables[8][256];

static void crc64_init(void) {
  for (int i = 0; i < 256; i++) {
    uint64_t crc = (uint64_t)i;
    for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ CRC64_ISO : crc >> 1;
    crc64_tables[0][i] = crc;
  }
  for (int i = 0; i < 256; i++) {
    uint64_t crc = crc64_tables[0][i];
    for (int k = 1; k < 8; k++) {
      crc = crc64_tables[0][crc & 0xff] ^ (crc >> 8);
      crc64_tables[k][i] = crc;
    }
  }
}

static uint64_t crc64_update(uint64_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  while (n >= 8) {
    uint64_t word = 0;
    for (int i = 7; i >= 0; i--) word = (word << 8) | p[i];
    crc ^= word;
    crc = crc64_tables[7][crc & 0xff] ^ crc64_tables[6][(crc >> 8) & 0xff] ^ crc64_tables[5][(crc >> 16) & 0xff] ^
          crc64_tables[4][(crc >> 24) & 0xff] ^ crc64_tables[3][(crc >> 32) & 0xff] ^ crc64_tables[2][(crc >> 40) & 0xff] ^
          crc64_tables[1][(crc >> 48) & 0xff] ^ crc64_tables[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = crc64_tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

// crc64(state: Buffer of 8 bytes, big-endian CRC so far, updated in place; data: Buffer)
static napi_value js_crc64(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return NULL;
  uint8_t *state = NULL;
  size_t state_length = 0;
  void *data = NULL;
  size_t length = 0;
  napi_get_buffer_info(env, argv[0], (void **)&state, &state_length);
  napi_get_buffer_info(env, argv[1], &data, &length);
  if (state_length != 8) {
    napi_throw_range_error(env, NULL, "crc64 state must be 8 bytes");
    return NULL;
  }
  uint64_t crc = 0;
  for (int i = 0; i < 8; i++) crc = (crc << 8) | state[i];
  crc = crc64_update(crc, data, length);
  for (int i = 7; i >= 0; i--, crc >>= 8) state[i] = (uint8_t)(crc & 0xff);
  return NULL;
}

// SHA-256 with the OpenSSL that node itself exports (the same code node:crypto runs), its state held
// by a JS external that frees it when collected.
static void sha256_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  EVP_MD_CTX_free(data);
}

// sha256Create(): an external holding a fresh SHA-256 state
static napi_value js_sha256_create(napi_env env, napi_callback_info info) {
  (void)info;
  EVP_MD_CTX *context = EVP_MD_CTX_new();
  if (context == NULL || EVP_DigestInit_ex(context, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(context);
    napi_throw_error(env, NULL, "sha256: cannot create a digest state");
    return NULL;
  }
  napi_value state;
  napi_create_external(env, context, sha256_free, NULL, &state);
  return state;
}

// sha256Digest(state): the 32-byte digest; the state must not be updated again
static napi_value js_sha256_digest(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  EVP_MD_CTX *context = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&context) != napi_ok) {
    napi_throw_type_error(env, NULL, "sha256Digest: expected a state from sha256Create");
    return NULL;
  }
  uint8_t *digest = NULL;
  napi_value result;
  napi_create_buffer(env, 32, (void **)&digest, &result);
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context, digest, &length) != 1) {
    napi_throw_error(env, NULL, "sha256Digest: the digest failed");
    return NULL;
  }
  return result;
}

// One update of a batch: a SHA-256 state (external) or a CRC-64 state (8-byte buffer), and the bytes.
typedef struct {
  EVP_MD_CTX *sha256;
  uint8_t *crc64;
  const uint8_t *data;
  size_t length;
} digest_update;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref arrays[2];  // the states and the chunks, kept alive until the batch settles
  int failed;
  size_t count;
  digest_update updates[];
} digest_batch;

static void digest_batch_execute(napi_env env, void *data) {
  (void)env;
  digest_batch *batch = data;
  for (size_t i = 0; i < batch->count && !batch->failed; i++) {
    digest_update *update = &batch->updates[i];
    if (update->sha256 != NULL) {
      batch->failed = EVP_DigestUpdate(update->sha256, update->data, update->length) != 1;
      continue;
    }
    uint64_t crc = 0;
    for (int k = 0; k < 8; k++) crc = (crc << 8) | update->crc64[k];
    crc = crc64_update(crc, update->data, update->length);
    for (int k = 7; k >= 0; k--, crc >>= 8) update->crc64[k] = (uint8_t)(crc & 0xff);
  }
}

static void digest_batch_complete(napi_env env, napi_status status, void *data) {
  digest_batch *batch = data;
  napi_value result = NULL;
  if (status == napi_ok && !batch->failed) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, batch->deferred, result);
  } else {
    napi_value message;
    napi_create_string_utf8(env, "digest update failed", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, batch->deferred, result);
  }
  napi_delete_reference(env, batch->arrays[0]);
  napi_delete_reference(env, batch->arrays[1]);
  napi_delete_async_work(env, batch->work);
  free(batch);
}

// Reads update i of the arrays (states[i], chunks[i]) into `update`; false after throwing.
static int read_update(napi_env env, napi_value states, napi_value chunks, uint32_t i, digest_update *update) {
  napi_value state, chunk;
  napi_get_element(env, states, i, &state);
  napi_get_element(env, chunks, i, &chunk);
  napi_valuetype type;
  napi_typeof(env, state, &type);
  size_t state_length = 0;
  int valid = type == napi_external ? napi_get_value_external(env, state, (void **)&update->sha256) == napi_ok
                                    : napi_get_buffer_info(env, state, (void **)&update->crc64, &state_length) == napi_ok && state_length == 8;
  void *bytes = NULL;
  if (!valid || napi_get_buffer_info(env, chunk, &bytes, &update->length) != napi_ok) {
    napi_throw_type_error(env, NULL, "digestInBackground: expected sha256 states or 8-byte CRC-64 states, and Buffers");
    return 0;
  }
  update->data = bytes;
  return 1;
}

// digestInBackground(states, chunks): a promise settled once a pool thread has applied every chunks[i] to
// states[i], in order. The chunks must not change until then (the arrays are held until it settles).
static napi_value js_digest_in_background(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t count = 0;
  if (argc < 2 || napi_get_array_length(env, argv[0], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "digestInBackground: expected two arrays");
    return NULL;
  }
  digest_batch *batch = calloc(1, sizeof *batch + count * sizeof(digest_update));
  if (batch == NULL) {
    napi_throw_error(env, NULL, "digestInBackground: out of memory");
    return NULL;
  }
  batch->count = count;
  for (uint32_t i = 0; i < count; i++) {
    if (!read_update(env, argv[0], argv[1], i, &batch->updates[i])) {
      free(batch);
      return NULL;
    }
  }
  napi_create_reference(env, argv[0], 1, &batch->arrays[0]);
  napi_create_reference(env, argv[1], 1, &batch->arrays[1]);
  napi_value promise, resource;
  napi_create_promise(env, &batch->deferred, &promise);
  napi_create_string_utf8(env, "layer-tar:digests", NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, NULL, resource, digest_batch_execute, digest_batch_complete, batch, &batch->work);
  napi_queue_async_work(env, batch->work);
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  crc64_init();
  napi_property_descriptor functions[] = {
      {"crc64", NULL, js_crc64, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Create", NULL, js_sha256_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Digest", NULL, js_sha256_digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"digestInBackground", NULL, js_digest_in_background, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
