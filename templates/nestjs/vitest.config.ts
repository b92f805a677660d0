// Vitest runs the TypeScript tests directly (NestJS 12 is ESM-only, which jest handles poorly).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globals: true,
    environment: "node",
    include: ["test/**/*.test.ts"],
  },
});
