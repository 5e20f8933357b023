#!/usr/bin/env node
// vmtopo command-line interface; the code is bundled to out/cli/main.cjs by `npm run build`.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../out/cli/main.cjs', import.meta.url));
if (!existsSync(bundle)) {
    // After `npm ci` alone the bundles do not exist yet: one line, not a missing-module stack trace.
    process.stderr.write('vmtopo: the command line is not built yet; run `npm run build` in the vmtopo folder first\n');
    process.exitCode = 2;
} else {
    createRequire(import.meta.url)(bundle);
}
