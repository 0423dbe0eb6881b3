#!/usr/bin/env node
import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  stdin: () => process.stdin,
  env: process.env,
  now: Date.now,
});
