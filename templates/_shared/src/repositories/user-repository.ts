// The user repository contract.
import type { Role, User } from "../domain/user.js";

export interface NewUser {
  email: string;
  passwordHash: string;
  role: Role;
}

export interface UserRepository {
  findById(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  /** Batch lookup (DataLoader); the result is in no particular order. */
  findByIds(ids: readonly string[]): Promise<User[]>;
  /** Returns undefined when the email is taken. */
  create(user: NewUser): Promise<User | undefined>;
  updatePassword(id: string, passwordHash: string): Promise<void>;
}
