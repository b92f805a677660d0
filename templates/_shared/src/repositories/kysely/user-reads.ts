// What the Kysely user repositories share whatever the SQL engine: the row mapping, the lookups
// and the password update. Each engine's repository adds `create`, which needs its dialect.
import type { Kysely, Selectable } from "kysely";
import type { Database, UsersTable } from "../../db/database.js";
import type { Role, User } from "../../domain/user.js";

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role as Role,
    createdAt: row.created_at,
  };
}

export abstract class KyselyUserReads {
  constructor(protected readonly db: Kysely<Database>) {}

  async findById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
    return row && toUser(row);
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom("users").selectAll().where("id", "in", [...ids]).execute();
    return rows.map(toUser);
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", id).execute();
  }
}
