/**
 * Quick-fixes computed by the MIG, vGPU, MMIO and LIC checks (`data.fixes`), through the language
 * server's code-action provider (which verifies each before offering it): before/after text, and
 * the after text has no diagnostic of the rule and no error the before text did not have. The six
 * cases of issue 7's second paragraph are each an error with a fix.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { buildWorkspace, build } from '../support/util.js';
import { ESXI_HOST, HOST, vmWith } from '../support/fixtures.js';
import { messageText } from '../../language/src/kernel/diagnostics.js';

/** The verified actions for the first diagnostic of `code` in `text`. */
async function actionsFor(text: string, code: string): Promise<{ diagnostic: Diagnostic; actions: CodeAction[] }> {
    const ws = await buildWorkspace({ 'main.vmtopo': text });
    const diagnostic = ws.diagnostics().find(d => d.code === code);
    if (!diagnostic) throw new Error(`no ${code} in:\n${text}\n${JSON.stringify(ws.diagnostics().map(d => [d.code, d.message]))}`);
    const document = ws.documents[0];
    const provider = ws.services.vmtopo.lsp.CodeActionProvider!;
    const result = await provider.getCodeActions(document, {
        textDocument: { uri: document.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] }
    });
    return { diagnostic, actions: (result ?? []) as CodeAction[] };
}

function apply(text: string, action: CodeAction): string {
    const doc = TextDocument.create('file:///ws/main.vmtopo', 'vmtopo', 1, text);
    const edits = Object.values(action.edit?.changes ?? {})[0] ?? [];
    return TextDocument.applyEdits(doc, edits);
}

/** Applies the action titled `title` (or the first) and checks the rule is gone and no new error appeared. */
async function fixes(before: string, code: string, title?: string | RegExp): Promise<{ after: string; titles: string[] }> {
    const { actions } = await actionsFor(before, code);
    const titles = actions.map(a => a.title);
    const action = title === undefined ? actions[0] : actions.find(a => (typeof title === 'string' ? a.title === title : title.test(a.title)));
    expect(action, `${code}: offered ${JSON.stringify(titles)}`).toBeDefined();
    const after = apply(before, action!);
    const errors = (t: string) => build(t).then(ws => ws.diagnostics());
    const beforeErrors = new Set((await errors(before)).filter(d => d.severity === 1).map(d => `${String(d.code)}|${messageText(d)}`));
    const afterDiagnostics = await errors(after);
    expect(afterDiagnostics.filter(d => d.code === code)).toEqual([]);
    expect(afterDiagnostics.filter(d => d.severity === 1 && !beforeErrors.has(`${String(d.code)}|${messageText(d)}`))).toEqual([]);
    return { after, titles };
}

const vm = (host: string, clauses: string, extra = '') => vmWith(host, clauses, extra, 64);

describe('issue 7, second paragraph: each case is an error with a fix', () => {
    it('two 4g.71gb on one H200 (MIG003): keeps one', async () => {
        const before = vm(HOST, 'mig gpu0 "4g.71gb"\nmig gpu0 "4g.71gb"');
        const { after, titles } = await fixes(before, 'MIG003');
        expect(titles).toEqual(['Keep the largest MIG layout that fits on gpu0: remove 4g.71gb (a)']);
        expect(after).toBe(before.replace('    mig gpu0 "4g.71gb"\n', ''));
    });
    it('7g.141gb + 1g.18gb (MIG004): removes the 1g', async () => {
        const before = vm(HOST, 'mig gpu0 "7g.141gb"\nmig gpu0 "1g.18gb"');
        const { after } = await fixes(before, 'MIG004');
        expect(after).toBe(before.replace('    mig gpu0 "1g.18gb"\n', ''));
    });
    it('two H200X-141C (VGPU002): removes the second', async () => {
        const before = vm(HOST, 'vgpu gpu0 "H200X-141C"\nvgpu gpu0 "H200X-141C"');
        const { after, titles } = await fixes(before, 'VGPU002');
        expect(titles).toEqual(['Remove 1 × H200X-141C beyond the maximum of 1 on gpu0']);
        expect(after).toBe(before.replace('    vgpu gpu0 "H200X-141C"\n    vgpu', '    vgpu'));
    });
    it('three H200X-70C in one clause (VGPU002): the clause keeps two', async () => {
        const before = vm(HOST, 'vgpu gpu0, gpu0, gpu0 "H200X-70C"');
        const { after } = await fixes(before, 'VGPU002');
        expect(after).toBe(before.replace('gpu0, gpu0, gpu0', 'gpu0, gpu0'));
    });
    it('H200X-28C beside H200X-35C in equal-size mode (VGPU003): sets gpu0 to mixed-size', async () => {
        const before = vm(HOST, 'vgpu gpu0 "H200X-28C"\nvgpu gpu0 "H200X-35C"');
        const { after, titles } = await fixes(before, 'VGPU003');
        expect(titles).toEqual(['Set gpu0 to vgpu-mode mixed-size']);
        expect(after).toBe(before.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mixed-size'));
    });
    it('seven H200X-1-18C + two H200X-1-18CME (VGPU007): drops both CME (the largest layout that fits)', async () => {
        const before = vm(HOST, 'vgpu gpu0, gpu0, gpu0, gpu0, gpu0, gpu0, gpu0 "H200X-1-18C"\nvgpu gpu0, gpu0 "H200X-1-18CME"');
        const { after } = await fixes(before, 'VGPU007');
        expect(after).toBe(before.replace('    vgpu gpu0, gpu0 "H200X-1-18CME"\n', ''));
    });
});

describe('MIG quick-fixes', () => {
    it('MIG005: moves 3g.71gb from slot 2 to the nearest free valid slot', async () => {
        const before = vm(HOST, 'mig gpu0 "3g.71gb" start 2\nmig gpu0 "3g.71gb" start 4');
        const { after, titles } = await fixes(before, 'MIG005', 'Move 3g.71gb to start slot 0');
        expect(titles[0]).toBe('Move 3g.71gb to start slot 0');
        expect(after).toBe(before.replace('start 2', 'start 0'));
    });
    it('MIG006: changes the extra +me instance to the plain profile', async () => {
        const before = vm(HOST, 'mig gpu0 "1g.18gb+me"\nmig gpu0 "1g.18gb+me"');
        const { after } = await fixes(before, 'MIG006', 'Use 1g.18gb (without media engines)');
        expect(after).toBe(before.replace('mig gpu0 "1g.18gb+me"\n    }', '').replace(/(mig gpu0 "1g.18gb\+me"\n {4}mig gpu0 )"1g.18gb\+me"/, '$1"1g.18gb"'));
    });
    it('one clause with several GPUs loses only the removed reference', async () => {
        const before = vm(HOST, 'mig gpu1, gpu0 "4g.71gb"\nmig gpu0 "4g.71gb"');
        const { after } = await fixes(before, 'MIG003');
        expect(after).toBe(before.replace('    mig gpu0 "4g.71gb"\n', ''));
    });
});

describe('vGPU quick-fixes', () => {
    it('VGPU001: one action per valid type, same frame buffer first', async () => {
        const before = vm(HOST, 'vgpu gpu0 "H100XM-70C"');
        const { actions } = await actionsFor(before, 'VGPU001');
        expect(actions[0].title).toBe('Use H200X-70C (70 GB, time-sliced)');
        expect(actions.length).toBeGreaterThan(1);
        const { after } = await fixes(before, 'VGPU001', 'Use H200X-70C (70 GB, time-sliced)');
        expect(after).toBe(before.replace('"H100XM-70C"', '"H200X-70C"'));
    });
    it('VGPU004: removes the last vGPU that overflows the mixed-size layout', async () => {
        const before = vm(HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mixed-size'), 'vgpu gpu0, gpu0 "H200X-70C"\nvgpu gpu0 "H200X-35C"');
        const { after } = await fixes(before, 'VGPU004');
        expect(after).toBe(before.replace('    vgpu gpu0 "H200X-35C"\n', ''));
    });
    it('VGPU011: changes a P2P VM\'s vGPU to the full-size type', async () => {
        const before = vm(HOST, 'vgpu gpu0 "H200X-141C"\nvgpu gpu1 "H200X-70C"', '    p2p\n');
        const { after } = await fixes(before, 'VGPU011');
        expect(after).toBe(before.replace('"H200X-70C"', '"H200X-141C"'));
    });
    it('VGPU014: converts ESXi passthrough of an HGX GPU into the full-size vGPU', async () => {
        const host = ESXI_HOST.replace('platform esxi', 'platform esxi 8.0u3').replace('    nic nic2', '    nvswitch nvs0 at 0000:05:00.0 on cpu0\n    nic nic2');
        const before = host + `
vm p on e {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    gpu gpu2 passthrough
    mmio 512 GiB
    reserve all
}
`;
        const { after } = await fixes(before, 'VGPU014');
        expect(after).toBe(before.replace('gpu gpu2 passthrough', 'vgpu gpu2 "H200X-141C"').replace('    reserve all\n', '    reserve all\n    license nvaie\n'));
    });
});

describe('MMIO / LIC quick-fixes', () => {
    it('MMIO003: sets firmware efi', async () => {
        const before = vm(ESXI_HOST, 'vgpu gpu0 "H200X-141C"', '    mmio 512 GiB\n    firmware bios\n');
        const { after } = await fixes(before, 'MMIO003');
        expect(after).toBe(before.replace('firmware bios', 'firmware efi'));
    });
    it('MMIO004: reserves all memory (inserted, or replacing a partial reservation)', async () => {
        const before = vm(ESXI_HOST, 'gpu gpu0 passthrough', '    mmio 512 GiB\n');
        expect((await fixes(before, 'MMIO004')).after).toBe(before.replace('    mmio 512 GiB\n', '    mmio 512 GiB\n    reserve all\n'));
        const partial = before.replace('    mmio 512 GiB\n', '    mmio 512 GiB\n    reserve 8 GiB\n');
        expect((await fixes(partial, 'MMIO004')).after).toBe(partial.replace('reserve 8 GiB', 'reserve all'));
    });
    it('LIC002: changes the edition to nvaie', async () => {
        const before = vm(HOST, 'vgpu gpu0 "H200X-141C"').replace('license nvaie', 'license vpc');
        const { after } = await fixes(before, 'LIC002');
        expect(after).toBe(before.replace('license vpc', 'license nvaie'));
    });
});

describe('property: "keep the largest MIG layout that fits" always leaves a valid layout', () => {
    const PROFILES = ['1g.18gb', '1g.18gb+me', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb'];
    const MIG_RULES = new Set(['MIG003', 'MIG004', 'MIG005', 'MIG006', 'VGPU007']);
    it('for generated MIG sets on one H200 (with and without start slots), applied as the check computed it', async () => {
        const clause = fc.record({ p: fc.integer({ min: 0, max: PROFILES.length - 1 }), start: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined, freq: 4 }) });
        await fc.assert(fc.asyncProperty(fc.array(clause, { minLength: 1, maxLength: 9 }), async clauses => {
            const before = vm(HOST, clauses.map(c => `mig gpu0 "${PROFILES[c.p]}"${c.start !== undefined ? ` start ${c.start}` : ''}`).join('\n'));
            const diagnostics = (await build(before)).diagnostics();
            const mig = diagnostics.filter(d => MIG_RULES.has(String(d.code)));
            if (mig.length === 0) return;
            const fixes = (mig[0].data as { fixes?: Array<{ title: string; edits: Array<{ range: any; newText: string }> }> }).fixes ?? [];
            const keep = fixes.find(f => f.title.startsWith('Keep the largest MIG layout'));
            expect(keep, JSON.stringify(mig.map(d => d.message))).toBeDefined();
            const after = TextDocument.applyEdits(TextDocument.create('file:///ws/main.vmtopo', 'vmtopo', 1, before), keep!.edits);
            const left = (await build(after)).diagnostics();
            expect(left.filter(d => MIG_RULES.has(String(d.code))).map(d => d.message)).toEqual([]);
            const beforeErrors = new Set(diagnostics.filter(d => d.severity === 1).map(d => `${String(d.code)}|${messageText(d)}`));
            expect(left.filter(d => d.severity === 1 && !beforeErrors.has(`${String(d.code)}|${messageText(d)}`))).toEqual([]);
        }), { numRuns: 40, seed: 7 });
    });
});
