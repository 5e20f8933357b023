/**
 * "Place this request" (editor/plan-actions.ts): on a request block, the code action inserts the
 * planned VMs after it; the document then checks without errors or warnings. No action where the
 * request cannot be placed or the cursor is not on a request.
 */
import { describe, expect, it } from 'vitest';
import type { CodeAction } from 'vscode-languageserver';
import { build, readRepoFile } from '../support/util.js';
import { at } from '../support/fixtures.js';
import { apply } from '../support/quick-fixes.js';

const EXAMPLE = readRepoFile('examples/hgx-h200.vmtopo');

async function actionsAt(text: string, needle: string): Promise<CodeAction[]> {
    const ws = await build(text);
    const doc = ws.documents[0];
    const position = at(text, needle);
    const result = await ws.services.vmtopo.lsp.CodeActionProvider!.getCodeActions(doc, {
        textDocument: { uri: doc.uri.toString() }, range: { start: position, end: position }, context: { diagnostics: [] }
    });
    return ((result ?? []) as CodeAction[]).filter(a => a.title.startsWith('Place this request'));
}

describe('Place this request', () => {
    it('inserts the planned VMs after the request; the result has no errors or warnings', async () => {
        const text = `${EXAMPLE}\nrequest small { gpu 1 any mig "1g.18gb" nic 1 per-gpu vf same-switch vcpus 4 memory 8 GiB count 2 }\n`;
        const actions = await actionsAt(text, 'request small');
        expect(actions.map(a => a.title)).toEqual(['Place this request (2 VMs, exact MILP)']);
        const after = apply(text, actions[0]);
        expect(after).toContain('request small { gpu 1 any mig "1g.18gb" nic 1 per-gpu vf same-switch vcpus 4 memory 8 GiB count 2 }\n\n/**\n * Planned by vmtopo plan from request small');
        expect(after.match(/^vm small-\d on sprocket \{$/gm)).toHaveLength(2);
        const diagnostics = (await build(after)).diagnostics().filter(d => (d.severity ?? 1) <= 2);
        expect(diagnostics.map(d => d.code)).toEqual([]);
    }, 60_000);

    it('is not offered for a request that cannot be placed, nor outside a request', async () => {
        const text = `${EXAMPLE}\nrequest huge { gpu 8 "H200 SXM5 141GB" passthrough vcpus 16 memory 64 GiB }\n`;
        expect(await actionsAt(text, 'request huge')).toEqual([]);
        expect(await actionsAt(text, 'host sprocket')).toEqual([]);
    }, 60_000);
});

describe('Re-plan this VM (Refactor menu, on LOC, NIC and MIG diagnostics)', () => {
    it('moves a VM whose NIC is on the other socket to the NIC on its GPU\'s switch; the result checks clean', async () => {
        const stray = `
vm stray on sprocket {
    vcpus 8 pin 100-103,228-231
    memory 32 GiB on numa 1
    gpu gpu7 passthrough
    nic mlx5_3 passthrough
    mmio 512 GiB
}
`;
        const text = EXAMPLE + stray;
        const ws = await build(text);
        const doc = ws.documents[0];
        const nic001 = ws.diagnostics().find(d => d.code === 'NIC001' && typeof d.message === 'string' && d.message.startsWith('mlx5_3'))!;
        expect(nic001).toBeDefined();
        const provider = ws.services.vmtopo.lsp.CodeActionProvider!;
        const quickFixes = (await provider.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: nic001.range, context: { diagnostics: [nic001], only: ['quickfix'] } }) ?? []) as CodeAction[];
        expect(quickFixes.some(a => a.title.startsWith('Re-plan'))).toBe(false);
        const refactors = (await provider.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range: nic001.range, context: { diagnostics: [nic001], only: ['refactor'] } }) ?? []) as CodeAction[];
        const replan = refactors.find(a => a.title.startsWith('Re-plan stray'))!;
        expect(replan.title).toBe('Re-plan stray (exact MILP, locality cost 0)');
        const after = apply(text, replan);
        expect(after).toContain('vm stray on sprocket {\n    vcpus 8 pin ');
        expect(after).toMatch(/gpu gpu7 passthrough\n {4}nic mlx5_6 passthrough/);
        const remaining = (await build(after)).diagnostics().filter(d => (d.severity ?? 1) <= 2).map(d => d.code);
        expect(remaining).toEqual([]);
    }, 60_000);
});
