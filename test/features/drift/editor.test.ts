/**
 * The editor's drift: the language server's `vmtopo.drift` command loads a bundle; the documents of
 * its host then carry the findings as diagnostics, each with its verified quick-fix "accept the live
 * value" (the code-action provider's one mechanism); applying it makes the finding go away. A bundle
 * it refuses is an answer with one line, and no diagnostic appears.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction } from 'vscode-languageserver';
import { DRIFT_COMMAND, type DriftCommandResult } from '../../../language/src/protocol.js';
import { clearDriftBundles } from '../../../language/src/features/drift/session.js';
import { exportVm } from '../../../language/src/features/export/index.js';
import { buildWorkspace, readRepoFile, type Workspace } from '../../support/util.js';
import { actionsOf, apply } from '../../support/quick-fixes.js';
import { bundleFiles, libvirtDomains, tarBundle, tempDir } from '../../support/drift-bundles.js';

const TEXT = readRepoFile('examples/hgx-h200.vmtopo');
let tmp: string;
let perturbed: string;
let untouched: string;

beforeAll(async () => {
    tmp = tempDir();
    const ws = await buildWorkspace({ 'hgx-h200.vmtopo': TEXT });
    const xmls = new Map(ws.resolved().topology.vms.map(v => [v.name, exportVm(v, 'libvirt')]));
    untouched = path.join(tmp, 'sprocket.tar');
    fs.writeFileSync(untouched, tarBundle(tmp, bundleFiles('sprocket', { domains: libvirtDomains(tmp, xmls) })));
    const tenantC = xmls.get('tenant-c')!.replace('<emulatorpin cpuset="66,194"/>', '<emulatorpin cpuset="67,195"/>');
    perturbed = path.join(tmp, 'sprocket-perturbed.tar');
    fs.writeFileSync(perturbed, tarBundle(tmp, bundleFiles('sprocket', { domains: libvirtDomains(tmp, new Map([...xmls, ['tenant-c', tenantC]])) })));
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => clearDriftBundles());

async function runDrift(ws: Workspace, bundle: string, clear = false): Promise<DriftCommandResult> {
    return await ws.services.shared.lsp.ExecuteCommandHandler!.executeCommand(DRIFT_COMMAND, [{ bundle, clear }]) as DriftCommandResult;
}

const drifts = (ws: Workspace) => ws.diagnostics().filter(d => String(d.code).startsWith('DRIFT'));

describe('vmtopo.drift in the language server', () => {
    it('is announced with the other commands', async () => {
        const ws = await buildWorkspace({ 'hgx-h200.vmtopo': TEXT });
        expect(ws.services.shared.lsp.ExecuteCommandHandler!.commands).toContain(DRIFT_COMMAND);
    });

    it('an untouched bundle: ok, no drift diagnostic', async () => {
        const ws = await buildWorkspace({ 'hgx-h200.vmtopo': TEXT });
        const result = await runDrift(ws, untouched);
        expect(result).toMatchObject({ ok: true, host: 'sprocket', findings: 0 });
        expect(drifts(ws)).toEqual([]);
    });

    it('a perturbed bundle: the finding as a diagnostic at the emulator pin list, its quick-fix verified and applied removes it', async () => {
        const ws = await buildWorkspace({ 'hgx-h200.vmtopo': TEXT });
        expect(await runDrift(ws, perturbed)).toMatchObject({ ok: true, host: 'sprocket', findings: 1 });
        const [d] = drifts(ws);
        expect(d.code).toBe('DRIFT011');
        expect(ws.documents[0].textDocument.getText(d.range)).toBe('66,194');
        expect((d.data as { command: string }).command).toMatch(/^virsh -r dumpxml --inactive /);
        const actions: CodeAction[] = await actionsOf(ws, [d]);
        expect(actions.map(a => a.title)).toEqual(['Accept the live value: 67,195']);
        const after = apply(TEXT, actions[0]);
        expect(after).toContain('emulator pin 67,195');
        // the edited file against the same bundle: no drift left
        const again = await buildWorkspace({ 'hgx-h200.vmtopo': after });
        expect(await runDrift(again, perturbed)).toMatchObject({ ok: true, findings: 0 });
        expect(drifts(again)).toEqual([]);
    });

    it('clear: the findings go away', async () => {
        const ws = await buildWorkspace({ 'hgx-h200.vmtopo': TEXT });
        await runDrift(ws, perturbed);
        expect(drifts(ws)).toHaveLength(1);
        expect(await runDrift(ws, perturbed, true)).toMatchObject({ ok: true, host: 'sprocket' });
        expect(drifts(ws)).toEqual([]);
    });

    it('a truncated bundle: ok false with one line; no diagnostic', async () => {
        const ws = await buildWorkspace({ 'hgx-h200.vmtopo': TEXT });
        const cut = path.join(tmp, 'cut.tar');
        fs.writeFileSync(cut, fs.readFileSync(perturbed).subarray(0, 2000));
        const result = await runDrift(ws, cut);
        expect(result.ok).toBe(false);
        expect(result.message).toMatch(/cut\.tar: truncated: [^\n]+$/);
        expect(drifts(ws)).toEqual([]);
    });
});
