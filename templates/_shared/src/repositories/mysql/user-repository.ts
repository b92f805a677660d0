// The MySQL/MariaDB user repository (Kysely).
import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { isDuplicateKey } from "../../db/database.js";
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

export class MysqlUserRepository implements UserRepository {
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
    const id = randomUUID();
    try {
      await this.db
        .insertInto("users")
        .values({ id, email: user.email, password_hash: user.passwordHash, role: user.role })
        .execute();
    } catch (error) {
      // The email's unique key: another registration has it (not INSERT IGNORE, which would also
      // turn other errors into warnings).
      if (isDuplicateKey(error)) return undefined;
      throw error;
    }
    return this.findById(id);
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", id).execute();
  }
}
