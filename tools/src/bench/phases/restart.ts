import { waitUntilServing } from "@slipway/grpc-kit";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "../../stack/local-stack.js";
import type { Figures } from "../record.js";

const STORES = ["layer-store", "image-store", "container-config"] as const;

/** Restarts the stack on the same data root: when the three stores serve, and when all five apps do. */
export async function restartTime(stack: LocalStack): Promise<{ stack: LocalStack; figures: Figures }> {
  await stack.stop();
  const started = performance.now();
  const { env, addresses, root } = await localStackEnv(stack.root);
  const launched = launchStack(root, env, addresses, stack.args);
  const storesServing = Promise.all(STORES.map((name) => waitUntilServing(addresses[name], 120_000))).then((serving) => {
    if (serving.includes(false)) throw new Error(`the stores were not serving within 120 s of a restart:\n${launched.output()}`);
    return (performance.now() - started) / 1000;
  });
  const [storesSeconds, restarted] = await Promise.all([storesServing, untilUp(launched, 120_000)]);
  const seconds = (n: number) => Math.round(n * 100) / 100;
  return {
    stack: restarted,
    figures: {
      "stores ready after restart seconds": seconds(storesSeconds),
      "whole stack ready after restart seconds": seconds((performance.now() - started) / 1000),
    },
  };
}
