/**
 * `vmtopo plan` (the bundled CLI): the planned VMs go to stdout or -o, check clean with the host
 * they were planned on, say which method planned them; --report prints the stranded-capacity table;
 * a request that cannot be placed is one located PLAN003 error and nothing is written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/util.js';
import { ensureBundle } from '../support/lsp-server.js';
import { vmtopo as runVmtopo } from '../support/cli.js';

const EXAMPLE = path.join(REPO, 'examples/hgx-h200.vmtopo');

/** `vmtopo ARGS` in `cwd`, with a 2-minute hang watchdog (the exact model is the slowest part). */
const vmtopo = (args: string[], cwd: string = REPO) => runVmtopo(args, cwd, {}, 120_000);

let tmp: string;
beforeAll(() => {
    ensureBundle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-plan-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('vmtopo plan', () => {
    it('loads HiGHS from its own bundle, never from the node_modules of the folder it runs in', () => {
        // A folder (a cloned repository, say) with its own `highs` that leaves a mark when loaded.
        const folder = path.join(tmp, 'untrusted');
        const planted = path.join(folder, 'node_modules', 'highs');
        fs.mkdirSync(planted, { recursive: true });
        const mark = path.join(folder, 'loaded');
        fs.writeFileSync(path.join(planted, 'package.json'), '{"name":"highs","version":"1.0.0","main":"index.js"}\n');
        fs.writeFileSync(path.join(planted, 'index.js'), `require('node:fs').writeFileSync(${JSON.stringify(mark)}, 'x'); module.exports = () => { throw new Error('planted'); };\n`);
        fs.writeFileSync(path.join(folder, 'requests.vmtopo'), 'request small { gpu 1 any mig "1g.18gb" nic 1 per-gpu vf same-switch vcpus 4 memory 8 GiB count 1 }\n');
        const r = vmtopo(['plan', EXAMPLE, 'requests.vmtopo'], folder);
        expect(r.status).toBe(0);
        expect(r.stderr).toContain('planned by exact MILP (HiGHS)');
        expect(fs.existsSync(mark)).toBe(false);
    }, 120_000);

    it('places two MIG tenants on the example host with the exact model; the written VMs check clean', () => {
        const requests = path.join(tmp, 'tenants.vmtopo');
        fs.writeFileSync(requests, 'request small { gpu 1 any mig "1g.18gb" nic 1 per-gpu vf same-switch vcpus 4 memory 8 GiB count 2 }\n');
        const out = path.join(tmp, 'planned.vmtopo');
        const r = vmtopo(['plan', EXAMPLE, requests, '-o', out, '--report']);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain(`${out}\n`);
        expect(r.stderr).toBe('vmtopo: planned by exact MILP (HiGHS), optimal (gap 0 %); placed 2/2, locality cost 0, stranded 0.00 GPU-equivalents\n');
        expect(r.stdout).toMatch(/^host \| free GPUs \| free GPU-eq/m);
        expect(r.stdout).toMatch(/^fleet \| /m);
        const planned = fs.readFileSync(out, 'utf8');
        expect(planned.match(/^vm small-\d on sprocket \{$/gm)).toHaveLength(2);
        expect(planned).toMatch(/mig gpu6 "1g\.18gb" start \d/);
        const check = vmtopo(['check', EXAMPLE, out]);
        expect(check.stdout).toBe('0 errors, 0 warnings, 0 infos in 2 files\n');
    }, 120_000);

    it('a request the host cannot hold: one located PLAN003 error, exit 1, nothing written', () => {
        const requests = path.join(tmp, 'huge.vmtopo');
        fs.writeFileSync(requests, '\nrequest huge { gpu 8 "H200 SXM5 141GB" passthrough vcpus 16 memory 64 GiB }\n');
        const out = path.join(tmp, 'never.vmtopo');
        const r = vmtopo(['plan', EXAMPLE, requests, '-o', out]);
        expect(r.status).toBe(1);
        expect(r.stderr.split('\n')[0]).toBe(`${requests}:2:1 error PLAN003 huge: 1 of 1 VM cannot be placed; GPUs ran out first.`);
        expect(fs.existsSync(out)).toBe(false);
    }, 120_000);

    it('files with errors are refused before planning', () => {
        const requests = path.join(tmp, 'bad.vmtopo');
        fs.writeFileSync(requests, 'request bad { gpu 1 "H300" passthrough vcpus 2 memory 8 GiB }\n');
        const r = vmtopo(['plan', EXAMPLE, requests]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain('error PLAN001 Unknown GPU model "H300"');
        expect(r.stdout).toBe('');
    }, 120_000);
});
