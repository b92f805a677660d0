// Applies migrations/NNNN_name.up.json in order: golang-migrate's MongoDB format, a JSON array of
// database commands in Extended JSON, each run with `runCommand`. In development and production
// `backendctl migrate up` (or `backendctl apply`) runs them and records what it applied; this
// runner exists for the integration tests, which migrate a throw-away database.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { BSON } from "mongodb";
import type { Db, Document } from "mongodb";

export async function applyMongoUpMigrations(db: Db, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.up\.json$/.test(f)).sort();
  for (const file of files) {
    const commands = BSON.EJSON.parse(await readFile(join(dir, file), "utf8")) as Document[];
    for (const command of commands) await db.command(command);
  }
  return files;
}
