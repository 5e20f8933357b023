/**
 * `vmtopo export libvirt FILE --vm VM --into my-domain.xml [-o DIR]` (cli.ts, export-command.ts),
 * run in-process: the merged domain is written to the output folder as `<vm>.domain.xml` and its
 * path printed; a user domain that conflicts is refused with `file:line:col` as the user gave the
 * file, exit 1, and nothing written. The merge itself: test/features/export/libvirt-merge.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../language/src/cli/cli.js';
import { REPO } from '../support/util.js';

const EXAMPLE = path.join(REPO, 'examples', 'hgx-h200.vmtopo');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'libvirt-merge');

let tmp: string;
beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-into-'));
    for (const f of ['virtio-bridge.xml', 'conflicting-hostdev.xml']) fs.copyFileSync(path.join(FIXTURES, f), path.join(tmp, f));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `vmtopo ARGS` in `tmp`: exit code, stdout, stderr. */
async function vmtopo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, cwd: tmp, env: {} };
    const code = await runCli(['node', 'vmtopo', ...args], io);
    return { code, stdout, stderr };
}

describe('vmtopo export libvirt --into', () => {
    it('writes the VM merged into the user\'s domain to the output folder, and leaves the user\'s file as it was', async () => {
        const run = await vmtopo('export', 'libvirt', EXAMPLE, '--vm', 'infer-b', '--into', 'virtio-bridge.xml', '-o', 'merged');
        expect(run.stderr).toBe('');
        expect(run.stdout).toBe(`${path.join('merged', 'infer-b.domain.xml')}\n`);
        expect(run.code).toBe(0);
        const merged = fs.readFileSync(path.join(tmp, 'merged', 'infer-b.domain.xml'), 'utf8');
        expect(merged).toContain('<name>db01</name>');
        expect(merged).toContain("<alias name='ua-vmtopo-gpu4'/>");
        expect(fs.readFileSync(path.join(tmp, 'virtio-bridge.xml'), 'utf8')).toBe(fs.readFileSync(path.join(FIXTURES, 'virtio-bridge.xml'), 'utf8'));
    }, 60_000);

    it('refuses a conflicting domain with file:line:col as given, exit 1, nothing written', async () => {
        const run = await vmtopo('export', 'libvirt', EXAMPLE, '--vm', 'train-a', '--into', 'conflicting-hostdev.xml', '-o', 'refused');
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/^vmtopo: export refused: conflicting-hostdev\.xml:85:5: your <hostdev> of host device 0000:19:00\.0 has <rom>.*; nothing was written$/m);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(fs.existsSync(path.join(tmp, 'refused'))).toBe(false);
    }, 60_000);

    it('says in the help what --into does', async () => {
        const run = await vmtopo('export', '--help');
        expect(run.stdout).toMatch(/--into <domain\.xml>\s+libvirt only: merge the VM into your own domain XML/);
    });
});
