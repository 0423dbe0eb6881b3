import type { Socket } from "node:net";
import { encodeFrame, type FrameType } from "./frames.js";

/**
 * Writes frames to a connection. The frames sent within one turn of the event loop leave in one write (the
 * socket is corked until the next tick), which is what makes many small calls cheap: one syscall for all the
 * frames of the calls that answered together.
 */
export class FrameWriter {
  private corked = false;

  constructor(private readonly socket: Socket) {}

  /** Sends a frame; false when the connection's buffer is full (wait for `drained()` before sending more of a stream). */
  send(type: FrameType, callId: number, body?: Buffer): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return true;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    const [header, bytes] = encodeFrame(type, callId, body);
    const more = this.socket.write(header);
    return bytes.length === 0 ? more : this.socket.write(bytes);
  }

  /** Resolves once the connection's buffer has room again, or the connection is gone. */
  drained(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => (this.socket.off("drain", done), this.socket.off("close", done), resolve());
      this.socket.once("drain", done).once("close", done);
    });
  }
}
