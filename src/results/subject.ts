/**
 * A result's subject: the item (type and name) its task state and emissions
 * belong to. Not every ResultsDB result names a build: a compose's carries
 * `productmd.compose.id` and no `item`, a container image's `nvr`. The
 * subject of a result that gives no `item` and `type` of its own is derived
 * from its data by the rules of RESULTSBUS_SUBJECTS, tried in order, after
 * Greenwave's subject types (`conf/subject_types/*.yaml`); a result none of
 * them fits is stored and served, but has no task state and emits nothing.
 *
 * A rule is `NAME_KEY=TYPE`: the item name is the value of the data key
 * NAME_KEY, and TYPE is a literal item type (`compose`), or `{KEY}`, the
 * value of the data key KEY, or several of these separated by `|`, the first
 * that has a value winning (`{type}|koji_build`). A rule fits when NAME_KEY
 * and its type have one value each (a string, or a list of one string) that
 * can be a name (1 to 255 characters, no control characters).
 */
import type { ResultData } from '../db/schema.ts';

/** What a result is about: an item type and an item name. */
export interface Subject {
  type: string;
  item: string;
}

type TypeSource = { kind: 'key'; key: string } | { kind: 'literal'; type: string };

/** One rule of RESULTSBUS_SUBJECTS. */
export interface SubjectRule {
  /** The data key holding the item name. */
  nameKey: string;
  /** Where the item type comes from, tried in order. */
  type: TypeSource[];
}

/**
 * RESULTSBUS_SUBJECTS's default: `item` with its `type` (every Taskotron,
 * Fedora CI and openQA result of a build or update); a compose by
 * `productmd.compose.id`; a build or container image by `nvr`, typed by
 * `type` when it has one (Greenwave's `redhat-container-image`), else as a
 * `koji_build`.
 */
export const DEFAULT_SUBJECTS = 'item={type},productmd.compose.id=compose,nvr={type}|koji_build';

/** A data key in a rule: printable, no separator of the rule syntax. */
const RULE_KEY = /^[^\u0000-\u001f\u007f-\u009f\s:,=|{}]{1,255}$/u;
const NAME_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Parses RESULTSBUS_SUBJECTS; throws an Error saying what is wrong (config.ts names the variable). */
export function parseSubjectRules(text: string): SubjectRule[] {
  if (text.trim().toLowerCase() === 'none') return [];
  return text.split(',').map((part) => {
    const rule = part.trim();
    const eq = rule.indexOf('=');
    const nameKey = eq < 0 ? '' : rule.slice(0, eq).trim();
    const sources = eq < 0 ? [] : rule.slice(eq + 1).split('|').map((s) => s.trim());
    if (!RULE_KEY.test(nameKey) || sources.length === 0) {
      throw new Error(`${JSON.stringify(rule)} is not a rule NAME_KEY=TYPE (e.g. productmd.compose.id=compose or item={type})`);
    }
    const type = sources.map((s): TypeSource => {
      const key = /^\{(.*)\}$/.exec(s)?.[1];
      if (key !== undefined) {
        if (!RULE_KEY.test(key)) throw new Error(`${JSON.stringify(s)} in ${JSON.stringify(rule)} does not name a data key`);
        return { kind: 'key', key };
      }
      if (!RULE_KEY.test(s)) {
        throw new Error(`${JSON.stringify(s)} in ${JSON.stringify(rule)} is neither an item type (e.g. compose) nor a data key in braces (e.g. {type})`);
      }
      return { kind: 'literal', type: s };
    });
    return { nameKey, type };
  });
}

/** The one value of a data key that can be a name, if it has one. */
function oneName(data: ResultData, key: string): string | undefined {
  if (!Object.hasOwn(data, key)) return undefined;
  const raw = data[key];
  const value = typeof raw === 'string' ? raw : raw?.length === 1 ? raw[0] : undefined;
  // A string of 255 UTF-16 units or fewer has no more characters: most need no count.
  if (value === undefined || value.trim() === '' || NAME_CONTROL.test(value) || (value.length > 255 && [...value].length > 255)) return undefined;
  return value;
}

/** The subject the rules derive from `data`, or null when none fits. */
export function deriveSubject(data: ResultData, rules: readonly SubjectRule[]): Subject | null {
  for (const rule of rules) {
    const item = oneName(data, rule.nameKey);
    if (item === undefined) continue;
    for (const source of rule.type) {
      const type = source.kind === 'literal' ? source.type : oneName(data, source.key);
      if (type !== undefined) return { type, item };
    }
  }
  return null;
}
