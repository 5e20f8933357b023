/**
 * Property (fast-check, a small fixed number of runs, fixed seed), driven by the export-format
 * registry: any VM that checks clean exports, in every per-VM format that runs on its host's platform,
 * to a file that format's consumer or schema accepts, and whose facts (read back by
 * test/support/plan-facts.ts) agree with the guest plan — the "same plan everywhere" comparison of
 * same-plan.test.ts, on generated VMs. Every other per-VM format refuses the VM with an ExportError.
 *
 * The VMs: on the dual-socket fixture board (test/support/fixtures.ts) as `platform kvm`,
 * `platform kubevirt` (with or without 1 GiB hugepage pools) or `platform esxi`, with 2, 4 or 8 vCPUs
 * floating, pinned on one node (SMT pairs), on both nodes (with or without SMT pairs), or on single threads, with or without an
 * emulator pin, memory of 4, 16 or 64 GiB bound to the vCPUs' node(s), to node 0 or not at all, with
 * or without hugepages, zero to two GPUs (passthrough, vGPU or a MIG-backed vGPU), a NIC (PF or VF)
 * and an `mmio` size.
 *
 * What accepts each format's file (the checker of a format the table lacks fails the first test):
 * libvirt: libvirt's RELAX NG domain schema, the one virt-xml-validate applies (xmllint, all files in
 * one run); NCCL: an XML parser (the writer checks NCCL's subset itself); KubeVirt: KubeVirt's OpenAPI
 * schema (closed objects) for both documents, and the CPU topology the webhook allows;
 * cloud-hypervisor: its OpenAPI `VmConfig` (closed); its command line: parsed back, the same
 * `VmConfig`; Proxmox VE: every key and value against Proxmox's API schema; vmx: every line a known
 * key with a value of its type. Runs: VMTOPO_PROPERTY_RUNS (default 36); a failure prints the seed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { parseAllDocuments } from 'yaml';
import { EXPORT_FORMATS, vmxKey, vmxValueFits, type VmFormat } from '../../../language/src/features/export/index.js';
import { ExportError } from '../../../language/src/model/export-error.js';
import { planGuestAddresses } from '../../../language/src/model/guest-plan.js';
import type { VmModel } from '../../../language/src/model/topology.js';
import { checkPveConfig } from '../../../scripts/check-pve-conf.mjs';
import { ESXI_HOST, HOST } from '../../support/fixtures.js';
import { kubevirtProblems } from '../../support/kubevirt-schema.js';
import { FORMAT_READERS, compareWithPlan, libvirtAddressesOf, runsOn } from '../../support/plan-facts.js';
import { ajvErrors, chvValidators, pveProperties } from '../../support/platform-schemas.js';
import { parseChvScript, parseVmx } from '../../support/platform-files.js';
import { build, describeWithReference } from '../../support/util.js';

const RUNS = Number(process.env.VMTOPO_PROPERTY_RUNS ?? 36);
const VM_FORMATS = EXPORT_FORMATS.filter((f): f is VmFormat => f.scope === 'vm');
/** libvirt's domain schema, as virt-xml-validate finds it (`/usr/share/libvirt/schemas/<type>.rng`). */
const DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng';

/** What accepts a format's file: its problems (empty: accepted); `files`: where a format checked in one batch at the end leaves its file. */
type Checker = (text: string, vm: VmModel, files: string[]) => string[];

const CHECKERS: Readonly<Record<string, Checker>> = {
    libvirt: (text, vm, files) => {
        const file = path.join(tmp(), `${files.length}-${vm.name}.domain.xml`);
        fs.writeFileSync(file, text);
        files.push(file);
        return [];
    },
    nccl: text => {
        const valid = XMLValidator.validate(text);
        return valid === true ? [] : [valid.err.msg];
    },
    kubevirt: (text, vm) => {
        const docs = parseAllDocuments(text) as unknown as { errors: unknown[]; toJS(): any }[];
        const errors = docs.flatMap(d => d.errors.map(String));
        if (errors.length > 0) return errors;
        const [machine, cr] = docs.map(d => d.toJS());
        const cpu = machine.spec.template.spec.domain.cpu;
        return [
            ...kubevirtProblems('v1.VirtualMachine', machine),
            ...kubevirtProblems('v1.KubeVirt', cr),
            ...(cpu.sockets * cpu.cores * cpu.threads === vm.vcpus ? [] : [`CPU topology ${cpu.sockets}×${cpu.cores}×${cpu.threads} is not ${vm.vcpus} vCPUs`]),
            ...(cpu.threads <= 2 ? [] : [`${cpu.threads} threads per core: the webhook allows 2 with dedicated CPUs`])
        ];
    },
    'cloud-hypervisor': text => {
        const v = chvValidators()!.vmConfigClosed;
        return v(JSON.parse(text)) ? [] : ajvErrors(v);
    },
    'cloud-hypervisor-cli': text => {
        const v = chvValidators()!.vmConfigClosed;
        return v(parseChvScript(text).config) ? [] : ajvErrors(v);
    },
    proxmox: text => checkPveConfig(text, pveProperties()!),
    vmx: text => {
        const { pairs, problems } = parseVmx(text);
        return [...problems, ...[...pairs].filter(([key, value]) => {
            const known = vmxKey(key);
            return !known || !vmxValueFits(known.type, value);
        }).map(([key, value]) => `${key} = "${value}": not a known key with a value of its type`)];
    }
};

let folder: string | undefined;
const tmp = () => (folder ??= fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-exports-property-')));

interface VmShape {
    readonly platform: 'kvm' | 'kubevirt' | 'esxi';
    readonly pools: boolean;
    readonly vcpus: 2 | 4 | 8;
    readonly cpus: 'none' | 'node0' | 'node1' | 'both' | 'both-smt' | 'single-threads';
    readonly emulator: boolean;
    readonly memoryGiB: number;
    readonly bind: 'none' | 'local' | 'node0';
    readonly hugepages: boolean;
    readonly gpus: readonly ('passthrough' | 'vgpu' | 'mig')[];
    readonly nic: 'none' | 'pf' | 'vf';
    readonly mmio: boolean;
}

const shapeArb: fc.Arbitrary<VmShape> = fc.record({
    platform: fc.constantFrom('kvm' as const, 'kubevirt' as const, 'esxi' as const),
    pools: fc.boolean(),
    vcpus: fc.constantFrom(2 as const, 4 as const, 8 as const),
    cpus: fc.constantFrom('none' as const, 'node0' as const, 'node1' as const, 'both' as const, 'both-smt' as const, 'single-threads' as const),
    emulator: fc.boolean(),
    memoryGiB: fc.constantFrom(4, 16, 64),
    bind: fc.constantFrom('none' as const, 'local' as const, 'node0' as const),
    hugepages: fc.boolean(),
    gpus: fc.array(fc.constantFrom('passthrough' as const, 'vgpu' as const, 'mig' as const), { maxLength: 2 }),
    nic: fc.constantFrom('none' as const, 'pf' as const, 'vf' as const),
    mmio: fc.boolean()
});

/**
 * The fixture board (NUMA 0: CPUs 0-7 + SMT siblings 16-23, gpu0, gpu1, nic0; NUMA 1: 8-15 + 24-31,
 * gpu2, gpu3, nic1) on the shape's platform, and one VM `v` on it; GPUs and NIC from the vCPUs' node.
 */
function text(s: VmShape): string {
    const pool = s.pools ? '  hugepages 1 GiB count 100' : '';
    const host = (s.platform === 'esxi' ? ESXI_HOST : HOST.replace('platform kvm', `platform ${s.platform}`))
        .replace(/(memory 256 GiB)/g, `$1${pool}`);
    const name = s.platform === 'esxi' ? 'e' : 'h';
    const half = s.vcpus / 2;
    const range = (from: number, n: number) => (n === 1 ? `${from}` : `${from}-${from + n - 1}`);
    const pin = {
        none: '', node0: `${range(0, half)},${range(16, half)}`, node1: `${range(8, half)},${range(24, half)}`,
        both: `${range(0, half)},${range(8, half)}`, 'single-threads': range(0, s.vcpus),
        // SMT pairs on both nodes: 0,16,8,24 for 4 vCPUs
        'both-smt': s.vcpus === 2 ? '0,8' : `${range(0, half / 2)},${range(16, half / 2)},${range(8, half / 2)},${range(24, half / 2)}`
    }[s.cpus];
    const node = s.cpus === 'node1' ? 1 : 0;
    const nodes = s.cpus.startsWith('both') ? '0,1' : String(node);
    const gpuNames = node === 1 ? ['gpu2', 'gpu3'] : ['gpu0', 'gpu1'];
    const gpus = s.gpus.map((mode, k) => ({ passthrough: `gpu ${gpuNames[k]} passthrough`, vgpu: `vgpu ${gpuNames[k]} "H200X-141C"`, mig: `mig ${gpuNames[k]} "1g.18gb"` })[mode]);
    const passthrough = s.gpus.filter(m => m === 'passthrough').length;
    const nic = node === 1 ? 'nic1' : 'nic0';
    const bind = { none: '', local: ` on numa ${nodes}`, node0: ' on numa 0' }[s.bind];
    const lines = [
        `vcpus ${s.vcpus}${pin ? ` pin ${pin}` : ''}`,
        ...(s.emulator && pin ? [`emulator pin ${node === 1 ? 31 : 23}`] : []),
        `memory ${s.memoryGiB} GiB${bind}${s.hugepages ? ' hugepages 1 GiB' : ''}`,
        ...gpus,
        ...(s.nic === 'pf' ? [`nic ${nic} passthrough`] : s.nic === 'vf' ? [`nic ${nic} vf 1`] : []),
        ...(passthrough > 0 ? [`mmio ${512 * passthrough} GiB`] : s.mmio ? ['mmio 64 GiB'] : []),
        ...(s.gpus.some(m => m !== 'passthrough') ? ['license nvaie'] : []),
        ...(s.platform === 'esxi' ? ['reserve all'] : [])
    ];
    return `${host}\nvm v on ${name} {\n${lines.map(l => `    ${l}`).join('\n')}\n}\n`;
}

describeWithReference('any VM that checks clean exports, in every format of its platform, to accepted files that state its plan', () => {
    it('every per-VM format of the registry has a checker and a reader', () => {
        expect(VM_FORMATS.map(f => f.id).filter(id => !(id in CHECKERS) || !(id in FORMAT_READERS))).toEqual([]);
    });

    it(`holds for generated hosts and VMs (${RUNS} runs)`, async () => {
        const clean: Record<string, number> = {};
        const libvirtFiles: string[] = [];
        try {
            await fc.assert(fc.asyncProperty(shapeArb, async shape => {
                const source = text(shape);
                const ws = await build(source);
                if (ws.diagnostics().some(d => d.severity === 1)) return;
                const vm = ws.resolved().topology.vms[0];
                clean[shape.platform] = (clean[shape.platform] ?? 0) + 1;
                const plan = planGuestAddresses(vm);
                const texts = new Map<string, string>();
                for (const format of VM_FORMATS) {
                    const writer = await format.writer();
                    if (!runsOn(format, vm.host.platform)) {
                        expect(() => writer(vm, plan), `${format.id} refuses a VM on ${vm.host.platform}`).toThrow(ExportError);
                        continue;
                    }
                    const file = writer(vm, plan);
                    texts.set(format.id, file);
                    expect(CHECKERS[format.id](file, vm, libvirtFiles), `${format.id}: accepted\n${source}\n${file}`).toEqual([]);
                }
                const libvirtAddresses = libvirtAddressesOf(texts.get('libvirt'));
                for (const [id, file] of texts) {
                    expect(compareWithPlan(FORMAT_READERS[id](file, { vm, plan, libvirtAddresses }), plan).problems, `${id}: the plan's facts\n${source}\n${file}`).toEqual([]);
                }
                // the command line is the JSON's configuration
                if (texts.has('cloud-hypervisor')) expect(parseChvScript(texts.get('cloud-hypervisor-cli')!).config).toEqual(JSON.parse(texts.get('cloud-hypervisor')!));
            }), { numRuns: RUNS, seed: 15, endOnFailure: true });
            // the generator is not vacuous: VMs of every platform check clean
            expect(Object.keys(clean).sort()).toEqual(['esxi', 'kubevirt', 'kvm']);
            expect(Object.values(clean).reduce((a, b) => a + b, 0)).toBeGreaterThan(RUNS / 4);
            // libvirt's files, all in one run of the RELAX NG validator virt-xml-validate uses
            expect(libvirtFiles.length).toBeGreaterThan(0);
            const validate = spawnSync('xmllint', ['--noout', '--relaxng', DOMAIN_RNG, ...libvirtFiles], { encoding: 'utf8' });
            expect(validate.stderr.split('\n').filter(l => l && !l.endsWith(' validates')), 'libvirt\'s domain schema').toEqual([]);
            expect(validate.status).toBe(0);
        } finally {
            if (folder) fs.rmSync(folder, { recursive: true, force: true });
        }
    }, 120_000);
});
