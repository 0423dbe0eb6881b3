import { getSystemErrorMap } from "node:util";

/** A failed system call as Node reports it (`code` "ENOSPC", `errno` -28, `syscall` "write", maybe `path`). */
export interface SystemError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path?: string;
  readonly dest?: string;
}

export function isSystemError(err: unknown): err is SystemError {
  const e = err as Partial<SystemError> | null;
  return err instanceof Error && typeof e?.code === "string" && typeof e.errno === "number" && typeof e.syscall === "string";
}

const DESCRIPTIONS = getSystemErrorMap();

/**
 * Go's words (Linux's strerror, which dockerd prints) where libuv's description differs: libuv says
 * "i/o error" for EIO, Go "input/output error".
 */
const GO_DESCRIPTIONS: Readonly<Record<string, string>> = {
  EIO: "input/output error",
  EEXIST: "file exists",
  EBUSY: "device or resource busy",
  ENAMETOOLONG: "file name too long",
  EISDIR: "is a directory",
  EXDEV: "invalid cross-device link",
  ELOOP: "too many levels of symbolic links",
  ENOMEM: "cannot allocate memory",
  ENOTSUP: "operation not supported",
  ESPIPE: "illegal seek",
  ETXTBSY: "text file busy",
  ENFILE: "too many open files in system",
};

/**
 * The error in the words of Go's os.PathError and os.LinkError, which dockerd prints: "mkdir /a/b: no space
 * left on device", "rename /a /b: read-only file system" (the system's own lower-case description, no
 * Node error code).
 */
export function describeSystemError(err: SystemError): string {
  const description = GO_DESCRIPTIONS[err.code] ?? DESCRIPTIONS.get(err.errno)?.[1] ?? err.code;
  const paths = [err.path, err.dest].filter((p): p is string => p !== undefined);
  return `${[err.syscall, ...paths].join(" ")}: ${description}`;
}
