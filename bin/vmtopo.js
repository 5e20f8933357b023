#!/usr/bin/env node
// vmtopo command-line interface; the code is bundled to out/cli/main.cjs by `npm run build`.
import { createRequire } from 'node:module';
createRequire(import.meta.url)('../out/cli/main.cjs');
