/**
 * The options every `tsugi bench` command shares (`--json --packets --only --out`), parsed in one place.
 */

export interface CommonBenchArgs {
  json: boolean;
  packets: number;
  only: string[];
  out: string;
}

/**
 * Reads the common option at `args[i]` into `a`. Returns the index of the last argument it used, null
 * when `args[i]` is not a common option, or an error message.
 */
export function commonOption(args: string[], i: number, a: CommonBenchArgs): number | string | null {
  switch (args[i]) {
    case "--json":
      a.json = true;
      return i;
    case "--packets": {
      const n = Number(args[i + 1]);
      if (!Number.isInteger(n) || n < 1000) return "--packets needs an integer >= 1000";
      a.packets = n;
      return i + 1;
    }
    case "--only": {
      const s = args[i + 1];
      if (s === undefined) return "--only needs a list of workload names";
      a.only = s.split(",");
      return i + 1;
    }
    case "--out": {
      const f = args[i + 1];
      if (f === undefined) return "--out needs a file";
      a.out = f;
      return i + 1;
    }
    default:
      return null;
  }
}
