/**
 * The package of an item: for a `koji_build`, the name part of its N-V-R
 * (`perl-Specio-0.25-1.fc26` -> `perl-Specio`), what the package pages and
 * the `package` filters group builds by.
 *
 * The database stores it in `items.package`, a column generated from the
 * same rule (`PACKAGE_SQL` in src/db/schema.ts), so that every row, old or
 * new, whichever road created it, has it, and the filters use its index.
 * This function is the rule for rows in memory: the live streams match the
 * emissions and results they hand out against a `package` filter with it.
 * test/graphql/dashboard.test.ts checks that both agree.
 *
 * Only `koji_build` names are N-V-Rs. A `bodhi_update` alias
 * (`FEDORA-2026-0a1b2c3d4e`) or a compose id has no package: taking the
 * last two parts off them would make up a name that is no package.
 */

/** The item type whose names are N-V-Rs. */
export const NVR_TYPE = 'koji_build';

/** Name, then version and release: the last two `-`-separated parts, neither empty. */
const NVR = /^(.+)-[^-]+-[^-]+$/s;

/** The name part of an N-V-R (`perl-Specio` for `perl-Specio-0.25-1.fc26`); null when `nvr` is none. */
export function nameOfNvr(nvr: string): string | null {
  return NVR.exec(nvr)?.[1] ?? null;
}

/** The package of an item of `type` named `name`; null when it is no `koji_build` or its name is no N-V-R. */
export function packageOf(type: string | null, name: string | null): string | null {
  if (type !== NVR_TYPE || name === null) return null;
  return nameOfNvr(name);
}
