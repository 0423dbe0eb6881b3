import { native } from "./native.js";

/** CRC-64/ISO as Go's hash/crc64 computes it (tar-split's file checksums); the loop runs in the addon. */
export class Crc64 {
  private readonly state = Buffer.alloc(8);

  update(data: Uint8Array): void {
    native.crc64(this.state, data);
  }

  /** The checksum as Go's Sum(nil) returns it: 8 bytes, big-endian. */
  digest(): Buffer {
    return Buffer.from(this.state);
  }
}
