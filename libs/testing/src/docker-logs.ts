/** Docker's log stream for a container without a TTY: frames of an 8-byte header (stream, 0, 0, 0, size) and a payload. */
export function demuxDockerLogs(stream: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= stream.length) {
    const size = stream.readUInt32BE(offset + 4);
    parts.push(stream.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
