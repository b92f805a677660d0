import request from "supertest";
import { createApp } from "../src/app.js";
import type { Container } from "../src/container.js";
import { MemoryMailer } from "../src/mail/mailer.js";
import { testContainer } from "./helpers.js";

describe("authentication over HTTP", () => {
  const mailer = new MemoryMailer();
  let container: Container;
  let app: ReturnType<typeof createApp>;
  const user = { email: "user@example.com", password: "user password" };

  const login = async (credentials: { email: string; password: string }) => {
    await request(app).post("/auth/register").send(credentials).expect(201);
    return (await request(app).post("/auth/login").send(credentials).expect(200)).body;
  };

  beforeAll(async () => {
    container = await testContainer({}, { mailer });
    app = createApp(container);
  });

  afterAll(async () => {
    await container.close();
  });

  it("registers, logs in, rotates, logs out", async () => {
    const registered = await request(app).post("/auth/register").send(user).expect(201);
    expect(registered.body).not.toHaveProperty("passwordHash");
    await request(app).post("/auth/register").send(user).expect(409);

    const login = await request(app).post("/auth/login").send(user).expect(200);
    const me = await request(app).get("/auth/me").set("Authorization", `Bearer ${login.body.accessToken}`).expect(200);
    expect(me.body.email).toBe(user.email);
    await request(app).get("/auth/me").expect(401);
    await request(app).get("/auth/me").set("Authorization", "Bearer forged").expect(401);

    const rotated = await request(app).post("/auth/refresh").send({ refreshToken: login.body.refreshToken }).expect(200);
    await request(app).post("/auth/refresh").send({ refreshToken: login.body.refreshToken }).expect(401);
    await request(app).post("/auth/logout").send({ refreshToken: rotated.body.refreshToken }).expect(204);
  });

  it("rotates a refresh token once under 8 parallel requests, then revokes its family", async () => {
    // Three logins, so that a race has every chance to show.
    for (const round of [1, 2, 3]) {
      const tokens = await login({ email: `racer${round}@example.com`, password: "racer password" });
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => request(app).post("/auth/refresh").send({ refreshToken: tokens.refreshToken })),
      );
      const won = answers.filter((res) => res.status === 200);
      expect(won).toHaveLength(1);
      expect(answers.filter((res) => res.status === 401)).toHaveLength(7);
      // The seven replays of a rotated token revoked the family, the winner's new token included.
      await request(app).post("/auth/refresh").send({ refreshToken: won[0]?.body.refreshToken }).expect(401);
    }
  });

  it("tells passwords apart beyond 72 bytes", async () => {
    const long = { email: "long@example.com", password: `${"A".repeat(72)}-real` };
    await login(long);
    await request(app).post("/auth/login").send({ ...long, password: `${"A".repeat(72)}-other` }).expect(401);
  });

  it("lets owners delete their own products and forbids everyone else", async () => {
    const owner = `Bearer ${(await login({ email: "owner@example.com", password: "owner password" })).accessToken}`;
    const other = `Bearer ${(await login({ email: "other@example.com", password: "other password" })).accessToken}`;
    const product = await request(app)
      .post("/api/products")
      .set("Authorization", owner)
      .send({ name: "Mine", priceCents: 5 })
      .expect(201);
    await request(app).delete(`/api/products/${product.body.id}`).set("Authorization", other).expect(403);
    await request(app).delete(`/api/products/${product.body.id}`).set("Authorization", owner).expect(204);
  });

  it("resets a password through the mailed token", async () => {
    await request(app).post("/auth/password-reset/request").send({ email: user.email }).expect(202);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    await request(app).post("/auth/password-reset/confirm").send({ token, password: "brand new password" }).expect(204);
    await request(app).post("/auth/login").send({ ...user, password: "brand new password" }).expect(200);
  });

  it("accepts a reset token once under 6 parallel confirmations", async () => {
    await request(app).post("/auth/password-reset/request").send({ email: user.email }).expect(202);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        request(app).post("/auth/password-reset/confirm").send({ token, password: `parallel password ${i}` }),
      ),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([204, 401, 401, 401, 401, 401]);
  });
});
