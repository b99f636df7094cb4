#!/usr/bin/env node
/**
 * Generate the web client's API types from the server's OpenAPI schema.
 *
 *   npm run gen:api                  # dump the schema (Python, no server), write both files
 *   node scripts/gen-api.mjs --stdout   # print the types generated from the committed openapi.json
 *
 * Writes `web/openapi.json` (from `python -m oshara.openapi_dump`: sorted keys, no timestamps)
 * and `web/src/api/schema.d.ts` (openapi-typescript, pinned in package.json). Both are
 * committed; `tests/web/test_api_types.py` fails when either is stale. The Python interpreter
 * is `$OSHARA_PYTHON`, else the repo's `.venv/bin/python`, else `python3`.
 *
 * openapi-typescript 7 drives the TypeScript 5 compiler API, which TypeScript 7 (the project's
 * `tsc`) no longer ships: its `typescript` import is pointed at the `typescript5` alias.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const WEB = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = join(WEB, "..");
const SCHEMA_JSON = join(WEB, "openapi.json");
const SCHEMA_TS = join(WEB, "src", "api", "schema.d.ts");

const HEADER = `/**
 * GENERATED from the server's OpenAPI schema (web/openapi.json) by \`npm run gen:api\` in web/.
 * Do not edit: change the server's pydantic models, then regenerate. The SDK and the
 * dashboard derive their request/response types from \`components["schemas"]\` and \`paths\`.
 */

`;

register(
  "data:text/javascript," +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === "typescript" && context.parentURL && context.parentURL.includes("/node_modules/openapi-typescript/")) {
    return next("typescript5", context);
  }
  return next(specifier, context);
}`),
  import.meta.url,
);

function python() {
  if (process.env.OSHARA_PYTHON) return process.env.OSHARA_PYTHON;
  const venv = join(REPO, ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

function dumpSchema() {
  return execFileSync(python(), ["-m", "oshara.openapi_dump"], {
    cwd: REPO,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function typesFor(schemaText) {
  const { default: openapiTS, astToString } = await import("openapi-typescript");
  const ast = await openapiTS(JSON.parse(schemaText), {
    // A default makes a property optional, not required: request bodies may leave it out.
    defaultNonNullable: false,
    alphabetize: true,
  });
  return HEADER + astToString(ast);
}

const args = new Set(process.argv.slice(2));
if (args.has("--stdout")) {
  process.stdout.write(await typesFor(readFileSync(SCHEMA_JSON, "utf8")));
} else {
  const schema = dumpSchema();
  writeFileSync(SCHEMA_JSON, schema);
  writeFileSync(SCHEMA_TS, await typesFor(schema));
  console.log(`wrote ${SCHEMA_JSON}\nwrote ${SCHEMA_TS}`);
}
