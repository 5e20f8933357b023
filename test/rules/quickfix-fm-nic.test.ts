/**
 * Quick-fixes of FM001/FM003/FM004/FM006, IOMMU001, RDMA001–RDMA003, LOC005/LOC011, NIC002/NIC003
 * and SRIOV005, through the language server's code-action provider (each action is verified there:
 * applied to a scratch copy, it must add no error and remove its diagnostic). For each: the text
 * before and after, no diagnostic of the rule afterwards, and no error the text did not have.
 * Then applying fixes together: "Fix all RULE problems" and `source.fixAll.vmtopo` (LOC002 and
 * LOC003 on one VM insert `on numa` once), and the edit merging they use.
 */
import { describe, it, expect } from 'vitest';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { editsConflict, mergeEdits } from '../../language/src/editor/fix-all.js';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { HOST } from '../support/fixtures.js';
import { HGX, SERVICE } from '../support/fm-fixtures.js';
import { build, withCode, type Workspace } from '../support/util.js';

const key = (d: Diagnostic) => `${String(d.code)}|${messageText(d)}`;
const errors = (ds: Diagnostic[]) => ds.filter(d => d.severity === 1);

async function actionsOf(ws: Workspace, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    const doc = ws.documents[0];
    const provider = ws.services.vmtopo.lsp.CodeActionProvider!;
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const result = await provider.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range, context: { diagnostics, only } });
    return (result ?? []) as CodeAction[];
}

function apply(text: string, action: CodeAction): string {
    const changes = action.edit?.changes ?? {};
    const uris = Object.keys(changes);
    expect(uris).toHaveLength(1);
    return TextDocument.applyEdits(TextDocument.create(uris[0], 'vmtopo', 1, text), changes[uris[0]]);
}

/**
 * Asserts that the first diagnostic `code` of `before` is offered the action `title`, that applying
 * it gives `after`, and that `after` has no diagnostic of `code` and no error `before` lacked.
 */
async function expectFix(before: string, code: string, title: string, after: string): Promise<void> {
    const ws = await build(before);
    const d = withCode(ws.diagnostics(), code)[0];
    expect(d, `${code} in before`).toBeDefined();
    const actions = await actionsOf(ws, [d]);
    const action = actions.find(a => a.title === title);
    expect(action, `offered: ${actions.map(a => a.title).join(' | ')}`).toBeDefined();
    expect(action!.kind).toBe('quickfix');
    const text = apply(before, action!);
    expect(text).toBe(after);
    const ds = (await build(text)).diagnostics();
    expect(withCode(ds, code)).toEqual([]);
    const had = new Set(errors(ws.diagnostics()).map(key));
    expect(errors(ds).filter(x => !had.has(key(x))).map(key)).toEqual([]);
}

const tenant = (name: string, gpus: string, extra = '') => `
vm ${name} on h {
    vcpus 4 pin 0-1,16-17
    memory 32 GiB on numa 0
    gpu ${gpus} passthrough${extra}
}
`;

describe('FM quick-fixes', () => {
    it('FM001: takes the GPUs of the free partition closest to the VM', async () => {
        const before = HGX + SERVICE + tenant('a', 'g1, g2');
        await expectFix(before, 'FM001', 'Use Fabric Manager partition 3 (g1, g3)', before.replace('gpu g1, g2 passthrough', 'gpu g1, g3 passthrough'));
    });

    it('FM003: moves the NVSwitch from the tenant to the service VM (its line goes)', async () => {
        const before = HGX + SERVICE.replace('s0, s1, s2, s3', 's1, s2, s3') + tenant('a', 'g1, g3', '\n    nvswitch s0 passthrough');
        const after = before.replace('nvswitch s1, s2, s3 passthrough', 'nvswitch s1, s2, s3, s0 passthrough').replace('\n    nvswitch s0 passthrough', '');
        await expectFix(before, 'FM003', 'Move s0 to svc', after);
    });

    it('FM004: creates the service VM with every NVSwitch at the end of the file', async () => {
        const before = HGX + tenant('a', 'g1, g3');
        const after = `${before}
/** Fabric Manager service VM of h: owns the NVSwitches, activates the tenants' partitions. */
vm h-fm on h {
    vcpus 2
    memory 8 GiB
    fabric-manager service
    nvswitch s0, s1, s2, s3 passthrough
}
`;
        await expectFix(before, 'FM004', 'Create Fabric Manager service VM h-fm with s0, s1, s2, s3', after);
    });

    it('FM004: gives the missing NVSwitch to the service VM', async () => {
        const before = HGX + SERVICE.replace('s0, s1, s2, s3', 's0, s1, s2') + tenant('a', 'g1, g3');
        await expectFix(before, 'FM004', 'Give s3 to svc', before.replace('s0, s1, s2 passthrough', 's0, s1, s2, s3 passthrough'));
    });

    it('FM006: writes the Fabric Manager version as the guest driver', async () => {
        const before = HGX + SERVICE + tenant('a', 'g1, g3', '\n    guest-driver "535.104.05"');
        await expectFix(before, 'FM006', 'Use driver 550.54.15 in a', before.replace('"535.104.05"', '"550.54.15"'));
    });
});

describe('IOMMU and RDMA quick-fixes', () => {
    const MULTI = HOST.replace('        nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 4\n',
        '        nic nic0 "ConnectX-7" at 0000:13:00.0\n        nic nic0b "ConnectX-7" at 0000:13:00.1\n');
    const vm = (body: string) => `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 32 GiB on numa 0
${body}
}
`;
    it('IOMMU001: assigns the rest of the group to the VM', async () => {
        const before = MULTI + vm('    gpu gpu0 passthrough\n    nic nic0b passthrough');
        await expectFix(before, 'IOMMU001', 'Assign nic0 to a too (whole IOMMU group)', before.replace('nic nic0b passthrough', 'nic nic0b, nic0 passthrough'));
    });

    it('RDMA001: declares ATS enabled on the NIC (inserted, or replacing `ats disabled`)', async () => {
        const rdma = vm('    gpu gpu0 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
        const base = HOST.replace('sw0 at 0000:10:00.0 on cpu0', 'sw0 at 0000:10:00.0 on cpu0 acs direct-translated');
        await expectFix(base + rdma, 'RDMA001', 'Declare ATS enabled on nic0', base.replace('at 0000:13:00.0 vfs 4', 'at 0000:13:00.0 vfs 4 ats enabled') + rdma);
        const off = base.replace('at 0000:13:00.0 vfs 4', 'at 0000:13:00.0 vfs 4 ats disabled');
        await expectFix(off + rdma, 'RDMA001', 'Declare ATS enabled on nic0', off.replace('ats disabled', 'ats enabled') + rdma);
    });

    it('RDMA002: declares direct translated P2P on the path switch only', async () => {
        const before = HOST.replace('at 0000:13:00.0 vfs 4', 'at 0000:13:00.0 vfs 4 ats enabled') + vm('    gpu gpu0 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
        const after = before.replace('sw0 at 0000:10:00.0 on cpu0 {', 'sw0 at 0000:10:00.0 on cpu0 acs direct-translated {');
        await expectFix(before, 'RDMA002', 'Allow direct translated P2P on sw0 (acs direct-translated)', after);
    });

    it('RDMA003: re-enables ACS with direct translated P2P', async () => {
        const before = HOST.replace('sw1 at 0000:90:00.0 on cpu1', 'sw1 at 0000:90:00.0 on cpu1 acs disabled') + `
vm b on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
}
`;
        await expectFix(before, 'RDMA003', 'Allow direct translated P2P on sw1 (acs direct-translated)', before.replace('acs disabled', 'acs direct-translated'));
    });
});

describe('LOC, NIC and SRIOV quick-fixes', () => {
    const POOLS = HOST.replace('memory 256 GiB }\n    socket cpu1', 'memory 256 GiB  hugepages 1 GiB count 40 }\n    socket cpu1');
    const vm = (body: string, pin = '0-1,16-17', memory = '32 GiB on numa 0') => `
vm a on h {
    vcpus 4 pin ${pin}
    memory ${memory}
${body}
}
`;
    it('LOC005: backs the memory with 1 GiB hugepages', async () => {
        const before = POOLS + vm('    gpu gpu0 passthrough');
        await expectFix(before, 'LOC005', "Back a's memory with 1 GiB hugepages", before.replace('32 GiB on numa 0', '32 GiB on numa 0 hugepages 1 GiB'));
    });

    it('LOC011: swaps to the free GPUs of one node', async () => {
        const before = HOST + vm('    gpu gpu0, gpu2 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        await expectFix(before, 'LOC011', 'Use gpu0, gpu1 on NUMA 0', before.replace('gpu gpu0, gpu2 passthrough', 'gpu gpu0, gpu1 passthrough'));
    });

    it('NIC002: adds the free NIC on the other GPU\'s switch', async () => {
        const before = HOST + vm('    gpu gpu0, gpu2 passthrough\n    nic nic0 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        await expectFix(before, 'NIC002', 'Add nic1 to a (one NIC per GPU)', before.replace('nic nic0 passthrough', 'nic nic0, nic1 passthrough'));
    });

    it('NIC003: adds the second GPU\'s own NIC', async () => {
        const before = HOST + vm('    gpu gpu0, gpu2 passthrough\n    nic nic0, nic2 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        await expectFix(before, 'NIC003', 'Add nic1 to a (one NIC per GPU)', before.replace('nic nic0, nic2 passthrough', 'nic nic0, nic2, nic1 passthrough'));
    });

    it('SRIOV005: takes the free VF of the PF on the GPU\'s switch', async () => {
        const before = HOST + vm('    gpu gpu2 passthrough\n    nic nic0 vf 1', '8-9,24-25', '32 GiB on numa 1');
        await expectFix(before, 'SRIOV005', 'Use VF 0 of nic1', before.replace('nic nic0 vf 1', 'nic nic1 vf 0'));
    });

    it('offers no fix whose result has a new error: LOC005 when the pool is too small for the VM', async () => {
        const ws = await build(POOLS.replace('count 40', 'count 16') + vm('    gpu gpu0 passthrough'));
        const d = withCode(ws.diagnostics(), 'LOC005');
        expect(d).toHaveLength(1);
        expect(await actionsOf(ws, d)).toEqual([]);
    });
});

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
