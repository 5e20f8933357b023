// Bundles the VS Code extension (client) and the language server into out/ as CommonJS, which is
// what VS Code's extension host loads, and the CLI as ES modules with code splitting. Type-checking
// is separate (`npm run typecheck`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { copyHighsWasm, highsCommonJs } from './scripts/highs-wasm.mjs';
import { nodeBuiltins } from './scripts/node-builtins.mjs';
import { cliProtocol } from './scripts/cli-protocol.mjs';

const watch = process.argv.includes('--watch');
const ctx = await esbuild.context({
    entryPoints: {
        'client/extension': 'client/extension.ts',
        'server/main': 'server/main.ts',
        'server/diagram-worker': 'server/diagram-worker.ts'
    },
    outdir: 'out',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    external: ['vscode'],
    sourcemap: true,
    // the planner's MILP solver: its JavaScript bundled, its highs.wasm copied to out/server below
    plugins: [highsCommonJs],
    logLevel: 'warning'
});
// The CLI (bin/vmtopo.js imports out/cli/main.mjs): ES modules split into chunks, so that each
// command loads only its own code when it runs — `--help` neither the language nor the writers,
// `check` neither the writers nor elkjs (language/src/cli/cli.ts imports each command's module when
// it runs). The chunks of earlier builds are removed after the build (stale: their names hold the
// hash of their content). Node's built-ins come from `process.getBuiltinModule`, not as ES-module
// imports (scripts/node-builtins.mjs: no facade of each built-in, crypto and child_process loaded
// when first used). The banner gives each chunk a `require` for what the CommonJS packages inside
// still ask for at run time. out/cli/chunks.json records, per written file, its static imports and
// the sources it holds (test/cli/bundle.test.ts reads it: what each command loads).
const removeStaleChunks = {
    name: 'remove-stale-chunks',
    setup(build) {
        build.onEnd(result => {
            if (!result.metafile || result.errors.length > 0 || !fs.existsSync('out/cli/chunks')) return;
            const written = new Set(Object.keys(result.metafile.outputs).map(file => path.resolve(file)));
            for (const name of fs.readdirSync('out/cli/chunks')) {
                const file = path.resolve('out/cli/chunks', name);
                if (!written.has(file)) fs.rmSync(file, { force: true });
            }
            const chunks = Object.fromEntries(Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.mjs')).map(([file, out]) => [
                path.relative('out/cli', file),
                {
                    entryPoint: out.entryPoint,
                    imports: out.imports.filter(i => i.kind === 'import-statement').map(i => path.relative('out/cli', i.path)),
                    inputs: Object.keys(out.inputs)
                }
            ]));
            fs.writeFileSync('out/cli/chunks.json', `${JSON.stringify(chunks)}\n`);
        });
    }
};
// `import text from './file.sh?raw'`: the file's text (the collector script of `vmtopo collect`), as Vite loads it in the tests.
const rawText = {
    name: 'raw-text',
    setup(build) {
        build.onResolve({ filter: /\?raw$/ }, args => ({ path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
        build.onLoad({ filter: /.*/, namespace: 'raw-text' }, args => ({ contents: fs.readFileSync(args.path, 'utf8'), loader: 'text' }));
    }
};
// package.json in the CLI bundle: its name and version only (language/src/cli/cli.ts reads the
// version), not the 47 KB of the extension's manifest as an object literal in main.mjs.
const packageVersion = {
    name: 'package-version',
    setup(build) {
        build.onLoad({ filter: /[\\/]package\.json$/ }, args => {
            if (args.path !== path.resolve('package.json')) return undefined;
            const { name, version } = JSON.parse(fs.readFileSync(args.path, 'utf8'));
            return { contents: JSON.stringify({ name, version }), loader: 'json' };
        });
    }
};
const cli = await esbuild.context({
    entryPoints: { main: 'language/src/cli/main.ts' },
    outdir: 'out/cli',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    sourcemap: true,
    banner: { js: 'const require = process.getBuiltinModule("module").createRequire(import.meta.url);' },
    metafile: true,
    plugins: [removeStaleChunks, rawText, nodeBuiltins, cliProtocol, packageVersion],
    // a name that a module imports and nobody exports (e.g. a class from a lazy built-in) fails the build
    logOverride: { 'import-is-undefined': 'error' },
    logLevel: 'warning'
});
// The topology webview's script: browser code, one IIFE with @panzoom/panzoom (client/topology/webview).
const webview = await esbuild.context({
    entryPoints: { 'webview/topology': 'client/topology/webview/main.ts' },
    outdir: 'out',
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning'
});
if (watch) {
    await ctx.watch();
    await cli.watch();
    await webview.watch();
} else {
    for (const c of [ctx, cli, webview]) {
        await c.rebuild();
        await c.dispose();
    }
}
// HiGHS' WebAssembly beside the server bundle and the CLI's (scripts/highs-wasm.mjs).
copyHighsWasm('out/server', 'out/cli');
