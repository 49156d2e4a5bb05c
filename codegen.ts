import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = { DateTime: 'string', JSON: 'unknown' };
const typesConfig = {
  useTypeImports: true,
  enumsAsTypes: true,
  emitLegacyCommonJSImports: false,
  scalars,
};

/**
 * Typed documents from the checked-in SDL: one set for the CLI and the tests,
 * one for the dashboard (src/web), apart so that the browser bundle carries
 * only its own operations. `npm run schema` rewrites the SDL, then this runs
 * (`npm run codegen`).
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'src/generated/': {
      documents: ['src/cli/**/*.ts', 'src/bridge/**/*.ts', 'test/**/*.ts', '!src/generated/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typesConfig,
    },
    'src/web/generated/': {
      documents: ['src/web/**/*.{ts,tsx}', '!src/web/generated/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typesConfig,
    },
  },
};

export default config;
