/** A progress line of the benchmark. */
export const log = (message: string): void => void process.stdout.write(`bench: ${message}\n`);
