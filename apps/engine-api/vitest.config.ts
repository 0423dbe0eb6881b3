import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    globalSetup: ["../../vitest.scratch-dir.ts"],
    setupFiles: ["../../vitest.fuzz-setup.ts"],
  },
});
