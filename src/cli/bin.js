#!/usr/bin/env node
// The `resultsbus` command. The sources are TypeScript, run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./index.ts');
