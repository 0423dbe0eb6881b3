import { defineConfig } from "vitest/config";

// The end-to-end suite: real containers on the local Docker engine. Ryuk is off (its image cannot be
// pulled here), so global-setup removes leftovers by label; the host override keeps all traffic on
// 127.0.0.1 (this machine has /.dockerenv, which would make testcontainers guess a 172.x host).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    env: { TESTCONTAINERS_RYUK_DISABLED: "true", TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1" },
    globalSetup: ["../../vitest.scratch-dir.ts", "./test/global-setup.ts"],
  },
});
