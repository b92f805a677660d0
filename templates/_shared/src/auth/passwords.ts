// Password hashing with Argon2id (OWASP's first choice), through @node-rs/argon2: a prebuilt
// native binding shipped as a registry package per platform, no install script, no compiler.
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Algorithm } from "@node-rs/argon2";

/** `Algorithm.Argon2id`: the package declares a const enum, which isolatedModules cannot read. */
const ARGON2ID = 2 as Algorithm;

export interface PasswordHashCost {
  /** Memory per hash in KiB (OWASP's minimum for Argon2id: 19456, i.e. 19 MiB). */
  memoryKib: number;
  /** Passes over the memory (OWASP: 2 with 19 MiB). */
  iterations: number;
}

export class PasswordHasher {
  private unknownUserHash?: Promise<string>;

  constructor(private readonly cost: PasswordHashCost = { memoryKib: 19_456, iterations: 2 }) {}

  /** An Argon2id PHC string (`$argon2id$v=19$m=…`): the salt and the cost travel with it. */
  hash(password: string): Promise<string> {
    return hash(password, {
      algorithm: ARGON2ID,
      memoryCost: this.cost.memoryKib,
      timeCost: this.cost.iterations,
      parallelism: 1,
    });
  }

  async verify(password: string, passwordHash: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      // Not a hash this hasher can read: no password matches it.
      return false;
    }
  }

  /**
   * A hash of a random password at this hasher's cost. Logins for unknown accounts verify against
   * it, so they take as long as a wrong password for a real account and reveal no registered email.
   */
  hashForUnknownUser(): Promise<string> {
    this.unknownUserHash ??= this.hash(randomBytes(32).toString("base64url"));
    return this.unknownUserHash;
  }
}
