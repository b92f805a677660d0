// The PostgreSQL user repository (Kysely).
import type { Kysely, Selectable } from "kysely";
import type { Database, UsersTable } from "../../db/database.js";
import type { Role, User } from "../../domain/user.js";
import type { NewUser, UserRepository } from "../user-repository.js";

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role as Role,
    createdAt: row.created_at,
  };
}

export class PostgresUserRepository implements UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

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

  async create(user: NewUser): Promise<User | undefined> {
    const row = await this.db
      .insertInto("users")
      .values({ email: user.email, password_hash: user.passwordHash, role: user.role })
      .onConflict((oc) => oc.column("email").doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", id).execute();
  }
}
