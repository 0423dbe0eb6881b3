// Lint rules, including the dependency rules of docs/architecture.md ("Libraries and their dependency rules"),
// written as import restrictions so that a change breaking a boundary fails `npm run lint`.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

const APPS = ["container-config", "engine-api", "image-store", "layer-store", "orchestrator"];
const TRANSPORT = ["@grpc/*", "@slipway/grpc-kit", "@slipway/proto", "pino"];
const IO = ["node:fs", "node:fs/promises", "node:http", "node:https", "node:child_process", "node:dgram"];
// node:net's address parsing (isIP) is pure; its sockets are not.
const sockets = {
  name: "node:net",
  importNames: ["connect", "createConnection", "createServer", "Socket", "Server"],
  message: "pure libraries do no I/O",
};

/** An import of another app, by package name or by a relative path that leaves this app. */
function otherApps(self) {
  const others = APPS.filter((app) => app !== self);
  return {
    group: others.flatMap((app) => [`@slipway/${app}`, `@slipway/${app}/*`, `**/apps/${app}/**`, `../../${app}/**`]),
    message: "apps never import other apps: share a contract in proto/ or a library in libs/ instead",
  };
}

const anyApp = {
  group: APPS.flatMap((app) => [`@slipway/${app}`, `@slipway/${app}/*`]).concat(["**/apps/**"]),
  message: "libraries never import apps",
};

const transport = {
  group: TRANSPORT,
  message: "rules, spec and error libraries never import the transport (errors become gRPC codes in grpc-kit only)",
};

// Only durable-fs flushes: everything that must survive a crash goes through its writes, rounds and publishes.
const flushes = ["node:fs", "fs"].map((name) => ({
  name,
  importNames: ["fsync", "fsyncSync", "fdatasync", "fdatasyncSync"],
  message: "only @slipway/durable-fs makes writes durable: use its writeFileAtomic, publish, FsBatch or rounds",
}));

function restrict({ patterns = [], paths = [] }) {
  return { "@typescript-eslint/no-restricted-imports": ["error", { patterns, paths: [...flushes, ...paths] }] };
}

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/build/**", "libs/proto/src/gen/**", ".nx/**", ".slipway/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // Tests match the CLI's column-aligned output; literal runs of spaces read like the output itself.
      "no-regex-spaces": "off",
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='SlipwayError']",
          message: "build errors with @slipway/errors' constructors (invalidArgument, notFound, ...)",
        },
      ],
      ...restrict({}),
    },
  },
  ...APPS.map((app) => ({ files: [`apps/${app}/**/*.ts`], rules: restrict({ patterns: [otherApps(app)] }) })),
  {
    // Domain and storage modules know nothing of gRPC; types from grpc-kit (a call's context, the logger) are allowed.
    files: ["apps/*/src/domain/**/*.ts", "apps/*/src/storage/**/*.ts"],
    rules: restrict({ patterns: [{ group: TRANSPORT, message: "domain and storage modules know nothing of gRPC", allowTypeImports: true }] }),
  },
  { files: ["libs/**/*.ts"], ignores: ["libs/testing/**"], rules: restrict({ patterns: [anyApp] }) },
  {
    files: ["libs/docker-spec/**/*.ts", "libs/container-rules/**/*.ts", "libs/errors/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: restrict({ patterns: [anyApp, transport, { group: IO, message: "pure libraries do no I/O" }], paths: [sockets] }),
  },
  { files: ["libs/registry-client/**/*.ts"], rules: restrict({ patterns: [anyApp, transport] }) },
  { files: ["libs/errors/**/*.ts"], rules: { "no-restricted-syntax": "off" } },
  { files: ["libs/durable-fs/**/*.ts"], rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: [anyApp] }] } },
);
