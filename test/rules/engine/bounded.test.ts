/**
 * Diagnostics stay bounded (issue 14, item 7): when N VMs over-subscribe one GPU, split one IOMMU
 * group or share one NIC, the diagnostics' total payload — JSON bytes of every diagnostic with its
 * related information and data (quick-fix edits included) — grows linearly with N, at most
 * {@link BYTES_PER_VM} bytes per VM, and the payload of 1,000 VMs is at most {@link LINEAR} × 10 ×
 * the payload of 100. A conflict of a group is one diagnostic (MIG003, VGPU007, VGPU002, VGPU003),
 * whose message names a few VMs and counts the rest; no diagnostic has more than `MAX_RELATED`
 * related entries. Before, N VMs taking `1g.18gb` from one GPU made N − 7 MIG003 diagnostics
 * that each named all N VMs: 10.3 MB for 200 VMs, O(N²). Now about 620 bytes per VM (615 KB for
 * 1,000), about 2.1 KB per VM where each VM has three diagnostics of its own (IOMMU001, SRIOV004).
 */
import { describe, expect, it } from 'vitest';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { MAX_NAMED, MAX_RELATED, nameList } from '../../../language/src/kernel/bounds.js';
import { build, withCode, type Workspace } from '../../support/util.js';
import { HOST } from '../../support/fixtures.js';

/**
 * Bytes of diagnostics per VM at most. Each VM here has a few diagnostics of its own (LOC008 for the
 * shared pin, GEN001 for a shared device, LIC003…), about 600 bytes each with their links and ranges.
 */
const BYTES_PER_VM = 3_000;
/** The payload of 1,000 VMs is at most this × 10 × the payload of 100 VMs. */
const LINEAR = 1.25;
/** Characters of one message (or quick-fix title) at most. */
const MAX_MESSAGE = 600;

/**
 * `n` VMs on the fixture host `h`, all pinned to CPUs 0,16 (one LOC008 each but the first) with
 * 256 MiB on NUMA 0 (1,000 of them fit its 256 GiB), each with `clause(i)`.
 */
function vms(n: number, clause: (i: number) => string, host = HOST): string {
    return host + Array.from({ length: n }, (_, i) => `vm v${i} on h { vcpus 2 pin 0,16 memory 256 MiB on numa 0 license nvaie ${clause(i)} }\n`).join('');
}

/** `a, …, h and 992 more`: the VM list of a group of `n` VMs v0…v{n-1}. */
function vmNames(n: number): string {
    return `${Array.from({ length: MAX_NAMED }, (_, i) => `v${i}`).join(', ')} and ${n - MAX_NAMED} more`;
}

interface Scenario {
    /** The documents of `n` VMs (or hosts). */
    readonly text: (n: number) => string;
    /** The rule of the group's conflict. */
    readonly code: string;
    /** How many diagnostics of `code` for `n` VMs. */
    readonly count: (n: number) => number;
    /** The message of the first diagnostic of `code`, when pinned. */
    readonly message?: (n: number) => string;
}

const SCENARIOS: Record<string, Scenario> = {
    'MIG slices over-subscribing one GPU (MIG003)': {
        text: n => vms(n, () => 'mig gpu0 "1g.18gb"'), code: 'MIG003', count: () => 1,
        message: n => `${n}× 1g.18gb on gpu0 (H200 SXM5 141GB): at most 7 fit; VMs ${vmNames(n)}.`
    },
    'MIG-backed vGPUs over-subscribing one GPU (VGPU007)': {
        text: n => vms(n, () => 'vgpu gpu0 "H200X-1-18C"'), code: 'VGPU007', count: () => 1,
        message: n => `${n}× H200X-1-18C on gpu0 (H200 SXM5 141GB): at most 7 fit; VMs ${vmNames(n)}.`
    },
    'MIG slices written at one start slot (MIG005 each, one fix for the layout)': {
        text: n => vms(n, () => 'mig gpu0 "1g.18gb" start 0'), code: 'MIG005', count: n => n - 1
    },
    'time-sliced vGPUs over the equal-size maximum (VGPU002)': {
        text: n => vms(n, () => 'vgpu gpu1 "H200X-141C"'), code: 'VGPU002', count: () => 1,
        message: n => `${n}× H200X-141C on gpu1 (H200 SXM5 141GB): at most 1 in equal-size mode; VMs ${vmNames(n)}.`
    },
    'time-sliced vGPUs on a GPU in MIG mode (VGPU003)': {
        text: n => vms(n, () => 'vgpu gpu0 "H200X-35C"', HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mig')), code: 'VGPU003', count: () => 1,
        message: n => `gpu0 is declared in MIG mode (vgpu-mode mig) but carries time-sliced vGPU H200X-35C (VMs ${vmNames(n)}); a GPU is in exactly one vGPU mode.`
    },
    'one IOMMU group split between VMs (IOMMU001)': {
        text: n => vms(n, i => `gpu gpu${i % 2} passthrough`,
            HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 iommu-group 5').replace('at 0000:12:00.0', 'at 0000:12:00.0 iommu-group 5')),
        code: 'IOMMU001', count: n => n
    },
    'a PF passed through while its VFs go to other VMs (SRIOV004)': {
        text: n => vms(n, i => (i % 2 ? 'nic nic0 passthrough' : `nic nic0 vf ${i % 4}`)), code: 'SRIOV004', count: n => n / 2
    },
    'a host template with a conflict, used by every host (HOST001)': {
        text: n => HOST.replace('host h {', 'host-template t {').replace('platform kvm', 'platform kvm\n    nic nicx "ConnectX-7" at 0000:13:00.0 on cpu0')
            + Array.from({ length: n }, (_, i) => `host h${i} from t { }\n`).join(''),
        code: 'HOST001', count: () => 2
    }
};

/** JSON bytes of the diagnostics, related information and data (quick-fixes) included. */
function payload(diagnostics: readonly Diagnostic[]): number {
    return Buffer.byteLength(JSON.stringify(diagnostics));
}

const messageOf = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

interface Fix { title: string; edits: unknown[] }
const fixesOf = (d: Diagnostic): Fix[] => ((d.data as { fixes?: Fix[] } | undefined)?.fixes ?? []);

/** Builds the scenario with `n` VMs and checks each diagnostic's bounds; the payload in bytes. */
async function measure(scenario: Scenario, n: number): Promise<{ bytes: number; ws: Workspace }> {
    const ws = await build(scenario.text(n));
    const diagnostics = ws.diagnostics();
    const group = withCode(diagnostics, scenario.code);
    expect(group).toHaveLength(scenario.count(n));
    if (scenario.message) expect(messageOf(group[0])).toBe(scenario.message(n));
    let edits = 0;
    for (const d of diagnostics) {
        expect(d.relatedInformation?.length ?? 0, `${d.code} related`).toBeLessThanOrEqual(MAX_RELATED);
        expect(messageOf(d).length, `${d.code} message`).toBeLessThanOrEqual(MAX_MESSAGE);
        for (const f of fixesOf(d)) {
            expect(f.title.length, `${d.code} fix title`).toBeLessThanOrEqual(MAX_MESSAGE);
            edits += f.edits.length;
        }
    }
    // The quick-fixes the diagnostics carry (the code actions' input): at most a few edits per VM in all.
    expect(edits).toBeLessThanOrEqual(2 * n);
    return { bytes: payload(diagnostics), ws };
}

describe('nameList: a few names and a count', () => {
    it('names up to the bound, then counts the rest; reads only the names it shows', () => {
        expect(nameList([])).toBe('');
        expect(nameList(['a'])).toBe('a');
        expect(nameList(['a', 'b', 'c'])).toBe('a, b, c');
        expect(nameList(['a', 'b', 'c'], { and: true })).toBe('a, b and c');
        expect(nameList(['a', 'b', 'c', 'd'], { max: 2 })).toBe('a, b and 2 more');
        expect(nameList(['a', 'b'], { max: 2, total: 1000 })).toBe('a, b and 998 more');
        expect(nameList([], { total: 3 })).toBe('3 more');
        expect(nameList(['1g', '1g', '2g'], { separator: ' + ' })).toBe('1g + 1g + 2g');
        const many = Array.from({ length: 1000 }, (_, i) => `v${i}`);
        expect(nameList(many)).toBe(vmNames(1000));
        expect(nameList(many, { max: 0 })).toBe('v0 and 999 more');
    });
});

describe('the diagnostics of N conflicting VMs grow linearly with N', () => {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
        it(name, async () => {
            const small = await measure(scenario, 100);
            const large = await measure(scenario, 1000);
            expect(large.bytes, `${large.bytes} bytes for 1,000`).toBeLessThanOrEqual(BYTES_PER_VM * 1000);
            expect(large.bytes, `${small.bytes} bytes for 100, ${large.bytes} for 1,000`).toBeLessThanOrEqual(LINEAR * 10 * small.bytes);
        }, 120_000);
    }
});

describe('the code action of a group conflict stays one action over the group', () => {
    it('MIG003 of 1,000 VMs: one "keep the largest layout" action removing the 993 slices beyond the maximum, a short title', async () => {
        const { ws } = await measure(SCENARIOS['MIG slices over-subscribing one GPU (MIG003)'], 1000);
        const [diagnostic] = withCode(ws.diagnostics(), 'MIG003');
        const document = ws.documents[0];
        const actions = (await ws.services.vmtopo.lsp.CodeActionProvider!.getCodeActions(document, {
            textDocument: { uri: document.uri.toString() }, range: diagnostic.range, context: { diagnostics: [diagnostic] }
        }) ?? []) as CodeAction[];
        const keep = actions.filter(a => a.title.startsWith('Keep the largest MIG layout that fits on gpu0'));
        expect(keep).toHaveLength(1);
        expect(keep[0].title).toBe(`Keep the largest MIG layout that fits on gpu0: remove ${Array.from({ length: MAX_NAMED }, (_, i) => `1g.18gb (v${i + 7})`).join(', ')} and 985 more`);
        expect(Object.values(keep[0].edit?.changes ?? {}).flat()).toHaveLength(993);
    }, 120_000);
});
