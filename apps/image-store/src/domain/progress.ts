/**
 * One progress message of a pull or push, in dockerd's terms (its jsonmessage): the server adapter turns it into
 * the proto message and engine-api into the JSON line and the progress bar the docker CLI prints.
 */
export interface Progress {
  /** The layer's short ID (12 hex digits) or the tag; "" for a line about the whole image. */
  readonly id: string;
  /** "Pulling fs layer", "Downloading", "Download complete", "Digest: sha256:…", … */
  readonly status: string;
  /** Bytes done, for a line with a progress bar. */
  readonly current?: number;
  /** Bytes in all, for a line with a progress bar; 0 when unknown. */
  readonly total?: number;
  /** Seconds left before a retry, for "Retrying in N seconds". */
  readonly retryInSeconds?: number;
  /** What a push of one tag produced: dockerd's aux message (status ""), after the "<tag>: digest: …" line. */
  readonly pushResult?: PushResult;
}

/** dockerd's types.PushResult, the `aux` object of its push stream. */
export interface PushResult {
  readonly tag: string;
  /** The manifest's digest. */
  readonly digest: string;
  /** The manifest's size in bytes. */
  readonly size: number;
}

/** Where a pull or push reports its progress, in order. */
export type ProgressSink = (progress: Progress) => void;
