import request from "supertest";
import { createApp } from "../src/app.js";
import { createContainer } from "../src/container.js";
import type { Container } from "../src/container.js";
import { MemoryMailer } from "../src/mail/mailer.js";
import { testConfig } from "./helpers.js";

describe("authentication over HTTP", () => {
  const mailer = new MemoryMailer();
  let container: Container;
  let app: ReturnType<typeof createApp>;
  const user = { email: "user@example.com", password: "user password" };

  beforeAll(() => {
    container = createContainer(testConfig(), { mailer });
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

  it("forbids non-admins from deleting products", async () => {
    const other = { email: "other@example.com", password: "other password" };
    await request(app).post("/auth/register").send(other).expect(201);
    const login = await request(app).post("/auth/login").send(other).expect(200);
    const bearer = `Bearer ${login.body.accessToken}`;
    const product = await request(app)
      .post("/api/products")
      .set("Authorization", bearer)
      .send({ name: "Mine", priceCents: 5 })
      .expect(201);
    await request(app).delete(`/api/products/${product.body.id}`).set("Authorization", bearer).expect(403);
  });

  it("resets a password through the mailed token", async () => {
    await request(app).post("/auth/password-reset/request").send({ email: user.email }).expect(202);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    await request(app).post("/auth/password-reset/confirm").send({ token, password: "brand new password" }).expect(204);
    await request(app).post("/auth/login").send({ ...user, password: "brand new password" }).expect(200);
  });
});
