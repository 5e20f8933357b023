/**
 * HiGHS as the installed extension loads it: the planner's solver loader (planner.ts, loadHighs)
 * bundled as the server is (CommonJS, esbuild.mjs with scripts/highs-wasm.mjs: the package's
 * JavaScript inside the bundle, highs.wasm copied beside it), run from a folder outside the
 * repository, where Node's resolution finds no node_modules, and solving a tiny integer model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { copyHighsWasm, highsCommonJs, HIGHS_WASM } from '../../../scripts/highs-wasm.mjs';

const REPO = path.resolve(__dirname, '../../..');

/** max x + 2y, x + y ≤ 3, y ≤ 1.5, x, y integer: optimum 4 at (2, 1) (the relaxation's is 4.5). */
const MODEL = 'Maximize\n obj: x + 2 y\nSubject To\n c1: x + y <= 3\n c2: y <= 1.5\nGeneral\n x y\nEnd';

describe('HiGHS bundled like the server', () => {
    let dir: string;
    let bundle: string;
    const run = () => spawnSync(process.execPath, [bundle], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });

    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-highs-'));
        bundle = path.join(dir, 'server.cjs');
        await esbuild.build({
            stdin: {
                contents: `import { loadHighs } from './language/src/features/plan/planner.ts';
loadHighs().then(h => { const s = h.solve(${JSON.stringify(MODEL)}); console.log(JSON.stringify({ status: s.Status, objective: s.ObjectiveValue, x: s.Columns.x.Primal, y: s.Columns.y.Primal })); },
    e => { console.log(JSON.stringify({ error: String(e) })); });`,
                resolveDir: REPO, loader: 'ts'
            },
            outfile: bundle, bundle: true, format: 'cjs', platform: 'node', target: 'node22', logLevel: 'error',
            plugins: [highsCommonJs]
        });
        copyHighsWasm(dir);
    }, 60_000);
    afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    it('finds highs.wasm beside the bundle, outside node_modules, and solves a small integer model', () => {
        const out = run();
        expect(out.status, out.stderr).toBe(0);
        expect(JSON.parse(out.stdout)).toEqual({ status: 'Optimal', objective: 4, x: 2, y: 1 });
    });

    it('has no other source of the WebAssembly there: without the copy, loading fails (and the planner falls back)', () => {
        fs.rmSync(path.join(dir, HIGHS_WASM));
        const out = run();
        expect(out.status, out.stderr).toBe(0);
        expect(JSON.parse(out.stdout).error).toBeTruthy();
    });
});
