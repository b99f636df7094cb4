import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const shim = (file: string): string => fileURLToPath(new URL(`./src/shims/${file}`, import.meta.url));

export default defineConfig({
  // Same substitutions as build.mjs, so tests run the code that ships.
  resolve: {
    alias: [
      { find: /^@daily-co\/daily-js$/, replacement: shim("daily-js.ts") },
      { find: /^bowser$/, replacement: shim("bowser.ts") },
      { find: /^lodash\/cloneDeep$/, replacement: shim("clone-deep.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
  },
});
