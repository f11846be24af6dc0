/**
 * Zero-width assertions (`^ $ \A \z \Z \b \B \G`) evaluated at a position, PCRE's way: the subject is
 * [start, end), `$`/`\Z` also match before a final `\n`, multiline `^` does not match after a `\n` that
 * ends the subject. Hot path: pure integer logic, no allocation, never throws.
 *
 * @example
 * ```ts
 * import { assertAt } from "./assert.ts";
 * import { A_EOL } from "./syntax.ts";
 * assertAt(A_EOL, new TextEncoder().encode("ab\n"), 2, 0, 3); // true
 * ```
 */
import { A_END, A_EOL, A_G, A_MBOL, A_MEOL, A_NWORDB, A_START, A_WORDB } from "./syntax.ts";

function isWord(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

export function assertAt(kind: number, buf: Uint8Array, pos: number, start: number, end: number): boolean {
  switch (kind) {
    case A_START:
    case A_G:
      return pos === start;
    case A_MBOL:
      return pos === start || (pos < end && buf[pos - 1] === 0x0a);
    case A_EOL:
      return pos === end || (pos === end - 1 && buf[pos] === 0x0a);
    case A_MEOL:
      return pos === end || buf[pos] === 0x0a;
    case A_END:
      return pos === end;
    case A_WORDB:
    case A_NWORDB: {
      const before = pos > start && isWord(buf[pos - 1]);
      const after = pos < end && isWord(buf[pos]);
      return (before !== after) === (kind === A_WORDB);
    }
  }
  return false;
}
