import request from "supertest";
import { createApp } from "../src/app.js";
import type { GraphQLApp } from "../src/app.js";
import type { Container } from "../src/container.js";
import { MemoryMailer } from "../src/mail/mailer.js";
import { testContainer } from "./helpers.js";

describe("authentication over GraphQL", () => {
  const mailer = new MemoryMailer();
  let container: Container;
  let graphql: GraphQLApp;

  const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const req = request(graphql.app).post("/graphql").send({ query, variables });
    return token ? req.set("Authorization", `Bearer ${token}`) : req;
  };
  const user = { email: "user@example.com", password: "user password" };
  const tokens = `... on TokenPair { accessToken refreshToken } ... on Rejection { code }`;
  const register = `mutation($email: Email!, $password: Password!) { register(email: $email, password: $password) { ... on User { id email } ... on Rejection { code } } }`;
  const login = `mutation($email: Email!, $password: Password!) { login(email: $email, password: $password) { ${tokens} } }`;
  const refresh = `mutation($t: Token!) { refresh(refreshToken: $t) { ${tokens} } }`;
  const confirm = `mutation($token: Token!, $password: Password!) { confirmPasswordReset(token: $token, password: $password) }`;

  const loggedIn = async (credentials: { email: string; password: string }) => {
    expect((await gql(register, credentials)).body.data.register.id).toBeDefined();
    return (await gql(login, credentials)).body.data.login as { accessToken: string; refreshToken: string };
  };

  beforeAll(async () => {
    container = await testContainer({}, { mailer });
    graphql = await createApp(container);
  });

  afterAll(async () => {
    await graphql.stop();
    await container.close();
  });

  it("registers, logs in, rotates, logs out, resets a password", async () => {
    expect((await gql(register, user)).body.data.register.id).toBeDefined();
    // Outcomes that depend on the data are answers, not errors.
    const taken = await gql(register, user);
    expect(taken.body).toEqual({ data: { register: { code: "conflict" } } });

    const pair = (await gql(login, user)).body.data.login;
    const me = await gql(`{ me { email role } }`, {}, pair.accessToken);
    expect(me.body.data.me).toEqual({ email: user.email, role: "user" });

    const rotated = (await gql(refresh, { t: pair.refreshToken })).body.data.refresh.refreshToken;
    expect((await gql(refresh, { t: pair.refreshToken })).body).toEqual({ data: { refresh: { code: "unauthorized" } } });
    expect((await gql(`mutation($t: Token!) { logout(refreshToken: $t) }`, { t: rotated })).body.data.logout).toBe(true);

    await gql(`mutation { requestPasswordReset(email: "${user.email}") }`);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    expect((await gql(confirm, { token, password: "brand new password" })).body.data.confirmPasswordReset).toBe(true);
    expect((await gql(login, { ...user, password: "brand new password" })).body.data.login.accessToken).toBeDefined();
  });

  it("rotates a refresh token once under 8 parallel requests, then revokes its family", async () => {
    // Three logins, so that a race has every chance to show.
    for (const round of [1, 2, 3]) {
      const pair = await loggedIn({ email: `racer${round}@example.com`, password: "racer password" });
      const answers = await Promise.all(Array.from({ length: 8 }, () => gql(refresh, { t: pair.refreshToken })));
      const won = answers.flatMap((res) => (res.body.data?.refresh?.refreshToken ? [res.body.data.refresh.refreshToken] : []));
      expect(won).toHaveLength(1);
      expect(answers.filter((res) => res.body.data?.refresh?.code === "unauthorized")).toHaveLength(7);
      // The seven replays of a rotated token revoked the family, the winner's new token included.
      expect((await gql(refresh, { t: won[0] })).body.data.refresh.code).toBe("unauthorized");
    }
  });

  it("tells passwords apart beyond 72 bytes", async () => {
    const long = { email: "long@example.com", password: `${"A".repeat(72)}-real` };
    await loggedIn(long);
    const other = await gql(login, { ...long, password: `${"A".repeat(72)}-other` });
    expect(other.body.data.login.code).toBe("unauthorized");
  });

  it("lets owners delete their own products and forbids everyone else", async () => {
    const owner = (await loggedIn({ email: "owner@example.com", password: "owner password" })).accessToken;
    const other = (await loggedIn({ email: "other@example.com", password: "other password" })).accessToken;
    const created = await gql(`mutation { createProduct(input: { name: "Mine", priceCents: 5 }) { id } }`, {}, owner);
    const remove = `mutation { deleteProduct(id: "${created.body.data.createProduct.id}") }`;
    expect((await gql(remove, {}, other)).body.errors[0].extensions.code).toBe("forbidden");
    expect((await gql(remove, {}, owner)).body.data.deleteProduct).toBe(true);
  });

  it("accepts a reset token once under 6 parallel confirmations", async () => {
    await gql(`mutation { requestPasswordReset(email: "${user.email}") }`);
    const token = mailer.sent.at(-1)?.text.split(": ")[1];
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => gql(confirm, { token, password: `parallel password ${i}` })),
    );
    expect(answers.filter((res) => res.body.data?.confirmPasswordReset === true)).toHaveLength(1);
    expect(answers.filter((res) => res.body.data?.confirmPasswordReset === false)).toHaveLength(5);
  });
});
