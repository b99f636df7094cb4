// Builds widget.js (one minified IIFE) and sdk.js (ES module) into src/oshara/web_dist/,
// where the Python package serves them from. Usage: node build.mjs [--dev]
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(here, "..", "src", "oshara", "web_dist");
const dev = process.argv.includes("--dev");
const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));

// Build-time substitutions (see each file in src/shims/):
// - the Daily SDK is only needed by the transport's default (CDN-loading) media manager, which
//   Oshara never uses: the stub keeps remote code and ~260 kB out of the bundles;
// - bowser and lodash/cloneDeep are replaced by small equivalents (~50 kB less).
export const SHIMS = {
  "@daily-co/daily-js": "daily-js.ts",
  bowser: "bowser.ts",
  "lodash/cloneDeep": "clone-deep.ts",
};
const shims = {
  name: "oshara-shims",
  setup(b) {
    b.onResolve({ filter: /^(@daily-co\/daily-js|bowser|lodash\/cloneDeep)$/ }, (args) => ({
      path: join(here, "src", "shims", SHIMS[args.path]),
    }));
  },
};

const common = {
  bundle: true,
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  platform: "browser",
  legalComments: "none",
  logLevel: "warning",
  plugins: [shims],
  define: { "process.env.NODE_ENV": '"production"' },
  banner: { js: `/*! Oshara ${pkg.version} | Apache-2.0 | bundles @pipecat-ai/client-js and @pipecat-ai/small-webrtc-transport (BSD-2-Clause) */` },
};

mkdirSync(outdir, { recursive: true });
await build({ ...common, entryPoints: [join(here, "src", "widget", "index.ts")], format: "iife", outfile: join(outdir, "widget.js") });
await build({ ...common, entryPoints: [join(here, "src", "sdk", "index.ts")], format: "esm", outfile: join(outdir, "sdk.js") });

// The owner dashboard (/dashboard/): app.js (ES module, Preact) and app.css, plus index.html
// whose asset URLs carry a content hash (the HTML is served no-store, the assets with ETag).
const dashSrc = join(here, "src", "dashboard");
const dashOut = join(outdir, "dashboard");
mkdirSync(dashOut, { recursive: true });
await build({
  ...common,
  banner: { js: `/*! Oshara dashboard ${pkg.version} | Apache-2.0 | bundles Preact, wouter-preact, TanStack Query (MIT), @pipecat-ai/client-js and @pipecat-ai/small-webrtc-transport (BSD-2-Clause) */` },
  entryPoints: [
    { in: join(dashSrc, "main.tsx"), out: "app" },
    { in: join(dashSrc, "styles.css"), out: "app" },
  ],
  format: "esm",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: dashOut,
});
const shortHash = (file) => createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 12);
writeFileSync(
  join(dashOut, "index.html"),
  readFileSync(join(dashSrc, "index.html"), "utf8")
    .replace("__JS_HASH__", shortHash(join(dashOut, "app.js")))
    .replace("__CSS_HASH__", shortHash(join(dashOut, "app.css"))),
);

writeFileSync(join(outdir, "BUILD.json"), JSON.stringify({ version: pkg.version, built_at: new Date().toISOString() }, null, 2) + "\n");

// Swagger UI for /api/docs/, served by this server so the docs work offline (no CDN). Source
// maps are not shipped, so their comments go too: a page must reference nothing we do not serve.
const swaggerSrc = join(here, "node_modules", "swagger-ui-dist");
const swaggerOut = join(outdir, "swagger-ui");
mkdirSync(swaggerOut, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE"]) {
  let data = readFileSync(join(swaggerSrc, name));
  if (/\.(js|css)$/.test(name)) {
    data = data.toString("utf8").replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, "\n");
  }
  writeFileSync(join(swaggerOut, name), data);
}

for (const name of ["widget.js", "sdk.js", "dashboard/app.js", "dashboard/app.css"]) {
  const file = join(outdir, name);
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  console.log(`${name.padEnd(18)} ${kb(statSync(file).size).padStart(9)}  gzip ${kb(gz).padStart(8)}`);
}
