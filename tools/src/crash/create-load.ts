import type { EngineClient } from "../bench/engine-client.js";

/**
 * Creates from `clients` clients until the engine stops answering (it was killed), each container named
 * `<prefix><n>`; pushes the name of every create the engine acknowledged (201) onto `acknowledged`.
 */
export async function createUntilCut(engine: EngineClient, image: string, clients: number, prefix: string, acknowledged: string[]): Promise<void> {
  let serial = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const name = `${prefix}${++serial}`;
        try {
          const reply = await engine.call("POST", `/containers/create?name=${name}`, JSON.stringify({ Image: image }));
          if (reply.status === 201) acknowledged.push(name);
        } catch {
          return; // the engine is gone
        }
      }
    }),
  );
}

/** The container names an engine lists (GET /containers/json?all=1). */
export async function listedNames(engine: EngineClient): Promise<Set<string>> {
  const reply = await engine.call("GET", "/containers/json?all=1");
  if (reply.status !== 200) throw new Error(`GET /containers/json: HTTP ${reply.status} ${reply.body.trim()}`);
  return new Set((JSON.parse(reply.body) as { Names: string[] }[]).flatMap((c) => c.Names.map((n) => n.slice(1))));
}
