import { InvalidLayerError } from "../errors.js";

/** What the thread that owns the layer's stream sends to an extraction worker. */
export type ToWorker =
  | { readonly type: "start"; readonly diffDir: string; readonly log: boolean }
  | { readonly type: "chunk"; readonly data: Uint8Array }
  | { readonly type: "end" }
  /** The stream failed on the sending side (the client cut it): the layer is invalid. */
  | { readonly type: "source-error"; readonly message: string }
  | { readonly type: "abort" };

/** What an extraction worker answers. */
export type FromWorker =
  /** One chunk was taken in: the sender may send another. */
  | { readonly type: "credit" }
  | { readonly type: "log"; readonly line: string }
  | { readonly type: "done"; readonly diffId: string; readonly size: number; readonly tarSplit: Uint8Array }
  | { readonly type: "failed"; readonly error: ErrorFields };

/** An error as it crosses the thread boundary: what callers look at (its kind, entry, and system error fields). */
export interface ErrorFields {
  readonly name: string;
  readonly message: string;
  readonly reason?: string;
  readonly entry?: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
}

export function errorFields(err: unknown): ErrorFields {
  if (err instanceof InvalidLayerError) return { name: err.name, message: err.message, reason: err.reason, entry: err.entry };
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const { code, errno, syscall, path } = err as NodeJS.ErrnoException;
  return { name: err.name, message: err.message, code, errno, syscall, path };
}

export function errorFrom(fields: ErrorFields): Error {
  if (fields.name === "InvalidLayerError") return new InvalidLayerError(fields.reason ?? fields.message, fields.entry);
  const { code, errno, syscall, path } = fields;
  const err = new Error(fields.message) as NodeJS.ErrnoException;
  if (fields.name !== "Error") err.name = fields.name;
  return Object.assign(err, clean({ code, errno, syscall, path }));
}

function clean<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
