// A tiny HTTP client for the tests: the app listens on an ephemeral port and is called with fetch,
// exactly as a real client would.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";

export interface TestResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are dynamic JSON in tests
  body: any;
  text: string;
}

export class TestClient {
  headers: Record<string, string> = {};

  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
    const res = await fetch(this.base + path, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...this.headers, ...headers },
      // A string or bytes go as they are; anything else as JSON.
      body: body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
}

export async function listen(app: FastifyInstance): Promise<TestClient> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return new TestClient(`http://127.0.0.1:${port}`);
}
