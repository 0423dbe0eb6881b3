/** What LoadImages reports while it works, in order. */
export type LoadEvent =
  | { readonly kind: "progress"; readonly digest: string; readonly current: number; readonly total: number }
  | { readonly kind: "notice"; readonly text: string }
  | { readonly kind: "loaded"; readonly imageId: string; readonly repoTags: readonly string[]; readonly message: string };

const PROGRESS_STEP_MAX = 512 * 1024;

/**
 * Counts bytes as a layer streams by and reports progress after every min(512 KiB, 1 % of the
 * total) bytes and at the end, like dockerd's progress reader.
 */
export async function* withProgress(
  chunks: AsyncIterable<Buffer>,
  digest: string,
  total: number,
  emit: (event: LoadEvent) => void,
): AsyncIterable<Buffer> {
  const step = Math.max(1, Math.min(PROGRESS_STEP_MAX, Math.floor(total / 100)));
  let current = 0;
  let reported = 0;
  for await (const chunk of chunks) {
    current += chunk.length;
    if (current - reported >= step) {
      reported = current;
      emit({ kind: "progress", digest, current, total });
    }
    yield chunk;
  }
  if (reported !== current || current === 0) emit({ kind: "progress", digest, current, total });
}
