// Password hashing with bcryptjs (pure JavaScript: no native build, no install script).
import bcrypt from "bcryptjs";

export class PasswordHasher {
  constructor(private readonly rounds = 12) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }
}
