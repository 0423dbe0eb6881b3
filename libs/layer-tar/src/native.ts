import { createRequire } from "node:module";

/** A SHA-256 state held by the addon (OpenSSL's, as node:crypto uses). */
export type Sha256State = { readonly sha256State: unique symbol };

/** This lib's N-API addon (native/layer_tar_native.c); the file syscalls come from @slipway/durable-fs. */
export interface NativeBindings {
  /** Updates an 8-byte big-endian CRC-64/ISO state in place with more data. */
  crc64(state: Buffer, data: Uint8Array): void;
  sha256Create(): Sha256State;
  /** The 32-byte digest; the state is finished. */
  sha256Digest(state: Sha256State): Buffer;
  /**
   * Settles once a pool thread has applied each chunks[i] to states[i] (a SHA-256 state, or an 8-byte
   * CRC-64 state updated in place), in order. The chunks must not change until then.
   */
  digestInBackground(states: ReadonlyArray<Sha256State | Buffer>, chunks: readonly Buffer[]): Promise<void>;
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
