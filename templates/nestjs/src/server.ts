// Starts the HTTP server; Nest closes it on SIGTERM/SIGINT (enableShutdownHooks).
import { existsSync } from "node:fs";
import { loadConfig } from "./config.js";
import { createContainer } from "./container.js";
import { createNestApp } from "./nest-app.js";

// Local development reads .env when present; variables already in the environment win.
if (existsSync(".env")) process.loadEnvFile(".env");

const config = loadConfig();
const container = createContainer(config);
const app = await createNestApp(container);
app.enableShutdownHooks();
await app.listen(config.PORT, "0.0.0.0");
container.logger.info({ port: config.PORT }, "listening");
