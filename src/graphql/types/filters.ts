/** The filter inputs shared by result and emission reads and streams. */
import type { Builder, SchemaTypes } from '../builder.ts';
import type { Refs } from '../refs.ts';

export function createFilters(builder: Builder, refs: Refs) {
  const fields = (t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, 'InputObject'>, what: string, time: string) => ({
    testcase: t.string({ description: 'Testcase name, exact; or a prefix when it ends with `*` (`dist.*`).' }),
    item: t.string({ description: 'Item name (a build NVR, an update alias, a compose id), exact.' }),
    type: t.string({ description: 'Item type, such as `koji_build`.' }),
    arch: t.string({ description: 'Arch, exact.' }),
    outcome: t.field({ type: [refs.Outcome], description: 'One or several outcomes; any of them matches.' }),
    since: t.field({ type: 'DateTime', description: `Only ${what}s ${time} at or after this time.` }),
    until: t.field({ type: 'DateTime', description: `Only ${what}s ${time} at or before this time.` }),
    group: t.string({ description: `Only ${what}s of results recorded with this group.` }),
  });

  const ResultFilter = builder.inputType('ResultFilter', {
    description: 'Which results to return; all given fields must match.',
    fields: (t) => fields(t, 'result', 'submitted'),
  });

  const EmissionFilter = builder.inputType('EmissionFilter', {
    description: 'Which emissions to return or stream; all given fields must match.',
    fields: (t) => fields(t, 'emission', 'created'),
  });

  return { ResultFilter, EmissionFilter };
}

export type Filters = ReturnType<typeof createFilters>;
