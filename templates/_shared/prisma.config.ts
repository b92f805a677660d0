// Prisma's CLI configuration. This project uses the CLI for one thing, `prisma generate` (run by the
// prebuild, pretypecheck and pretest scripts), which writes the client to src/generated/prisma/.
// Prisma never touches the database: migrations/ is backendctl's (`backendctl migrate up`).
import { defineConfig } from "prisma/config";

// Before `generate`, Prisma's CLI makes sure its schema engine (a native binary it downloads from
// Prisma's own servers, not the npm registry) is on disk, although generating never runs it: the
// client comes from the WebAssembly schema parser inside the `prisma` package. The engine is what
// migrates, pushes and introspects, which this project never has Prisma do; so for `generate` the
// CLI is pointed at prisma/schema-engine.unused, a file that is not an engine, and downloads
// nothing. Set PRISMA_SCHEMA_ENGINE_BINARY yourself to use a real engine.
if (process.argv.includes("generate")) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= "prisma/schema-engine.unused";
}
// Nor does the CLI call Prisma's update-check and telemetry server.
process.env.CHECKPOINT_DISABLE ??= "1";

export default defineConfig({
  schema: "prisma/schema.prisma",
});
