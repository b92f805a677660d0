import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import type { Container } from "../src/container.js";
import { MemoryMailer } from "../src/mail/mailer.js";
import { testContainer } from "./helpers.js";
import { listen } from "./http-client.js";
import type { TestClient } from "./http-client.js";

describe("authentication over HTTP", () => {
  const mailer = new MemoryMailer();
  let container: Container;
  let app: FastifyInstance;
  let client: TestClient;
  const user = { email: "user@example.com", password: "user password" };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const login = async (credentials: { email: string; password: string }) => {
    expect((await client.call("POST", "/auth/register", credentials)).status).toBe(201);
    const res = await client.call("POST", "/auth/login", credentials);
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    container = await testContainer({}, { mailer });
    app = await buildApp(container);
    client = await listen(app);
  });

  afterAll(async () => {
    await app.close();
    await container.close();
  });

  it("registers, logs in, rotates, logs out", async () => {
    const registered = await client.call("POST", "/auth/register", user);
    expect(registered.status).toBe(201);
    expect(registered.body).not.toHaveProperty("passwordHash");
    expect((await client.call("POST", "/auth/register", user)).status).toBe(409);

    const login = (await client.call("POST", "/auth/login", user)).body;
    const me = await client.call("GET", "/auth/me", undefined, bearer(login.accessToken));
    expect(me.body.email).toBe(user.email);
    expect((await client.call("GET", "/auth/me")).status).toBe(401);
    expect((await client.call("GET", "/auth/me", undefined, bearer("forged"))).status).toBe(401);

    const rotated = await client.call("POST", "/auth/refresh", { refreshToken: login.refreshToken });
    expect(rotated.status).toBe(200);
    expect((await client.call("POST", "/auth/refresh", { refreshToken: login.refreshToken })).status).toBe(401);
    expect((await client.call("POST", "/auth/logout", { refreshToken: rotated.body.refreshToken })).status).toBe(204);
  });

  it("rotates a refresh token once under 8 parallel requests, then revokes its family", async () => {
    // Three logins, so that a race has every chance to show.
    for (const round of [1, 2, 3]) {
      const tokens = await login({ email: `racer${round}@example.com`, password: "racer password" });
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => client.call("POST", "/auth/refresh", { refreshToken: tokens.refreshToken })),
      );
      const won = answers.filter((res) => res.status === 200);
      expect(won).toHaveLength(1);
      expect(answers.filter((res) => res.status === 401)).toHaveLength(7);
      // The seven replays of a rotated token revoked the family, the winner's new token included.
      const after = await client.call("POST", "/auth/refresh", { refreshToken: won[0]?.body.refreshToken });
      expect(after.status).toBe(401);
    }
  });

  it("tells passwords apart beyond 72 bytes", async () => {
    const long = { email: "long@example.com", password: `${"A".repeat(72)}-real` };
    await login(long);
    expect((await client.call("POST", "/auth/login", { ...long, password: `${"A".repeat(72)}-other` })).status).toBe(401);
  });

  it("lets owners delete their own products and forbids everyone else", async () => {
    const owner = bearer((await login({ email: "owner@example.com", password: "owner password" })).accessToken);
    const other = bearer((await login({ email: "other@example.com", password: "other password" })).accessToken);
    const product = await client.call("POST", "/api/products", { name: "Mine", priceCents: 5 }, owner);
    expect(product.status).toBe(201);
    expect((await client.call("DELETE", `/api/products/${product.body.id}`, undefined, other)).status).toBe(403);
    expect((await client.call("DELETE", `/api/products/${product.body.id}`, undefined, owner)).status).toBe(204);
  });

  it("resets a password through the mailed token", async () => {
    expect((await client.call("POST", "/auth/password-reset/request", { email: user.email })).status).toBe(202);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    const confirm = await client.call("POST", "/auth/password-reset/confirm", { token, password: "brand new password" });
    expect(confirm.status).toBe(204);
    expect((await client.call("POST", "/auth/login", { ...user, password: "brand new password" })).status).toBe(200);
  });

  it("accepts a reset token once under 6 parallel confirmations", async () => {
    expect((await client.call("POST", "/auth/password-reset/request", { email: user.email })).status).toBe(202);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.call("POST", "/auth/password-reset/confirm", { token, password: `parallel password ${i}` }),
      ),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([204, 401, 401, 401, 401, 401]);
  });
});
