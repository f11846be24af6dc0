/**
 * Builds the firmware-style images: every entry point bundled with its dependencies into one file
 * under `dist/` (today: the `tsugi` CLI). `npm run build`.
 */
import { build } from "esbuild";
import { chmodSync } from "node:fs";

const entries = [{ in: "tsugi.ts", out: "tsugi" }];

await build({
  entryPoints: entries,
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  legalComments: "none",
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});
for (const e of entries) chmodSync(`dist/${e.out}.js`, 0o755);
console.log(`built ${entries.map((e) => `dist/${e.out}.js`).join(", ")}`);
