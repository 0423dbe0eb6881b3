import { resolve } from "node:path";
import { SlipwayError } from "@slipway/errors";
import { checkHealth, DEFAULT_DATA_ROOT } from "@slipway/grpc-kit";
import { connect, endpointsFrom } from "../cli/context.js";
import { createRequestFromArgs } from "../cli/create-request.js";
import { sampleImage } from "../sample-image/sample-image.js";
import { createPathReport } from "./report.js";

/**
 * npm run demo: against the stack `npm start` runs, loads the generated sample image, re-creates the
 * container "demo" with `create -it --name demo`, and prints what the create path wrote.
 */
async function main(): Promise<void> {
  const env = process.env;
  const dataRoot = resolve(env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT);
  const endpoints = endpointsFrom(new Map(), env);
  const serving = await checkHealth(endpoints.orchestrator).catch(() => "unreachable");
  if (serving !== "SERVING") {
    throw new Error(`the orchestrator at ${endpoints.orchestrator} is ${serving}; start the stack first (npm start, in another terminal)`);
  }
  const clients = connect(endpoints);
  try {
    const image = sampleImage();
    say(`Loading the generated sample image ${image.reference} (${image.diffIds.length} layers, ${image.archive.length} bytes)`);
    for await (const event of clients.imageStore().loadImages([{ chunk: image.archive }])) {
      if (event.loaded) say(`  ${event.loaded.message}`);
    }
    await clients
      .orchestrator()
      .removeContainer({ idOrName: "demo", removeVolumes: true, force: true })
      .then(
        () => say("Removed the demo container of an earlier run (rm -v demo)"),
        (err: unknown) => {
          if (!(err instanceof SlipwayError && err.kind === "not_found")) throw err;
        },
      );
    const request = createRequestFromArgs(["-it", "--name", "demo", image.reference], { env, consoleSize: [0, 0] });
    say(`slipway create -it --name demo ${image.reference}`);
    const { id, warnings } = await clients
      .orchestrator()
      .createContainer({ name: request.name, createRequestJson: request.body, apiVersion: "1.41" });
    for (const warning of warnings) say(`WARNING: ${warning}`);
    say("", ...createPathReport(dataRoot, id), "", `Data root: ${dataRoot}   (set SLIPWAY_DATA_ROOT if npm start used another)`);
  } finally {
    clients.close();
  }
}

function say(...lines: string[]): void {
  process.stdout.write(lines.map((l) => `${l}\n`).join(""));
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
