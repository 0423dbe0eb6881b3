import { defineConfig } from "vitest/config";

// src/: pure units without I/O. test/: against a real registry (Debian's docker-registry) on 127.0.0.1.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    globalSetup: ["../../vitest.scratch-dir.ts"],
    hookTimeout: 60_000,
  },
});
