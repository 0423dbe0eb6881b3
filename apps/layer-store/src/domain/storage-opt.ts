import { internal, unimplemented } from "@slipway/errors";
import { parseSizeOption } from "./size-option.js";

/**
 * dockerd's overlay2 CreateReadWrite and parseStorageOpt for HostConfig.StorageOpt, in their order and words
 * (unclassified errors, so 500s): a "size" without project quotas on the data root, then each option, of
 * which only size (any case) is known. A size is refused where quotas exist too: Slipway sets no project
 * quota yet, and a container must not silently go without its limit.
 */
export function checkStorageOpt(storageOpt: Readonly<Record<string, string>>, hasProjectQuota: () => boolean): void {
  const keys = Object.keys(storageOpt);
  if (keys.length === 0) return;
  // dockerd tests the key as given here, and its lower-case form below, where "SIZE" without quotas
  // dereferences a missing quota control and drops the connection; refused here like "size".
  if (keys.some((key) => key.toLowerCase() === "size") && !hasProjectQuota()) {
    throw internal("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  }
  for (const key of keys) {
    if (key.toLowerCase() !== "size") throw internal(`Unknown option ${key.toLowerCase()}`);
    parseSizeOption(storageOpt[key]!);
  }
  throw unimplemented("--storage-opt size: Slipway does not set project quotas yet; create the container without it");
}
