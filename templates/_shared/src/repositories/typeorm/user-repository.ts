// The TypeORM user repository (PostgreSQL or MySQL). The email's unique key decides a race between
// two registrations of one address: the loser's insert fails with a duplicate-key error.
import { randomUUID } from "node:crypto";
import { In } from "typeorm";
import type { Repository } from "typeorm";
import { isDuplicateKey } from "../../db/typeorm.js";
import type { TypeormDatabase } from "../../db/typeorm.js";
import type { Role, User } from "../../domain/user.js";
import type { NewUser, UserRepository } from "../user-repository.js";
import { UserEntity } from "./entities.js";

function toUser(row: UserEntity): User {
  return { id: row.id, email: row.email, passwordHash: row.passwordHash, role: row.role as Role, createdAt: row.createdAt };
}

export class TypeormUserRepository implements UserRepository {
  constructor(private readonly db: TypeormDatabase) {}

  private async users(): Promise<Repository<UserEntity>> {
    return (await this.db.source()).getRepository(UserEntity);
  }

  async findById(id: string): Promise<User | undefined> {
    const row = await (await this.users()).findOneBy({ id });
    return row ? toUser(row) : undefined;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await (await this.users()).findOneBy({ email });
    return row ? toUser(row) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    return (await (await this.users()).findBy({ id: In([...ids]) })).map(toUser);
  }

  async create(user: NewUser): Promise<User | undefined> {
    const row: UserEntity = { id: randomUUID(), ...user, createdAt: new Date() };
    try {
      await (await this.users()).insert(row);
    } catch (error) {
      // The email's unique key: another registration has it (the service answers 409).
      if (isDuplicateKey(error)) return undefined;
      throw error;
    }
    return toUser(row);
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await (await this.users()).update({ id }, { passwordHash });
  }
}
