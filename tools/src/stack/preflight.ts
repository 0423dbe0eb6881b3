import { createServer } from "node:net";

/** Resolves to an error message when host:port cannot be bound (in use, or not ours to bind). */
export function portProblem(address: string, owner: string, envVar: string): Promise<string | undefined> {
  if (address.startsWith("unix:")) return Promise.resolve(undefined);
  const [, host = "127.0.0.1", port = "0"] = /^\[?(.*?)\]?:(\d+)$/.exec(address) ?? [];
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) =>
      resolve(
        err.code === "EADDRINUSE"
          ? `port ${port} on ${host} (${owner}) is already in use; stop what holds it or set ${envVar}`
          : `cannot bind ${address} (${owner}): ${err.message}; set ${envVar}`,
      ),
    );
    probe.listen(Number(port), host, () => probe.close(() => resolve(undefined)));
  });
}
