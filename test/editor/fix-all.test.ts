/**
 * Applying quick-fixes together (editor/fix-all.ts): "Fix all RULE problems" and
 * `source.fixAll.vmtopo` (LOC002 and LOC003 on one VM insert `on numa` once), through the language
 * server's code-action provider, and the edit merging they use.
 */
import { describe, it, expect } from 'vitest';
import type { TextEdit } from 'vscode-languageserver';
import { editsConflict, mergeEdits } from '../../language/src/editor/fix-all.js';
import { HOST } from '../support/fixtures.js';
import { build, withCode } from '../support/util.js';
import { actionsOf, apply, errors } from '../support/quick-fixes.js';

describe('applying fixes together', () => {
    const floating = (name: string, gpu: string) => `
vm ${name} on h {
    vcpus 4
    memory 64 GiB
    gpu ${gpu} passthrough
}
`;
    it('source.fixAll: LOC002 and LOC003 of one VM write its pin list and `on numa 1` once', async () => {
        const before = HOST + floating('a', 'gpu2');
        const ws = await build(before);
        expect(withCode(ws.diagnostics(), 'LOC002')).toHaveLength(1);
        expect(withCode(ws.diagnostics(), 'LOC003')).toHaveLength(1);
        const [action] = await actionsOf(ws, [], ['source.fixAll']);
        expect(action).toMatchObject({ title: 'Fix all vmtopo problems in this file', kind: 'source.fixAll.vmtopo' });
        const after = apply(before, action);
        expect(after).toBe(before.replace('vcpus 4\n', 'vcpus 4 pin 8-9,24-25\n').replace('memory 64 GiB\n', 'memory 64 GiB on numa 1\n'));
        const ds = (await build(after)).diagnostics();
        expect([...withCode(ds, 'LOC002'), ...withCode(ds, 'LOC003')]).toEqual([]);
        expect(errors(ds)).toEqual([]);
    });

    it('"Fix all LOC002 problems in this file" re-pins every floating VM, each to free CPUs of its GPU\'s node', async () => {
        const before = HOST + floating('a', 'gpu0') + floating('b', 'gpu2');
        const ws = await build(before);
        const ds = withCode(ws.diagnostics(), 'LOC002');
        expect(ds).toHaveLength(2);
        const actions = await actionsOf(ws, [ds[0]]);
        const all = actions.find(a => a.title === 'Fix all LOC002 problems in this file');
        expect(all, actions.map(a => a.title).join(' | ')).toBeDefined();
        expect(all!.diagnostics).toHaveLength(2);
        const after = apply(before, all!);
        const fixed = (await build(after)).diagnostics();
        expect(withCode(fixed, 'LOC002')).toEqual([]);
        expect(errors(fixed)).toEqual([]);
        expect(after).toBe(before.replace('vcpus 4\n', 'vcpus 4 pin 0-1,16-17\n').replace('memory 64 GiB\n', 'memory 64 GiB on numa 0\n')
            .replace('vcpus 4\n', 'vcpus 4 pin 8-9,24-25\n').replace('memory 64 GiB\n', 'memory 64 GiB on numa 1\n'));
    });

    it('is not offered when the fixes, each computed alone, clash together (both VMs would take the same free CPUs)', async () => {
        const before = HOST + floating('a', 'gpu2') + floating('b', 'gpu3');
        const ws = await build(before);
        const ds = withCode(ws.diagnostics(), 'LOC002');
        expect(ds).toHaveLength(2);
        const titles = (await actionsOf(ws, [ds[0]])).map(a => a.title);
        expect(titles).toContain('Re-pin a to NUMA 1');
        expect(titles).not.toContain('Fix all LOC002 problems in this file');
    });

    it('mergeEdits: an identical edit is taken once, an overlapping one leaves its whole fix out', () => {
        const at = (line: number, character: number) => ({ line, character });
        const insert = (l: number, c: number, newText: string): TextEdit => ({ range: { start: at(l, c), end: at(l, c) }, newText });
        const taken: TextEdit[] = [];
        expect(mergeEdits(taken, [insert(1, 5, ' pin 0-1'), insert(2, 9, ' on numa 0')])).toBe(true);
        expect(mergeEdits(taken, [insert(2, 9, ' on numa 0')])).toBe(true);
        expect(taken).toHaveLength(2);
        expect(mergeEdits(taken, [insert(2, 9, ' on numa 1'), insert(4, 0, 'x')])).toBe(false);
        expect(taken).toHaveLength(2);
        expect(editsConflict({ start: at(0, 0), end: at(0, 4) }, { start: at(0, 2), end: at(0, 2) })).toBe(true);
        expect(editsConflict({ start: at(0, 0), end: at(0, 4) }, { start: at(0, 4), end: at(0, 4) })).toBe(false);
    });
});
