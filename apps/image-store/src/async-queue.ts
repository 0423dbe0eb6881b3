/**
 * Bridges a producer that pushes events while it works to a consumer that iterates them:
 * `run(work)` yields every pushed value, then ends when work resolves or throws its error.
 */
export async function* eventsOf<T>(work: (push: (value: T) => void) => Promise<void>): AsyncIterable<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const notify = () => (wake?.(), (wake = undefined));
  work((value) => (queue.push(value), notify())).then(
    () => ((finished = true), notify()),
    (error: unknown) => ((failure = { error }), (finished = true), notify()),
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
  }
  if (failure) throw failure.error;
}
