/**
 * Where the shared test corpus is: `../shared/corpus` beside the repository (as on the developers'
 * machines and in CI), or `TSUGI_CORPUS`. Tests that read it skip with a note when it is absent, except
 * under CI, where its absence is an error (a test that silently checks nothing proves nothing).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function corpusDir(): string | null {
  // beside the repository: from datapath/pcap/ in the source tree, or from dist/ in the bundle
  const candidates = process.env.TSUGI_CORPUS !== undefined
    ? [process.env.TSUGI_CORPUS]
    : [fileURLToPath(new URL("../../../shared/corpus", import.meta.url)), fileURLToPath(new URL("../../shared/corpus", import.meta.url))];
  const found = candidates.find((d) => existsSync(d));
  if (found !== undefined) return found;
  const dir = candidates[0];
  if (process.env.CI) throw new Error(`test corpus not found at ${dir} (set TSUGI_CORPUS)`);
  console.log(`note: test corpus not found at ${dir}; corpus tests skipped`);
  return null;
}
