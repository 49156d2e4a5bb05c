import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the CLI and the tests, from the checked-in SDL.
 * `npm run schema` rewrites the SDL, then this runs (`npm run codegen`).
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['src/cli/**/*.ts', 'src/bridge/**/*.ts', 'test/**/*.ts', '!src/generated/**'],
  ignoreNoDocuments: true,
  generates: {
    'src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
