// The user repository on Sequelize. A taken email is the unique key's UniqueConstraintError.
import { randomUUID } from "node:crypto";
import { Op, UniqueConstraintError } from "sequelize";
import type { Models, UserModel } from "../../db/sequelize.js";
import type { Role, User } from "../../domain/user.js";
import type { NewUser, UserRepository } from "../user-repository.js";

export function toUser(row: UserModel): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.passwordHash,
    role: row.role as Role,
    createdAt: row.createdAt,
  };
}

export class SequelizeUserRepository implements UserRepository {
  constructor(private readonly models: Models) {}

  async findById(id: string): Promise<User | undefined> {
    const row = await this.models.User.findByPk(id);
    return row ? toUser(row) : undefined;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.models.User.findOne({ where: { email } });
    return row ? toUser(row) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.models.User.findAll({ where: { id: { [Op.in]: [...ids] } } });
    return rows.map(toUser);
  }

  async create(user: NewUser): Promise<User | undefined> {
    const id = randomUUID();
    try {
      await this.models.User.create({ id, email: user.email, passwordHash: user.passwordHash, role: user.role });
    } catch (error) {
      // The email's unique key: another registration has it (under concurrent registrations too).
      if (error instanceof UniqueConstraintError) return undefined;
      throw error;
    }
    // Read back for created_at, the column's default.
    return this.findById(id);
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await this.models.User.update({ passwordHash }, { where: { id } });
  }
}
