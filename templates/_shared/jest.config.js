/** Jest runs the TypeScript tests through ts-jest (isolatedModules: no type-check in tests; `npm run typecheck` does that). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  // Sources import "./x.js" (valid for both CommonJS and ESM under nodenext); map it back to x.ts.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
};
