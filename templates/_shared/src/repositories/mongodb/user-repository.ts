// The MongoDB user repository (the official driver). The unique index on `email`
// (migrations/0002_users.up.json) decides a race between two registrations of one address.
import { randomUUID } from "node:crypto";
import type { Collection, Db } from "mongodb";
import { isDuplicateKey } from "../../db/mongodb.js";
import type { Role, User } from "../../domain/user.js";
import type { NewUser, UserRepository } from "../user-repository.js";

/** A document of the `users` collection. */
export interface UserDocument {
  _id: string;
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
}

function toUser(doc: UserDocument): User {
  return { id: doc._id, email: doc.email, passwordHash: doc.passwordHash, role: doc.role, createdAt: doc.createdAt };
}

export class MongoUserRepository implements UserRepository {
  private readonly users: Collection<UserDocument>;

  constructor(db: Db) {
    this.users = db.collection<UserDocument>("users");
  }

  async findById(id: string): Promise<User | undefined> {
    const doc = await this.users.findOne({ _id: id });
    return doc ? toUser(doc) : undefined;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const doc = await this.users.findOne({ email });
    return doc ? toUser(doc) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    return (await this.users.find({ _id: { $in: [...ids] } }).toArray()).map(toUser);
  }

  async create(user: NewUser): Promise<User | undefined> {
    const doc: UserDocument = { _id: randomUUID(), ...user, createdAt: new Date() };
    try {
      await this.users.insertOne(doc);
    } catch (error) {
      // E11000 on the email index: the address is taken (the service answers 409).
      if (isDuplicateKey(error)) return undefined;
      throw error;
    }
    return toUser(doc);
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await this.users.updateOne({ _id: id }, { $set: { passwordHash } });
  }
}
