/**
 * Property (fast-check): any VM that checks clean — on a generated two-socket host, `platform kvm` or
 * `platform kubevirt`, with passthrough GPUs, vGPUs, MIG slices, passthrough NICs and VFs, pinned on
 * one node, on both or floating, with or without hugepages, memory binding and an emulator pin —
 * exports to a KubeVirt file whose two documents KubeVirt's own OpenAPI schema accepts (closed
 * objects, test/support/kubevirt-schema.ts) and whose CPU topology multiplies out to the VM's vCPUs.
 * Runs: VMTOPO_PROPERTY_RUNS (default 20); a failure prints the seed and the text.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { exportVm } from '../../../language/src/features/export/index.js';
import { kubevirtProblems } from '../../support/kubevirt-schema.js';
import { build, describeWithReference } from '../../support/util.js';

const RUNS = Number(process.env.VMTOPO_PROPERTY_RUNS ?? 20);

interface VmConfig {
    readonly kubevirt: boolean;
    readonly pools: boolean;
    readonly vcpus: 2 | 4 | 8;
    readonly pin: 'none' | 'node0' | 'node1' | 'both';
    readonly emulator: boolean;
    readonly memoryGiB: number;
    readonly bind: boolean;
    readonly hugepages: boolean;
    readonly gpus: readonly ('passthrough' | 'vgpu' | 'mig' | null)[];
    readonly nic: 'none' | 'pf' | 'vf';
}

const vmArb: fc.Arbitrary<VmConfig> = fc.record({
    kubevirt: fc.boolean(),
    pools: fc.boolean(),
    vcpus: fc.constantFrom(2 as const, 4 as const, 8 as const),
    pin: fc.constantFrom('none' as const, 'node0' as const, 'node1' as const, 'both' as const),
    emulator: fc.boolean(),
    memoryGiB: fc.constantFrom(4, 16, 64),
    bind: fc.boolean(),
    hugepages: fc.boolean(),
    gpus: fc.array(fc.constantFrom('passthrough' as const, 'vgpu' as const, 'mig' as const, null), { minLength: 2, maxLength: 2 }),
    nic: fc.constantFrom('none' as const, 'pf' as const, 'vf' as const)
});

/** The host and one VM of a configuration, as vmtopo text. */
function text(c: VmConfig): string {
    const pool = c.pools ? '  hugepages 1 GiB count 100' : '';
    const half = c.vcpus / 2;
    const range = (from: number, n: number) => (n === 1 ? `${from}` : `${from}-${from + n - 1}`);
    const pin = c.pin === 'node0' ? `${range(0, half)},${range(16, half)}`
        : c.pin === 'node1' ? `${range(8, half)},${range(24, half)}`
            : `${range(0, half)},${range(8, half)}`;
    const node = c.pin === 'node1' ? 1 : 0;
    const gpuNames = node === 1 ? ['gpu2', 'gpu3'] : ['gpu0', 'gpu1'];
    const gpuClauses = c.gpus.flatMap((mode, k) => mode === 'passthrough' ? [`gpu ${gpuNames[k]} passthrough`]
        : mode === 'vgpu' ? [`vgpu ${gpuNames[k]} "H200X-141C"`] : mode === 'mig' ? [`mig ${gpuNames[k]} "1g.18gb"`] : []);
    const slices = c.gpus.some(m => m === 'vgpu' || m === 'mig');
    const nic = node === 1 ? 'nic1' : 'nic0';
    return [
        'host h {',
        `    platform ${c.kubevirt ? 'kubevirt' : 'kvm'}`,
        `    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB${pool} }`,
        `    socket cpu1 { numa 1  cores 8-15,24-31  memory 256 GiB${pool} }`,
        '    pcie-switch sw0 at 0000:10:00.0 on cpu0 {',
        '        gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0',
        '        gpu gpu1 "H200 SXM5 141GB" at 0000:12:00.0',
        '        nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 4',
        '    }',
        '    pcie-switch sw1 at 0000:90:00.0 on cpu1 {',
        '        gpu gpu2 "H200 SXM5 141GB" at 0000:91:00.0',
        '        gpu gpu3 "H200 SXM5 141GB" at 0000:92:00.0',
        '        nic nic1 "ConnectX-7" at 0000:93:00.0 vfs 4',
        '    }',
        '}',
        'vm v on h {',
        `    vcpus ${c.vcpus}${c.pin === 'none' ? '' : ` pin ${pin}`}`,
        ...(c.emulator && c.pin !== 'none' ? [`    emulator pin ${node === 1 ? 15 : 7}`] : []),
        `    memory ${c.memoryGiB} GiB${c.bind ? ` on numa ${node}` : ''}${c.hugepages ? ' hugepages 1 GiB' : ''}`,
        ...gpuClauses.map(g => `    ${g}`),
        ...(c.nic === 'pf' ? [`    nic ${nic} passthrough`] : c.nic === 'vf' ? [`    nic ${nic} vf 1`] : []),
        ...(slices ? ['    license nvaie'] : []),
        ...(gpuClauses.some(g => g.includes('passthrough')) ? [`    mmio ${512 * gpuClauses.filter(g => g.includes('passthrough')).length} GiB`] : []),
        '}',
        ''
    ].join('\n');
}

describeWithReference('any VM that checks clean exports to a schema-valid KubeVirt file', () => {
    it(`holds for generated hosts and VMs (${RUNS} runs)`, async () => {
        let clean = 0;
        await fc.assert(fc.asyncProperty(vmArb, async c => {
            const source = text(c);
            const ws = await build(source);
            if (ws.diagnostics().some(d => d.severity === 1)) return;
            clean++;
            const vm = ws.resolved().topology.vms[0];
            const yaml = exportVm(vm, 'kubevirt');
            const docs = parseAllDocuments(yaml) as unknown as { errors: unknown[]; toJS(): any }[];
            expect(docs.flatMap(d => d.errors), source).toEqual([]);
            const [machine, cr] = docs.map(d => d.toJS());
            expect(kubevirtProblems('v1.VirtualMachine', machine), `${source}\n${yaml}`).toEqual([]);
            expect(kubevirtProblems('v1.KubeVirt', cr), `${source}\n${yaml}`).toEqual([]);
            const cpu = machine.spec.template.spec.domain.cpu;
            expect(cpu.sockets * cpu.cores * cpu.threads).toBe(vm.vcpus);
            expect(cpu.threads).toBeLessThanOrEqual(2); // the webhook's limit with dedicated CPUs
        }), { numRuns: RUNS, seed: 15, endOnFailure: true });
        // the generator is not vacuous: most configurations check clean
        expect(clean).toBeGreaterThan(RUNS / 4);
    }, 120_000);
});
