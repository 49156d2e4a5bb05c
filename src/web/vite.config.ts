/**
 * Builds the dashboard (src/web) into dist/web: `npm run build:web`, which
 * the prepare script runs on every `npm install` and `npm ci`. Beside the
 * assets it writes build.json with the hash of the source it was built from
 * (src/dashboard/source.ts), which `serve` and test/web/build.test.ts check.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { BUILD_INFO, type BuildInfo, sourceHash, WEB_BUILD, WEB_SOURCE } from '../dashboard/source.ts';

function buildInfo(): Plugin {
  return {
    name: 'resultsbus-build-info',
    apply: 'build',
    closeBundle() {
      const info: BuildInfo = { sourceHash: sourceHash(), builtAt: new Date().toISOString() };
      writeFileSync(join(WEB_BUILD, BUILD_INFO), `${JSON.stringify(info)}\n`);
    },
  };
}

export default defineConfig({
  root: WEB_SOURCE,
  plugins: [buildInfo()],
  // Preact's JSX runtime through esbuild, which Vite already uses for TypeScript: no Babel plugin needed.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: WEB_BUILD,
    emptyOutDir: true,
    target: 'es2022',
    // The page weight test reads the gzipped sizes; a report on every install is noise.
    reportCompressedSize: false,
  },
  logLevel: 'warn',
  clearScreen: false,
});
