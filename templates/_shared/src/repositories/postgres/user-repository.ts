// The PostgreSQL user repository (Kysely).
import type { User } from "../../domain/user.js";
import { KyselyUserReads, toUser } from "../kysely/user-reads.js";
import type { NewUser, UserRepository } from "../user-repository.js";

export class PostgresUserRepository extends KyselyUserReads implements UserRepository {
  async create(user: NewUser): Promise<User | undefined> {
    const row = await this.db
      .insertInto("users")
      .values({ email: user.email, password_hash: user.passwordHash, role: user.role })
      .onConflict((oc) => oc.column("email").doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }
}
