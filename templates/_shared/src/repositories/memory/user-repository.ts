// An in-memory user repository.
import { randomUUID } from "node:crypto";
import type { User } from "../../domain/user.js";
import type { NewUser, UserRepository } from "../user-repository.js";

export class MemoryUserRepository implements UserRepository {
  private readonly rows = new Map<string, User>();

  async findById(id: string): Promise<User | undefined> {
    return this.rows.get(id);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    return [...this.rows.values()].find((u) => u.email === email);
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    return ids.flatMap((id) => this.rows.get(id) ?? []);
  }

  async create(user: NewUser): Promise<User | undefined> {
    if (await this.findByEmail(user.email)) return undefined;
    const row: User = { id: randomUUID(), ...user, createdAt: new Date() };
    this.rows.set(row.id, row);
    return row;
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    const user = this.rows.get(id);
    if (user) this.rows.set(id, { ...user, passwordHash });
  }
}
