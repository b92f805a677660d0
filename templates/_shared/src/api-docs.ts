// Swagger UI for the OpenAPI document at /docs. The page and its assets come from the
// swagger-ui-dist package, read once at start-up and served by the app itself: no CDN, and no
// inline script, so a strict Content-Security-Policy (helmet's default) allows the page.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface DocsAsset {
  path: string;
  contentType: string;
  body: string;
}

// Resolved from the project's root (where `npm start` and the tests run), which works the same
// from CommonJS and ESM builds.
const dist = dirname(createRequire(join(process.cwd(), "package.json")).resolve("swagger-ui-dist/package.json"));

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export function apiDocsAssets(title: string, documentPath = "/openapi.json"): DocsAsset[] {
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)} API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;
  const init = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(documentPath)}, dom_id: "#swagger-ui" });\n`;
  return [
    { path: "/docs", contentType: "text/html; charset=utf-8", body: page },
    { path: "/docs/init.js", contentType: "text/javascript; charset=utf-8", body: init },
    {
      path: "/docs/swagger-ui.css",
      contentType: "text/css; charset=utf-8",
      body: readFileSync(join(dist, "swagger-ui.css"), "utf8"),
    },
    {
      path: "/docs/swagger-ui-bundle.js",
      contentType: "text/javascript; charset=utf-8",
      body: readFileSync(join(dist, "swagger-ui-bundle.js"), "utf8"),
    },
  ];
}
