// Bundles the extension-host suite (test/e2e/suite/*.ts) into out/e2e/suite/*.cjs and the
// @vscode/test-electron entry (test/e2e/runTest.ts) into out/e2e/runTest.cjs. `vscode` is the
// extension host's own module and mocha is loaded from node_modules at run time (both external).
// usage: node test/e2e/build.mjs   (after node esbuild.mjs, which builds the extension itself)
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const suite = path.join(here, 'suite');
const entryPoints = Object.fromEntries([
    ...fs.readdirSync(suite).filter(f => f.endsWith('.ts') && f !== 'helpers.ts')
        .map(f => [`suite/${f.replace(/\.ts$/, '')}`, path.join(suite, f)]),
    ['runTest', path.join(here, 'runTest.ts')]
]);
fs.rmSync(path.join(repo, 'out/e2e'), { recursive: true, force: true });
await esbuild.build({
    entryPoints,
    outdir: path.join(repo, 'out/e2e'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    external: ['vscode', 'mocha', '@vscode/test-electron'],
    sourcemap: 'inline',
    logLevel: 'warning'
});
