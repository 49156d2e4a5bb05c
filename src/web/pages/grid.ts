/**
 * The package page's grid, as data: one column per build (in the order the
 * API gives them: newest first), one row per testcase and variant, a cell
 * per state.
 */
import { type VariantPair, variantText } from '../components/bits.tsx';

export interface GridBuild {
  id: string;
  type: string;
  name: string;
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
