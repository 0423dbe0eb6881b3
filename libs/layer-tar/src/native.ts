import { createRequire } from "node:module";

/** This lib's N-API addon (native/layer_tar_native.c); the file syscalls come from @slipway/durable-fs. */
export interface NativeBindings {
  /** Updates an 8-byte big-endian CRC-64/ISO state in place with more data. */
  crc64(state: Buffer, data: Uint8Array): void;
}

// Relative to both src/ (tests) and dist/ (built): the addon is built into <lib>/build/Release by node-gyp.
const ADDON = "../build/Release/layer_tar_native.node";

function load(): NativeBindings {
  try {
    return createRequire(import.meta.url)(ADDON) as NativeBindings;
  } catch (err) {
    throw new Error(`@slipway/layer-tar: native addon ${ADDON} is missing or broken; build it with "npm run build -w @slipway/layer-tar"`, {
      cause: err,
    });
  }
}

export const native: NativeBindings = load();
