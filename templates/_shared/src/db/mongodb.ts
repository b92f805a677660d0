// The MongoDB connection (the official driver). The database is the one the URL's path names
// (`mongodb://host:27017/shop`); the collections, their validators and indexes are created by
// the migrations in migrations/ (`backendctl migrate up`), not by the app.
import { MongoClient } from "mongodb";
import type { Db } from "mongodb";

export interface MongoDatabase {
  client: MongoClient;
  db: Db;
}

/**
 * A client for `url` (it connects on first use); `name` replaces the URL's database (the
 * integration tests use a throw-away one).
 */
export function createMongoDatabase(url: string, name?: string): MongoDatabase {
  const client = new MongoClient(url, { maxPoolSize: 10, serverSelectionTimeoutMS: 5000 });
  return { client, db: client.db(name) };
}

export async function pingMongo(db: Db): Promise<void> {
  await db.command({ ping: 1 });
}

/** MongoDB's duplicate-key error (E11000): a unique index refused the write. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000;
}
