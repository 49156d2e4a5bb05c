/**
 * The schema as clients see it: the checked-in SDL is the one the code
 * builds, and every type, field, argument and enum value says what it is.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printSdl } from '../../src/cli/schema.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

interface Described {
  name: string;
  description: string | null;
}
interface IntrospectedField extends Described {
  args: Described[];
}
interface IntrospectedType extends Described {
  kind: string;
  fields: IntrospectedField[] | null;
  inputFields: Described[] | null;
  enumValues: Described[] | null;
}

const Introspect = `
  query SchemaDescriptions {
    __schema {
      types {
        kind name description
        fields { name description args { name description } }
        inputFields { name description }
        enumValues { name description }
      }
    }
  }
`;

const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

describe('the schema', () => {
  let server: TestServer;
  beforeAll(async () => {
    // An extra outcome, so that configured enum values are checked too.
    server = await startServer({ env: { RESULTSBUS_EXTRA_OUTCOMES: 'WAIVED' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('schema/schema.graphql is what the code prints (run `npm run schema` when this fails)', () => {
    const checkedIn = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(printSdl());
  });

  it('describes every type, field, argument, input field and enum value', async () => {
    const { __schema } = await server.data<{ __schema: { types: IntrospectedType[] } }>(Introspect, {}, { token: null });
    const ours = __schema.types.filter((t) => !t.name.startsWith('__') && !BUILT_IN.has(t.name));
    // The walk below must have something to walk.
    expect(ours.map((t) => t.name)).toEqual(
      expect.arrayContaining(['Query', 'Mutation', 'Subscription', 'Result', 'Emission', 'Item', 'TaskState', 'Testcase', 'Outcome']),
    );
    const missing: string[] = [];
    const check = (where: string, d: Described): void => {
      if (d.description === null || d.description.trim() === '') missing.push(where);
    };
    for (const type of ours) {
      check(type.name, type);
      for (const field of type.fields ?? []) {
        check(`${type.name}.${field.name}`, field);
        for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg);
      }
      for (const field of type.inputFields ?? []) check(`${type.name}.${field.name}`, field);
      for (const value of type.enumValues ?? []) check(`${type.name}.${value.name}`, value);
    }
    expect(missing).toEqual([]);
  });
});
