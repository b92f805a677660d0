// The TypeORM user repository on MongoDB. The unique index on `email`
// (migrations/0002_users.up.json) decides a race between two registrations of one address.
import { randomUUID } from "node:crypto";
import type { MongoRepository } from "typeorm";
import type { TypeormDatabase } from "../../db/typeorm.js";
import type { Role, User } from "../../domain/user.js";
import type { NewUser, UserRepository } from "../user-repository.js";
import { UserDocument } from "./mongodb-entities.js";

function toUser(doc: UserDocument): User {
  return { id: doc._id, email: doc.email, passwordHash: doc.passwordHash, role: doc.role as Role, createdAt: doc.createdAt };
}

/** MongoDB's duplicate-key error (E11000): a unique index refused the write. */
function isDuplicateKey(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000;
}

export class TypeormMongoUserRepository implements UserRepository {
  constructor(private readonly db: TypeormDatabase) {}

  private async users(): Promise<MongoRepository<UserDocument>> {
    return (await this.db.source()).getMongoRepository(UserDocument);
  }

  async findById(id: string): Promise<User | undefined> {
    const doc = await (await this.users()).findOneBy({ _id: id });
    return doc ? toUser(doc) : undefined;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const doc = await (await this.users()).findOneBy({ email });
    return doc ? toUser(doc) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    return (await (await this.users()).findBy({ _id: { $in: [...ids] } })).map(toUser);
  }

  async create(user: NewUser): Promise<User | undefined> {
    const doc: UserDocument = { _id: randomUUID(), ...user, createdAt: new Date() };
    try {
      await (await this.users()).insertOne(doc);
    } catch (error) {
      // E11000 on the email index: the address is taken (the service answers 409).
      if (isDuplicateKey(error)) return undefined;
      throw error;
    }
    return toUser(doc);
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await (await this.users()).updateOne({ _id: id }, { $set: { passwordHash } });
  }
}
