/**
 * App control: compiles a policy's `app_control` rules against the application signatures into the
 * identifier's block table, `blocked[app * FUNCTION_COUNT + fn]`, one entry per (application,
 * function) — fn 0 is "function not known". Rules apply in order and the first match decides: `allow`
 * for LINE's chat before `block` for the messenger category blocks every messenger except LINE chat;
 * `block` for LINE's file-transfer alone leaves its chat alone. No match allows.
 *
 * Cold path only (policy compilation): allocates freely; unknown names are a PolicyError naming
 * file:line:col with a did-you-mean, so a typo never silently allows what was meant to be blocked.
 *
 * @example
 * ```ts
 * import { compileAppControl } from "./control.ts";
 * // appid.blocked.set(compileAppControl(selectProfile(spec, "offsite").appControl, appid.tables));
 * ```
 */
import { PolicyError, type PolicyProblem } from "../policy/load.ts";
import type { AppControlSpec } from "../policy/spec.ts";
import { didYouMean } from "../policy/suggest.ts";
import { type AppIdTables, CATEGORY_NAMES, FUNCTION_COUNT, FUNCTION_NAMES } from "./tables.ts";

/** The block table for `spec` (all zero for null: nothing blocked). Throws PolicyError for unknown names. */
export function compileAppControl(spec: AppControlSpec | null | undefined, tables: AppIdTables): Uint8Array {
  const apps = tables.names.length;
  const out = new Uint8Array(apps * FUNCTION_COUNT);
  if (spec === null || spec === undefined || spec.rules.length === 0) return out;
  const problems: PolicyProblem[] = [];
  const rules: { app: number; category: number; fn: number; block: boolean }[] = [];
  const appNames = tables.names.slice(1);
  const fnNames = FUNCTION_NAMES.slice(1);
  for (const r of spec.rules) {
    let app = -1;
    let category = -1;
    let fn = -1;
    if (r.app !== null) {
      app = tables.names.indexOf(r.app);
      if (app <= 0) {
        problems.push({ where: r.appWhere ?? r.where, reason: `unknown application "${r.app}"${didYouMean(r.app, appNames)}` });
        continue;
      }
    }
    if (r.category !== null) {
      category = CATEGORY_NAMES.indexOf(r.category);
      if (category < 0) {
        problems.push({
          where: r.categoryWhere ?? r.where,
          reason: `unknown category "${r.category}"${didYouMean(r.category, CATEGORY_NAMES)} (categories: ${CATEGORY_NAMES.join(", ")})`,
        });
        continue;
      }
    }
    if (r.function !== null) {
      fn = FUNCTION_NAMES.indexOf(r.function);
      if (fn <= 0) {
        problems.push({
          where: r.functionWhere ?? r.where,
          reason: `unknown function "${r.function}"${didYouMean(r.function, fnNames)} (functions: ${fnNames.join(", ")})`,
        });
        continue;
      }
    }
    rules.push({ app, category, fn, block: r.action === "block" });
  }
  if (problems.length > 0) throw new PolicyError(problems);
  for (let app = 1; app < apps; app++) {
    for (let fn = 0; fn < FUNCTION_COUNT; fn++) {
      for (const r of rules) {
        if (r.app >= 0 && r.app !== app) continue;
        if (r.category >= 0 && r.category !== tables.category[app]) continue;
        if (r.fn >= 0 && r.fn !== fn) continue;
        out[app * FUNCTION_COUNT + fn] = r.block ? 1 : 0;
        break;
      }
    }
  }
  return out;
}
