// Prometheus metrics: default process metrics plus an HTTP request histogram, in a private registry.
// /metrics is not public: it is served only when METRICS_TOKEN is set, to requests bearing it.
import { createHash, timingSafeEqual } from "node:crypto";
import { Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { NotFoundError, UnauthorizedError } from "./errors.js";

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, httpDuration };
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Throws unless `authorization` is `Bearer <token>`: a 404 when no token is configured (the
 * endpoint does not exist), a 401 for a missing or wrong one. The comparison takes constant time.
 */
export function assertMetricsAccess(token: string | undefined, authorization: string | undefined): void {
  if (token === undefined) throw new NotFoundError("route /metrics");
  const presented = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : "";
  if (!timingSafeEqual(digest(presented), digest(token))) throw new UnauthorizedError("a valid metrics token is required");
}
