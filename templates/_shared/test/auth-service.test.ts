import { PasswordHasher } from "../src/auth/passwords.js";
import { AccessTokens } from "../src/auth/tokens.js";
import { UnauthorizedError } from "../src/errors.js";
import { MemoryMailer } from "../src/mail/mailer.js";
import { MemoryTokenRepository } from "../src/repositories/memory/token-repository.js";
import { MemoryUserRepository } from "../src/repositories/memory/user-repository.js";
import { AuthService } from "../src/services/auth-service.js";

function service(mailer = new MemoryMailer()) {
  return new AuthService(
    new MemoryUserRepository(),
    new MemoryTokenRepository(),
    new PasswordHasher(4),
    new AccessTokens("unit-secret-unit-secret-unit-secret-unit", 60),
    mailer,
    { refreshTokenTtlSeconds: 60, passwordResetTtlSeconds: 60, adminEmails: ["boss@example.com"] },
  );
}

const alice = { email: "alice@example.com", password: "correct horse" };

describe("AuthService", () => {
  it("registers users with roles and rejects duplicates", async () => {
    const auth = service();
    expect((await auth.register(alice)).role).toBe("user");
    expect((await auth.register({ email: "boss@example.com", password: "12345678" })).role).toBe("admin");
    await expect(auth.register(alice)).rejects.toMatchObject({ status: 409 });
  });

  it("rotates refresh tokens and revokes the family on reuse", async () => {
    const auth = service();
    await auth.register(alice);
    const first = await auth.login(alice);
    const second = await auth.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(auth.refresh(first.refreshToken)).rejects.toBeInstanceOf(UnauthorizedError);
    // The reuse revoked the whole family, including the token issued by the rotation.
    await expect(auth.refresh(second.refreshToken)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("rejects a wrong password", async () => {
    const auth = service();
    await auth.register(alice);
    await expect(auth.login({ ...alice, password: "wrong password" })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("resets a password with a mailed one-time token", async () => {
    const mailer = new MemoryMailer();
    const auth = service(mailer);
    await auth.register(alice);
    await auth.requestPasswordReset(alice.email);
    await auth.requestPasswordReset("nobody@example.com");
    expect(mailer.sent).toHaveLength(1);
    const token = mailer.sent[0]?.text.split(": ")[1] ?? "";
    await auth.confirmPasswordReset(token, "a new password");
    await expect(auth.confirmPasswordReset(token, "again and again")).rejects.toMatchObject({ status: 400 });
    await expect(auth.login({ ...alice, password: "a new password" })).resolves.toHaveProperty("accessToken");
  });
});
