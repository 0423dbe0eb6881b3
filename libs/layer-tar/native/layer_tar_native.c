// CRC-64/ISO, the checksum tar-split records for each file's content, which extraction computes and
// export verifies. Native because it is the hot loop of both: slicing-by-8 works on 64-bit integers, which
// JavaScript has only as BigInt. Pure computation; the filesystem syscalls are in @slipway/durable-fs's addon.
#include <node_api.h>
#include <stdint.h>
#include <stddef.h>

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

static napi_value init(napi_env env, napi_value exports) {
  crc64_init();
  napi_property_descriptor functions[] = {
      {"crc64", NULL, js_crc64, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
