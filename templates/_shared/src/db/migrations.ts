// Applies migrations/NNNN_name.up.sql in order. The migrations are in backendctl's format, so in
// development and production `backendctl migrate up` (or `backendctl apply`) runs them; this
// runner exists for the integration tests, which migrate a throw-away schema.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import type { Kysely } from "kysely";

export async function applyUpMigrations<T>(db: Kysely<T>, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.up\.sql$/.test(f)).sort();
  for (const file of files) {
    await sql.raw(await readFile(join(dir, file), "utf8")).execute(db);
  }
  return files;
}
