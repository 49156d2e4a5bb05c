/** The filter inputs shared by result and emission reads and streams. */
import type { Builder, SchemaTypes } from '../builder.ts';
import { DEFAULT_MAX_ITEMS } from '../inputs.ts';
import type { Refs } from '../refs.ts';

/** How the name lists read: a single string is a list of one (GraphQL input coercion), so `item: "x"` works as before. */
export const ONE_OR_MANY = `A single string is a list of one; an empty list filters nothing out; at most ${DEFAULT_MAX_ITEMS} entries.`;

export function createFilters(builder: Builder, refs: Refs) {
  const fields = (t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, 'InputObject'>, what: string, time: string) => ({
    testcase: t.stringList({
      description: `Testcase names; any of them matches. Each exact, or a prefix when it ends with \`*\` (\`dist.*\`). ${ONE_OR_MANY}`,
    }),
    item: t.stringList({
      description: `Item names (build NVRs, update aliases, compose ids); any of them matches. Each exact, or a prefix when it ends with \`*\` (\`perl-Specio-*\`). ${ONE_OR_MANY}`,
    }),
    package: t.stringList({
      description: `Packages of the items (\`Item.package\`: \`perl-Specio\` for the build \`perl-Specio-0.25-1.fc26\`); any of them matches. Each exact, or a prefix when it ends with \`*\`. Only \`koji_build\` items have one. ${ONE_OR_MANY}`,
    }),
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
