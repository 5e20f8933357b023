/**
 * Property (fast-check): for generated hosts (an HGX board with Fabric Manager mode, ACS, ATS, link
 * layers, hugepage pools, VFs varied) and generated sets of VMs on them (GPUs and NICs handed out
 * disjointly, pinned or floating, with or without NUMA binding, hugepages, GPUDirect RDMA, NVSwitches),
 * every quick-fix the language server offers for any diagnostic, applied on its own, leaves a
 * document with no error it did not have before and with fewer diagnostics like the one it fixes;
 * so does the `source.fixAll` action. The checks are independent of the provider's own verification
 * (a fresh workspace per text). Runs: VMTOPO_PROPERTY_RUNS (default 12); a failure prints the seed.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ruleById } from '../../../language/src/rules/index.js';
import { messageText } from '../../../language/src/kernel/diagnostics.js';
import { build, type Workspace } from '../../support/util.js';

const ACS = ['', ' acs enabled', ' acs disabled', ' acs direct-translated'] as const;
const NIC_OPTS = ['', ' ats enabled', ' ats disabled', ' link-layer ethernet', ' link-layer infiniband', ' vfs 4', ' vfs 4 ats enabled'] as const;

interface HostConfig {
    readonly fm: '' | 'shared-nvswitch' | 'full-passthrough';
    readonly acs: readonly string[];
    readonly nic: readonly string[];
    readonly pools: readonly (number | null)[];
    readonly modules: boolean;
    readonly secondFunction: boolean;
}

interface VmConfig {
    readonly gpus: number;
    readonly nics: number;
    readonly node: 0 | 1 | null;
    readonly bind: boolean;
    readonly hugepages: boolean;
    readonly rdma: boolean;
    readonly nvswitches: boolean;
    readonly service: boolean;
    readonly vf: boolean;
}

const hostArb: fc.Arbitrary<HostConfig> = fc.record({
    fm: fc.constantFrom('' as const, 'shared-nvswitch' as const, 'full-passthrough' as const),
    acs: fc.array(fc.constantFrom(...ACS), { minLength: 4, maxLength: 4 }),
    nic: fc.array(fc.constantFrom(...NIC_OPTS), { minLength: 4, maxLength: 4 }),
    pools: fc.array(fc.option(fc.integer({ min: 0, max: 200 })), { minLength: 2, maxLength: 2 }),
    modules: fc.boolean(),
    secondFunction: fc.boolean()
});

const vmArb: fc.Arbitrary<VmConfig> = fc.record({
    gpus: fc.integer({ min: 0, max: 4 }),
    nics: fc.integer({ min: 0, max: 2 }),
    node: fc.constantFrom(0 as const, 1 as const, null),
    bind: fc.boolean(),
    hugepages: fc.boolean(),
    rdma: fc.boolean(),
    nvswitches: fc.boolean(),
    service: fc.boolean(),
    vf: fc.boolean()
});

/** Module ids per switch slot, as in NVIDIA's example map ([WP-12736]). */
const MODULES = [[1, 3], [2, 4], [5, 7], [6, 8]];

/** Whether n0's card has a second function n0b (not with VFs on n0: VF 0 would take its address, HOST002). */
function hasSecondFunction(h: HostConfig): boolean {
    return h.secondFunction && !h.nic[0].includes('vfs');
}

function hostText(h: HostConfig): string {
    const lines = ['host h {', '    platform kvm'];
    if (h.fm) lines.push(`    fabric-manager ${h.fm}`);
    const pool = (p: number | null) => (p === null ? '' : `  hugepages 1 GiB count ${p}`);
    lines.push(`    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB${pool(h.pools[0])} }`);
    lines.push(`    socket cpu1 { numa 1  cores 8-15,24-31  memory 256 GiB${pool(h.pools[1])} }`);
    for (let s = 0; s < 4; s++) {
        const bus = (0x10 + s * 0x20).toString(16).padStart(2, '0');
        const dev = (k: number) => `0000:${(0x11 + s * 0x20 + k).toString(16).padStart(2, '0')}:00`;
        lines.push(`    pcie-switch sw${s} at 0000:${bus}:00.0 on cpu${s < 2 ? 0 : 1}${h.acs[s]} {`);
        for (let k = 0; k < 2; k++) lines.push(`        gpu g${s * 2 + k} "H100 SXM5 80GB" at ${dev(k)}.0${h.modules ? ` module ${MODULES[s][k]}` : ''}`);
        lines.push(`        nic n${s} "ConnectX-7" at ${dev(2)}.0${h.nic[s]}`);
        if (s === 0 && hasSecondFunction(h)) lines.push(`        nic n0b "ConnectX-7" at ${dev(2)}.1`);
        lines.push('    }');
    }
    for (let k = 0; k < 4; k++) lines.push(`    nvswitch s${k} at 0000:0${3 + k}:00.0 on cpu0`);
    lines.push('}');
    return lines.join('\n');
}

/** VMs with disjoint GPUs, NICs and CPUs (two cores each, both threads), in order of the config list. */
function vmsText(h: HostConfig, vms: readonly VmConfig[]): string {
    const freeGpus = [0, 1, 2, 3, 4, 5, 6, 7];
    const freeNics = ['n0', 'n1', 'n2', 'n3', ...(hasSecondFunction(h) ? ['n0b'] : [])];
    const nextCore = [0, 8];
    let vfIndex = 0;
    let switchesGiven = false;
    const out: string[] = [];
    vms.forEach((v, i) => {
        const node = v.node ?? 0;
        const gpus = freeGpus.splice(0, v.gpus).map(g => `g${g}`);
        const nics = freeNics.splice(0, v.nics);
        const body: string[] = [];
        const core = nextCore[node];
        nextCore[node] += 2;
        body.push(v.node === null ? '    vcpus 4' : `    vcpus 4 pin ${core}-${core + 1},${core + 16}-${core + 17}`);
        body.push(`    memory 16 GiB${v.bind ? ` on numa ${node}` : ''}${v.hugepages ? ' hugepages 1 GiB' : ''}`);
        if (gpus.length > 0) body.push(`    gpu ${gpus.join(', ')} passthrough`);
        if (nics.length > 0) body.push(`    nic ${nics.join(', ')} passthrough`);
        if (v.vf && h.nic.some(n => n.includes('vfs 4'))) {
            const pf = `n${h.nic.findIndex(n => n.includes('vfs 4'))}`;
            if (!nics.includes(pf) && vfIndex < 4) body.push(`    nic ${pf} vf ${vfIndex++}`);
        }
        if (v.nvswitches && !switchesGiven) {
            switchesGiven = true;
            body.push('    nvswitch s0, s1, s2, s3 passthrough');
        }
        if (v.service) body.push('    fabric-manager service version "550.54.15"');
        if (v.rdma) body.push('    gpudirect-rdma');
        out.push(`vm v${i} on h {\n${body.join('\n')}\n}`);
    });
    return out.join('\n\n');
}

const key = (d: Diagnostic) => `${String(d.code)}|${messageText(d)}`;

function counts(ds: readonly Diagnostic[], filter: (d: Diagnostic) => boolean): Map<string, number> {
    const m = new Map<string, number>();
    for (const d of ds) if (filter(d)) m.set(key(d), (m.get(key(d)) ?? 0) + 1);
    return m;
}

function newErrors(before: readonly Diagnostic[], after: readonly Diagnostic[]): string[] {
    const had = counts(before, d => d.severity === 1);
    const now = counts(after, d => d.severity === 1);
    return [...now].filter(([k, n]) => n > (had.get(k) ?? 0)).map(([k]) => k);
}

function apply(text: string, action: CodeAction): string {
    const changes = action.edit?.changes ?? {};
    const [uri] = Object.keys(changes);
    return TextDocument.applyEdits(TextDocument.create(uri, 'vmtopo', 1, text), changes[uri]);
}

async function actions(ws: Workspace, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    const doc = ws.documents[0];
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const result = await ws.services.vmtopo.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: { uri: doc.uri.toString() }, range, context: { diagnostics, only } });
    return (result ?? []) as CodeAction[];
}

describe('property: offered quick-fixes never add an error', () => {
    it('holds for generated hosts and VM sets (every fixable diagnostic, each offered action, and fix-all)', async () => {
        const runs = Number(process.env.VMTOPO_PROPERTY_RUNS ?? 12);
        let offered = 0;
        const codes = new Set<string>();
        await fc.assert(fc.asyncProperty(hostArb, fc.array(vmArb, { minLength: 1, maxLength: 4 }), async (host, vms) => {
            const text = `${hostText(host)}\n\n${vmsText(host, vms)}\n`;
            const ws = await build(text);
            const before = ws.diagnostics();
            // The generated host itself is valid: only the VMs are wrong.
            expect(before.filter(d => d.severity === 1 && /^(SYN|HOST|CAT)/.test(String(d.code))).map(key)).toEqual([]);
            for (const d of before) {
                if (!ruleById(String(d.code))?.quickFix) continue;
                for (const action of await actions(ws, [d])) {
                    if (action.kind !== 'quickfix') continue;
                    offered++;
                    codes.add(String(d.code));
                    const after = (await build(apply(text, action))).diagnostics();
                    expect(newErrors(before, after), `${action.title} on\n${text}`).toEqual([]);
                    if (action.diagnostics?.length === 1) {
                        expect(counts(after, x => key(x) === key(d)).get(key(d)) ?? 0, action.title).toBeLessThan(counts(before, x => key(x) === key(d)).get(key(d))!);
                    }
                }
            }
            for (const action of await actions(ws, [], ['source.fixAll'])) {
                const after = (await build(apply(text, action))).diagnostics();
                expect(newErrors(before, after), `fix-all on\n${text}`).toEqual([]);
            }
        }), { numRuns: runs });
        console.log(`quick-fix property: ${offered} actions applied over ${runs} generated documents (rules: ${[...codes].sort().join(', ')})`);
        expect(offered).toBeGreaterThan(0);
    }, 600_000);
});
