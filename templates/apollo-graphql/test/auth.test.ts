import request from "supertest";
import { createApp } from "../src/app.js";
import type { GraphQLApp } from "../src/app.js";
import { createContainer } from "../src/container.js";
import type { Container } from "../src/container.js";
import { MemoryMailer } from "../src/mail/mailer.js";
import { testConfig } from "./helpers.js";

describe("authentication over GraphQL", () => {
  const mailer = new MemoryMailer();
  let container: Container;
  let graphql: GraphQLApp;

  const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const req = request(graphql.app).post("/graphql").send({ query, variables });
    return token ? req.set("Authorization", `Bearer ${token}`) : req;
  };
  const user = { email: "user@example.com", password: "user password" };

  beforeAll(async () => {
    container = createContainer(testConfig(), { mailer });
    graphql = await createApp(container);
  });

  afterAll(async () => {
    await graphql.stop();
    await container.close();
  });

  it("registers, logs in, rotates, logs out, resets a password", async () => {
    const register = `mutation($email: String!, $password: String!) { register(email: $email, password: $password) { id email } }`;
    expect((await gql(register, user)).body.data.register.id).toBeDefined();
    expect((await gql(register, user)).body.errors[0].extensions.code).toBe("conflict");

    const login = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken } }`;
    const tokens = (await gql(login, user)).body.data.login;
    const me = await gql(`{ me { email role } }`, {}, tokens.accessToken);
    expect(me.body.data.me).toEqual({ email: user.email, role: "user" });

    const refresh = `mutation($t: String!) { refresh(refreshToken: $t) { refreshToken } }`;
    const rotated = (await gql(refresh, { t: tokens.refreshToken })).body.data.refresh.refreshToken;
    expect((await gql(refresh, { t: tokens.refreshToken })).body.errors[0].extensions.code).toBe("unauthorized");
    expect((await gql(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: rotated })).body.data.logout).toBe(true);

    await gql(`mutation { requestPasswordReset(email: "${user.email}") }`);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    const confirm = `mutation($token: String!) { confirmPasswordReset(token: $token, password: "brand new password") }`;
    expect((await gql(confirm, { token })).body.data.confirmPasswordReset).toBe(true);
    expect((await gql(login, { ...user, password: "brand new password" })).body.data.login.accessToken).toBeDefined();
  });
});
