/**
 * Completion (language/src/editor/completion.ts), in-process: the text is built as a workspace, the
 * cursor is where `‸` was, and the items are what the language server would send.
 */
import { describe, expect, it } from 'vitest';
import type { CompletionItem } from 'vscode-languageserver';
import { CompletionItemKind, InsertTextFormat } from 'vscode-languageserver';
import { findGpu, findNic, GPUS, NICS } from '../../language/src/catalog/index.js';
import { sizeToMiB, parseLinkWidth, checkLinkSpeed } from '../../language/src/syntax/tokens.js';
import { HOST } from '../support/fixtures.js';
import { build, buildWorkspace, readRepoFile } from '../support/util.js';

/** Where the cursor is in a test text. */
const CURSOR = '‸';

/** Completion items at the {@link CURSOR} of `text` (removed before building). */
async function complete(text: string, extra: Record<string, string> = {}): Promise<CompletionItem[]> {
    const offset = text.indexOf(CURSOR);
    if (offset < 0) throw new Error('no cursor mark in the text');
    const source = text.slice(0, offset) + text.slice(offset + 1);
    const ws = await buildWorkspace({ 'main.vmtopo': source, ...extra });
    const doc = ws.documents[0];
    const list = await ws.services.vmtopo.lsp.CompletionProvider!.getCompletion(doc, {
        textDocument: { uri: doc.uri.toString() },
        position: doc.textDocument.positionAt(offset)
    });
    return list?.items ?? [];
}

/** The text of the document after applying `item`'s edit. */
function apply(text: string, item: CompletionItem): string {
    const source = text.replace(CURSOR, '');
    const lines = source.split('\n');
    const edit = item.textEdit!;
    const range = 'range' in edit ? edit.range : edit.replace;
    const offsetOf = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    return source.slice(0, offsetOf(range.start)) + edit.newText + source.slice(offsetOf(range.end));
}

const labels = (items: CompletionItem[]): string[] => items.map(i => i.label);
const keywords = (items: CompletionItem[]): string[] => items.filter(i => i.kind === CompletionItemKind.Keyword).map(i => i.label).sort();
const H200 = findGpu('H200 SXM5 141GB')!;

describe('catalog models', () => {
    it('after `gpu NAME` in a host: every catalog GPU model, quoted, with its facts as detail', async () => {
        const text = 'host h {\n    gpu g0 ‸\n}\n';
        const items = await complete(text);
        const models = items.filter(i => i.kind === CompletionItemKind.Value);
        expect(labels(models)).toEqual(GPUS.map(g => g.model));
        const h200 = models.find(i => i.label === H200.model)!;
        expect(h200.detail).toContain(`${H200.memoryGB} GB`);
        expect(h200.detail).toContain(`PCIe ${H200.link.speedGTs} GT/s x${H200.link.width}`);
        expect(JSON.stringify(h200.documentation)).toContain('MIG');
        expect(apply(text, h200)).toBe(`host h {\n    gpu g0 "${H200.model}"\n}\n`);
    });

    it('inside the quotes an editor closed (`"H2‸"`): the edit replaces the whole string', async () => {
        const text = 'host h {\n    gpu g0 "H2‸"\n}\n';
        const items = await complete(text);
        const h200 = items.find(i => i.label === H200.model)!;
        expect(h200.filterText).toBe(`"${H200.model}"`);
        expect(apply(text, h200)).toBe(`host h {\n    gpu g0 "${H200.model}"\n}\n`);
    });

    it('after `nic NAME`: the catalog NIC models with port speeds and VFs', async () => {
        const items = await complete('host h {\n    nic n0 ‸\n}\n');
        const models = items.filter(i => i.kind === CompletionItemKind.Value);
        expect(labels(models)).toEqual(NICS.map(n => n.model));
        const cx7 = findNic('ConnectX-7')!;
        expect(models[0].detail).toContain(`${cx7.maxVfsPerPf} VFs per PF`);
    });
});

describe('vGPU types and MIG profiles', () => {
    it('in a `vgpu` clause: the vGPU types of the GPU, largest frame buffer first, with frame buffer and max per GPU', async () => {
        const text = HOST + 'vm a on h {\n    vgpu gpu0 "‸"\n}\n';
        const items = (await complete(text)).filter(i => i.kind === CompletionItemKind.EnumMember);
        expect(new Set(labels(items))).toEqual(new Set(H200.vgpuTypes.map(t => t.name)));
        const sizes = items.map(i => H200.vgpuTypes.find(t => t.name === i.label)!.framebufferGB);
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
        const sorted = [...items].sort((a, b) => a.sortText!.localeCompare(b.sortText!));
        expect(sorted.map(i => i.label)).toEqual(items.map(i => i.label));
        const t = H200.vgpuTypes.find(v => v.name === 'H200X-1-18C')!;
        const item = items.find(i => i.label === t.name)!;
        expect(item.detail).toContain(`${t.framebufferGB} GB frame buffer`);
        expect(item.detail).toContain(`max ${t.maxPerGpu} per GPU`);
        expect(apply(text, item)).toContain('vgpu gpu0 "H200X-1-18C"\n');
        // the completed text validates without a vGPU diagnostic
        const ws = await build(apply(text, item));
        expect(ws.diagnostics().filter(d => String(d.code).startsWith('VGPU0'))).toEqual([]);
    });

    it('a GPU with a written vGPU mode gets only that mode\'s types (mixed-size: its maximum)', async () => {
        const host = (mode: string) => HOST.replace('gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0', `gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0 vgpu-mode ${mode}`);
        const types = async (mode: string) => (await complete(host(mode) + 'vm a on h {\n    vgpu gpu0 "‸"\n}\n')).filter(i => i.kind === CompletionItemKind.EnumMember);
        const mig = await types('mig');
        expect(mig.length).toBeGreaterThan(0);
        expect(mig.every(i => H200.vgpuTypes.find(t => t.name === i.label)!.mode === 'mig-backed')).toBe(true);
        const mixed = await types('mixed-size');
        expect(mixed.every(i => H200.vgpuTypes.find(t => t.name === i.label)!.mode === 'time-sliced')).toBe(true);
        const t = H200.vgpuTypes.find(v => v.name === 'H200X-35C')!;
        expect(mixed.find(i => i.label === t.name)!.detail).toContain(`max ${t.maxPerGpuMixed} per GPU (mixed-size)`);
    });

    it('in a `mig` clause: the GPU\'s MIG profiles with their free start slots (other VMs\' slices counted)', async () => {
        // b's slice is placed at start slot 0; c's 3g.71gb (MIG-backed H200X-3-71C) can then only be at 4 (slices 4-7)
        const text = HOST + 'vm b on h {\n    mig gpu0 "1g.18gb" start 0\n}\nvm c on h {\n    vgpu gpu0 "H200X-3-71C"\n}\nvm a on h {\n    mig gpu0 "‸"\n}\n';
        const items = (await complete(text)).filter(i => i.kind === CompletionItemKind.EnumMember);
        expect(new Set(labels(items))).toEqual(new Set(H200.migProfiles.map(p => p.name)));
        expect(items.find(i => i.label === '1g.18gb')!.detail).toMatch(/^free start slots 1, 2, 3 \(of 0, 1, 2, 3, 4, 5, 6\)/);
        expect(items.find(i => i.label === '2g.35gb')!.detail).toMatch(/^free start slots 2 \(of 0, 2, 4\)/);
        // no free slot: the placement rule it would break (MIG004) is named, and it sorts after the others
        const full = items.find(i => i.label === '7g.141gb')!;
        expect(full.detail).toMatch(/^✗ MIG004 · free start slots none/);
        expect(full.labelDetails?.description).toBe('✗ MIG004');
        expect(items.every(i => i === full || i.sortText! < full.sortText! || i.detail!.includes('slots none'))).toBe(true);
    });

    it('after `start`: the profile\'s start slots still free', async () => {
        const text = HOST + 'vm b on h {\n    mig gpu0 "3g.71gb" start 4\n}\nvm a on h {\n    mig gpu0 "2g.35gb" start ‸\n}\n';
        const items = (await complete(text)).filter(i => i.kind === CompletionItemKind.Value);
        expect(labels(items)).toEqual(['0', '2']); // 2g.35gb starts at 0, 2 or 4; b's 3g.71gb holds slices 4-7
    });

    it('offers nothing from the catalog when the clause\'s GPU does not resolve', async () => {
        const items = await complete(HOST + 'vm a on h {\n    vgpu nosuch "‸"\n}\n');
        expect(items.filter(i => i.kind === CompletionItemKind.EnumMember)).toEqual([]);
    });
});

describe('units, link speeds and widths, port speeds', () => {
    it('size units after a number: MiB, GiB, TiB, each accepted by the size parser', async () => {
        const items = await complete(HOST + 'vm a on h {\n    memory 64 ‸\n}\n');
        const units = items.filter(i => i.kind === CompletionItemKind.Unit);
        expect(labels(units).sort()).toEqual(['GiB', 'MiB', 'TiB']);
        for (const u of units) expect(sizeToMiB(64, u.label).ok).toBe(true);
    });

    it('PCIe link speeds after `link`, widths after `GT/s`', async () => {
        const speeds = (await complete('host h {\n    gpu g0 "H200 SXM5 141GB" at 0000:19:00.0 link ‸\n}\n')).filter(i => i.kind === CompletionItemKind.Value);
        expect(speeds.map(i => i.textEdit!.newText)).toContain('32 GT/s');
        for (const s of speeds) expect(checkLinkSpeed(Number.parseFloat(s.label)).ok).toBe(true);
        const widths = (await complete('host h {\n    gpu g0 "H200 SXM5 141GB" at 0000:19:00.0 link 32 GT/s ‸\n}\n')).filter(i => i.kind === CompletionItemKind.Value);
        expect(labels(widths)).toContain('x16');
        for (const w of widths) expect(parseLinkWidth(w.label).ok).toBe(true);
    });

    it('port speeds of the NIC\'s model after `speed`', async () => {
        const items = (await complete('host h {\n    nic n0 "ConnectX-6" at 0000:1a:00.0 speed ‸\n}\n')).filter(i => i.kind === CompletionItemKind.Value);
        expect(items.map(i => i.textEdit!.newText)).toEqual(findNic('ConnectX-6')!.speedsGbps.map(s => `${s} Gb/s`));
    });
});

describe('devices of the VM\'s host', () => {
    it('proposes the host\'s GPUs, marking the ones another VM holds and listing free ones first', async () => {
        const items = await complete(HOST + 'vm b on h {\n    gpu gpu0 passthrough\n}\nvm c on h {\n    mig gpu1 "1g.18gb"\n}\nvm a on h {\n    gpu ‸\n}\n');
        const gpus = items.filter(i => i.kind === CompletionItemKind.Field);
        expect(labels(gpus).sort()).toEqual(['gpu0', 'gpu1', 'gpu2', 'gpu3']);
        // Passing through gpu0 (b's) or gpu1 (c's MIG slice) would be an error: marked with the rule, ranked last.
        expect(gpus.find(i => i.label === 'gpu0')!.detail).toBe('✗ GEN001: held by b (passthrough) · H200 SXM5 141GB · NUMA 0 · sw0');
        expect(gpus.find(i => i.label === 'gpu1')!.detail).toBe('✗ GEN002: held by c (MIG 1g.18gb) · H200 SXM5 141GB · NUMA 0 · sw0');
        expect(gpus.find(i => i.label === 'gpu0')!.labelDetails?.description).toBe('✗ GEN001');
        expect(gpus.find(i => i.label === 'gpu2')!.detail).toMatch(/^free/);
        const sorted = [...gpus].sort((x, y) => x.sortText!.localeCompare(y.sortText!)).map(i => i.label);
        expect(sorted.slice(0, 2).sort()).toEqual(['gpu2', 'gpu3']);
        // The documentation part has it all: the rule and why, where the GPU is, every holder, the model's facts.
        const doc = (gpus.find(i => i.label === 'gpu0')!.documentation as { value: string }).value;
        expect(doc).toContain('**Would raise GEN001** (error): gpu0 is passed through to b; a device has one owner.');
        expect(doc).toContain('`gpu0` at `0000:11:00.0`, NUMA node 0, behind PCIe switch `sw0`');
        expect(doc).toContain('- `b`: passthrough');
        expect(doc).toContain(`${findGpu('H200 SXM5 141GB')!.memoryGB} GB`);
    });

    it('never calls a device "free" that the VM itself already holds; it ranks after the free ones', async () => {
        const items = await complete(HOST + 'vm a on h {\n    gpu gpu2 passthrough\n    gpu ‸\n}\n');
        const gpus = items.filter(i => i.kind === CompletionItemKind.Field);
        const gpu2 = gpus.find(i => i.label === 'gpu2')!;
        expect(gpu2.detail).toMatch(/^already in a \(passthrough\) · /);
        expect(gpu2.labelDetails?.description).toBe('in this VM');
        expect(gpus.filter(i => i.detail!.startsWith('free')).map(i => i.label).sort()).toEqual(['gpu0', 'gpu1', 'gpu3']);
        expect(gpus.every(i => i === gpu2 || !i.detail!.startsWith('free') || i.sortText! < gpu2.sortText!)).toBe(true);
    });

    it('a NIC\'s VFs held by others are named with their index (sharing a NIC by VFs is no error)', async () => {
        const items = await complete(HOST + 'vm b on h {\n    nic nic0 vf 0\n}\nvm a on h {\n    nic ‸\n}\n');
        const nic0 = items.find(i => i.label === 'nic0')!;
        expect(nic0.detail).toBe('shared with b (VF 0) · ConnectX-7 · NUMA 0 · sw0');
        expect(nic0.labelDetails?.description).toBe('● b (VF 0)');
    });

    it('marks the vGPU types that would break a rule on the GPU: time-sliced beside a MIG-backed slice (GEN003), ranked last', async () => {
        // b holds a MIG slice of gpu0: a time-sliced vGPU on gpu0 would mix the two modes.
        const items = (await complete(HOST + 'vm b on h {\n    mig gpu0 "1g.18gb"\n}\nvm a on h {\n    vgpu gpu0 "‸"\n}\n'))
            .filter(i => i.kind === CompletionItemKind.EnumMember);
        const mode = (i: CompletionItem) => H200.vgpuTypes.find(t => t.name === i.label)!.mode;
        const timeSliced = items.filter(i => mode(i) === 'time-sliced');
        const migBacked = items.filter(i => mode(i) === 'mig-backed');
        expect(timeSliced.length).toBeGreaterThan(0);
        expect(migBacked.length).toBeGreaterThan(0);
        for (const item of timeSliced) {
            expect(item.labelDetails?.description, item.label).toBe('✗ GEN003');
            expect(item.detail).toMatch(/^✗ GEN003 · \d+ GB frame buffer/);
            expect((item.documentation as { value: string }).value)
                .toContain('**Would raise GEN003** (error): gpu0 already carries MIG-backed slices (b (MIG 1g.18gb))');
        }
        for (const item of migBacked) expect(item.labelDetails, item.label).toBeUndefined();
        const sorted = [...items].sort((x, y) => x.sortText!.localeCompare(y.sortText!));
        expect(sorted.slice(0, migBacked.length).every(i => mode(i) === 'mig-backed')).toBe(true);
    });

    it('in equal-size mode, a time-sliced type of another frame buffer than those on the GPU is VGPU003', async () => {
        const items = (await complete(HOST + 'vm b on h {\n    vgpu gpu0 "H200X-35C"\n    license nvaie\n}\nvm a on h {\n    vgpu gpu0 "‸"\n}\n'))
            .filter(i => i.kind === CompletionItemKind.EnumMember);
        expect(items.find(i => i.label === 'H200X-35C')!.labelDetails).toBeUndefined();
        expect(items.find(i => i.label === 'H200X-70C')!.labelDetails?.description).toBe('✗ VGPU003');
        expect(items.find(i => i.label === 'H200X-1-18C')!.labelDetails?.description).toBe('✗ GEN003');
    });
});

describe('clause keywords only where a clause can start', () => {
    it('at the start of a line in a VM: the VM\'s clause keywords, not `hugepages`, `pin` or `on`', async () => {
        const items = await complete(HOST + 'vm a on h {\n    memory 64 GiB\n    ‸\n}\n');
        const kws = keywords(items);
        expect(kws).toEqual(expect.arrayContaining(['vcpus', 'memory', 'gpu', 'vgpu', 'mig', 'nic', 'mmio', 'license', 'emulator']));
        expect(kws).not.toContain('hugepages');
        expect(kws).not.toContain('pin');
        expect(kws).not.toContain('on');
    });

    it('after `memory 64 GiB` on the same line: its tails `on` and `hugepages`, not a new clause', async () => {
        const kws = keywords(await complete(HOST + 'vm a on h {\n    memory 64 GiB ‸\n}\n'));
        expect(kws).toEqual(['hugepages', 'on']);
    });

    it('after `vcpus 8` on the same line: `pin`', async () => {
        expect(keywords(await complete(HOST + 'vm a on h {\n    vcpus 8 ‸\n}\n'))).toEqual(['pin']);
    });

    it('a partly typed keyword at the start of a line is still a clause start', async () => {
        const kws = keywords(await complete(HOST + 'vm a on h {\n    memory 64 GiB\n    hu‸\n}\n'));
        expect(kws).not.toContain('hugepages');
        expect(keywords(await complete(HOST + 'vm a on h {\n    memory 64 GiB\n    vc‸\n}\n'))).toContain('vcpus');
    });

    it('in a host: host clauses; at the top level: `host` and `vm`', async () => {
        const inHost = keywords(await complete('host h {\n    ‸\n}\n'));
        expect(inHost).toEqual(expect.arrayContaining(['platform', 'cpu', 'socket', 'pcie-switch', 'gpu', 'nic', 'nvswitch']));
        expect(inHost).not.toContain('vcpus');
        const top = keywords(await complete('host h {\n}\n‸'));
        expect(top).toEqual(expect.arrayContaining(['host', 'vm']));
        expect(top).not.toContain('gpu');
    });
});

describe('snippets', () => {
    it('new host and VM at the top level: the inserted text parses without syntax errors once placeholders are filled', async () => {
        const items = await complete(HOST + '‸');
        const host = items.find(i => i.kind === CompletionItemKind.Snippet && i.label.startsWith('host'))!;
        const vm = items.find(i => i.kind === CompletionItemKind.Snippet && i.label.startsWith('vm'))!;
        expect(host.insertTextFormat).toBe(InsertTextFormat.Snippet);
        expect(vm.textEdit!.newText).toContain('${2|h|}'); // the workspace's hosts as choices
        for (const item of [host, vm]) {
            const filled = resolveSnippet(item.textEdit!.newText);
            const ws = await build(HOST + filled);
            expect(ws.documents[0].parseResult.parserErrors).toEqual([]);
            expect(ws.documents[0].parseResult.lexerErrors).toEqual([]);
        }
    });

    it('new PCIe switch inside a host, with the host\'s sockets as choices', async () => {
        const items = await complete(HOST.replace('    nic nic2', '    ‸\n    nic nic2'));
        const sw = items.find(i => i.kind === CompletionItemKind.Snippet && i.label.startsWith('pcie-switch'))!;
        expect(sw.textEdit!.newText).toContain('${3|cpu0,cpu1|}');
        expect(items.find(i => i.kind === CompletionItemKind.Snippet && i.label.startsWith('vm'))).toBeUndefined();
    });
});

describe('the shipped example', () => {
    it('completes a vGPU type in examples/hgx-h200.vmtopo (tenant-c) to the type it has', async () => {
        const example = readRepoFile('examples/hgx-h200.vmtopo');
        const text = example.replace('vgpu gpu6 "H200X-1-18C"', 'vgpu gpu6 "‸"');
        const items = await complete(text);
        expect(labels(items)).toContain('H200X-1-18C');
    });
});

/** A snippet's text with each placeholder replaced by its default (or first choice). */
function resolveSnippet(snippet: string): string {
    let out = snippet;
    for (let i = 0; i < 10; i++) {
        out = out.replace(/\$\{\d+\|([^,|]*)[^}]*\|\}/g, '$1').replace(/\$\{\d+:([^}]*)\}/g, '$1');
    }
    const defaults = new Map<string, string>();
    for (const m of snippet.matchAll(/\$\{(\d+)(?::([^}]*)|\|([^,|]*)[^}]*\|)\}/g)) defaults.set(m[1], m[2] ?? m[3]);
    return out.replace(/\$\{(\d+)\}/g, (_m, n: string) => defaults.get(n) ?? '').replace(/\$0/g, '');
}
