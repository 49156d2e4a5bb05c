/**
 * The package page's grid, as data: one column per build (newest first), one
 * row per testcase and variant, a cell per state. Kept apart from the page so
 * that the API's `package` filter (issue 13, section 2) only changes where
 * the builds come from.
 */
import { packageOf } from '../routes.ts';
import { type VariantPair, variantText } from '../components/bits.tsx';

export interface GridBuild {
  id: string;
  type: string;
  name: string;
  createdAt: string;
  taskStates: ReadonlyArray<{
    id: string;
    testcase: string;
    variant: readonly VariantPair[];
    lastOutcome?: string | null;
    resultCount: number;
  }>;
}

export interface GridCell {
  outcome: string | null;
  resultCount: number;
  /** The task state's global ID: the build page finds its last result. */
  stateId: string;
}

export interface GridRow {
  key: string;
  testcase: string;
  variant: string;
  /** One per column, undefined where the build has no state for this row. */
  cells: Array<GridCell | undefined>;
}

export interface Grid {
  builds: GridBuild[];
  rows: GridRow[];
}

/** The builds of `pkg` among `items` (a prefix match also finds `pkg-foo`'s), newest first. */
export function buildsOf(pkg: string, items: readonly GridBuild[]): GridBuild[] {
  return items
    .filter((item) => packageOf(item.name) === pkg)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id)));
}

export function grid(builds: readonly GridBuild[]): Grid {
  const rows = new Map<string, GridRow>();
  builds.forEach((build, column) => {
    for (const state of build.taskStates) {
      const variant = variantText(state.variant);
      const key = `${state.testcase}\n${variant}`;
      let row = rows.get(key);
      if (row === undefined) {
        row = { key, testcase: state.testcase, variant, cells: new Array<GridCell | undefined>(builds.length).fill(undefined) };
        rows.set(key, row);
      }
      row.cells[column] = { outcome: state.lastOutcome ?? null, resultCount: state.resultCount, stateId: state.id };
    }
  });
  return { builds: [...builds], rows: [...rows.values()].sort((a, b) => a.testcase.localeCompare(b.testcase) || a.variant.localeCompare(b.variant)) };
}
