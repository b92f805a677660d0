// Starts the HTTP server and shuts it down cleanly on SIGTERM/SIGINT.
import { existsSync } from "node:fs";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { createContainer } from "./container.js";

// Local development reads .env when present; variables already in the environment win.
if (existsSync(".env")) process.loadEnvFile(".env");

const config = loadConfig();
const container = createContainer(config);
const server = createApp(container).listen(config.PORT, () => {
  container.logger.info({ port: config.PORT }, "listening");
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close(() => {
      void container.close().then(() => process.exit(0));
    });
  });
}
