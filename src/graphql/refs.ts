/**
 * References to every GraphQL type, made before any is implemented so that
 * the per-type files can point at each other (Result -> Emission -> Result).
 */
import type { ItemView, TaskStateView } from '../items/queries.ts';
import type { TestcaseView } from '../results/queries.ts';
import type { EmissionView, ResultView } from '../results/views.ts';
import type { Builder } from './builder.ts';
import { DATABASE_READ } from './limits.ts';

export interface SchemaOptions {
  /** Outcome names of the `Outcome` enum, standard ones first. */
  outcomes: readonly string[];
  /** Largest `recordResults` batch, for the field's description. */
  maxBatch: number;
}

const OUTCOME_DESCRIPTIONS: Record<string, string> = {
  PASSED: 'The task passed.',
  FAILED: 'The task failed.',
  INFO: 'Informational; neither pass nor fail.',
  NEEDS_INSPECTION: 'A person has to look at the result.',
  ERROR: 'The task itself broke; says nothing about the item.',
  QUEUED: 'The task is waiting to run.',
  RUNNING: 'The task is running.',
  ABORTED: 'The task was stopped before it finished.',
};

export function createRefs(builder: Builder, options: SchemaOptions) {
  const Outcome = builder.enumType('Outcome', {
    description: 'What a task run concluded about an item. Extra values come from RESULTSBUS_EXTRA_OUTCOMES.',
    values: Object.fromEntries(
      options.outcomes.map((o) => [o, { value: o, description: OUTCOME_DESCRIPTIONS[o] ?? 'A configured extra outcome.' }]),
    ),
  });
  const Result = builder.objectRef<ResultView>('Result');
  const Emission = builder.objectRef<EmissionView>('Emission');
  const Item = builder.objectRef<ItemView>('Item');
  const Testcase = builder.objectRef<TestcaseView>('Testcase');
  const connection = <T extends typeof Result | typeof Emission | typeof Item | typeof Testcase>(type: T, what: string) =>
    builder.connectionObject(
      {
        type,
        name: `${type.name}Connection`,
        description: `A page of ${what}.`,
        fields: (t) => ({
          totalCount: t.int({
            description: `How many ${what} the connection's filter matches over all its pages (not only this one): one count in the database, run only when asked for.`,
            extensions: DATABASE_READ,
            resolve: (connection) => connection.totalCount(),
          }),
        }),
      },
      { name: `${type.name}Edge`, description: `One of ${what}, with its cursor.` },
    );
  return {
    Outcome,
    Result,
    Emission,
    Item,
    Testcase,
    TaskState: builder.objectRef<TaskStateView>('TaskState'),
    ResultConnection: connection(Result, 'results'),
    EmissionConnection: connection(Emission, 'emissions'),
    ItemConnection: connection(Item, 'items'),
    TestcaseConnection: connection(Testcase, 'testcases'),
  };
}

export type Refs = ReturnType<typeof createRefs>;
