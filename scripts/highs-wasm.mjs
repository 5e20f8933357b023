// The HiGHS solver (npm `highs`, https://github.com/lovasoa/highs-js: HiGHS, https://highs.dev,
// compiled to WebAssembly) inside the bundles, so that the installed extension and the CLI use the
// exact planner without node_modules (the .vsix is packaged with `vsce package --no-dependencies`).
// The package's JavaScript is bundled; its highs.wasm is copied beside the bundle, where the planner
// finds it (language/src/features/plan/planner.ts, loadHighs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The WebAssembly file's name beside a bundle. */
export const HIGHS_WASM = 'highs.wasm';

/**
 * esbuild plugin for CommonJS bundles: `highs` resolves to the package's CommonJS build (its ES
 * module build reads import.meta.url, which a CommonJS bundle does not have).
 */
export const highsCommonJs = {
    name: 'highs-commonjs',
    setup(build) {
        build.onResolve({ filter: /^highs$/ }, () => ({ path: require.resolve('highs') }));
    }
};

/** Copies highs.wasm into each of `dirs` (created when missing). */
export function copyHighsWasm(...dirs) {
    const wasm = require.resolve('highs/runtime');
    for (const dir of dirs) {
        fs.mkdirSync(dir, { recursive: true });
        fs.copyFileSync(wasm, path.join(dir, HIGHS_WASM));
    }
}
