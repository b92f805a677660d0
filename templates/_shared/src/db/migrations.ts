// Applies migrations/NNNN_name.up.sql in order, each file as one batch of statements through
// `execute` (the engine's driver: pg's simple query, mysql2 with multipleStatements). The
// migrations are in backendctl's format, so in development and production `backendctl migrate up`
// (or `backendctl apply`) runs them; this runner exists for the integration tests, which migrate
// a throw-away schema or database whatever the data layer.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export async function applyUpMigrations(execute: (sql: string) => Promise<unknown>, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.up\.sql$/.test(f)).sort();
  for (const file of files) {
    await execute(await readFile(join(dir, file), "utf8"));
  }
  return files;
}
