#!/usr/bin/env node
// The `slipway` command. npm links a workspace's bin when it installs, before `prepare` builds the
// CLI, so the link points at this committed file, which loads the built CLI or says how to build it.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write("slipway: the CLI is not built yet; run `npm run build` in the Slipway repository, then try again\n");
  process.exitCode = 1;
}
