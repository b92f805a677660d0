// The MySQL/MariaDB user repository (Kysely).
import { randomUUID } from "node:crypto";
import { isDuplicateKey } from "../../db/database.js";
import type { User } from "../../domain/user.js";
import { KyselyUserReads } from "../kysely/user-reads.js";
import type { NewUser, UserRepository } from "../user-repository.js";

export class MysqlUserRepository extends KyselyUserReads implements UserRepository {
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
}
