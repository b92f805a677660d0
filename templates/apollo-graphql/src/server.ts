// Starts the HTTP server and shuts it down cleanly on SIGTERM/SIGINT.
import { existsSync } from "node:fs";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { createContainer } from "./container.js";

// Local development reads .env when present; variables already in the environment win.
if (existsSync(".env")) process.loadEnvFile(".env");

async function main(): Promise<void> {
  const config = loadConfig();
  const container = createContainer(config);
  const { app, stop } = await createApp(container);
  const server = app.listen(config.PORT, () => {
    container.logger.info({ port: config.PORT }, "listening");
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      server.close(() => {
        void stop()
          .then(() => container.close())
          .then(() => process.exit(0));
      });
    });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
