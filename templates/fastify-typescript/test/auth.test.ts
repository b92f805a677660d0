import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { createContainer } from "../src/container.js";
import type { Container } from "../src/container.js";
import { MemoryMailer } from "../src/mail/mailer.js";
import { testConfig } from "./helpers.js";
import { listen } from "./http-client.js";
import type { TestClient } from "./http-client.js";

describe("authentication over HTTP", () => {
  const mailer = new MemoryMailer();
  let container: Container;
  let app: FastifyInstance;
  let client: TestClient;
  const user = { email: "user@example.com", password: "user password" };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    container = createContainer(testConfig(), { mailer });
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

  it("forbids non-admins from deleting products", async () => {
    const other = { email: "other@example.com", password: "other password" };
    expect((await client.call("POST", "/auth/register", other)).status).toBe(201);
    const token = (await client.call("POST", "/auth/login", other)).body.accessToken as string;
    const product = await client.call("POST", "/api/products", { name: "Mine", priceCents: 5 }, bearer(token));
    expect(product.status).toBe(201);
    expect((await client.call("DELETE", `/api/products/${product.body.id}`, undefined, bearer(token))).status).toBe(403);
  });

  it("resets a password through the mailed token", async () => {
    expect((await client.call("POST", "/auth/password-reset/request", { email: user.email })).status).toBe(202);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    const confirm = await client.call("POST", "/auth/password-reset/confirm", { token, password: "brand new password" });
    expect(confirm.status).toBe(204);
    expect((await client.call("POST", "/auth/login", { ...user, password: "brand new password" })).status).toBe(200);
  });
});
