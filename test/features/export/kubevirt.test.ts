/**
 * KubeVirt export (features/export/kubevirt.ts): every VM of the HGX example, and every VM of the
 * misconfigured example that has no error of its own, is written as a `VirtualMachine` and a
 * `KubeVirt` CR part that KubeVirt's own OpenAPI schema accepts (closed: no key KubeVirt's API
 * lacks; test/support/kubevirt-schema.ts), matches its golden file, and states the guest plan's
 * facts: CPU topology, dedicated CPUs, NUMA passthrough only where the admission webhook allows it,
 * memory and hugepages, every device by a resource the CR part permits from the catalog's PCI ids.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ExportError, exportFileName, exportVm } from '../../../language/src/features/export/index.js';
import { NOT_EXPRESSED_ANNOTATION, kubevirtName } from '../../../language/src/features/export/kubevirt.js';
import { planGuestAddresses } from '../../../language/src/model/guest-plan.js';
import type { VmModel } from '../../../language/src/model/topology.js';
import { GPUS, NICS } from '../../../language/src/catalog/index.js';
import { ESXI_HOST, HOST } from '../../support/fixtures.js';
import { expectGolden } from '../../support/golden.js';
import { kubevirtProblems } from '../../support/kubevirt-schema.js';
import { build, buildWorkspace, describeWithReference, readRepoFile } from '../../support/util.js';
import { exampleVms } from '../../support/example-vms.js';

type Yaml = any;

/** The two documents of a KubeVirt file; fails on a YAML error. */
function documents(text: string): [Yaml, Yaml] {
    const docs = parseAllDocuments(text);
    expect(Array.isArray(docs) ? docs.flatMap(d => d.errors.map(e => e.message)) : ['not a document stream']).toEqual([]);
    const values = (docs as ReturnType<typeof parseAllDocuments> & unknown[]).map(d => (d as { toJS(): Yaml }).toJS());
    expect(values).toHaveLength(2);
    return [values[0], values[1]];
}

/** The VMs of the misconfigured example with no error diagnostic inside their declaration or their host's, on KVM hosts. */
async function validVmsOfMisconfigured(): Promise<VmModel[]> {
    const ws = await buildWorkspace({ 'misconfigured.vmtopo': readRepoFile('examples/misconfigured.vmtopo') });
    const errors = ws.diagnostics().filter(d => d.severity === 1);
    const model = ws.documents[0].parseResult.value;
    const clean = (node: { $cstNode?: { range: { start: { line: number }; end: { line: number } } } }) => {
        const r = node.$cstNode!.range;
        return !errors.some(e => e.range.start.line >= r.start.line && e.range.start.line <= r.end.line);
    };
    const cleanHosts = new Set(model.hosts.filter(clean).map(h => h.name));
    const cleanVms = new Set(model.vms.filter(clean).map(v => v.name));
    return ws.resolved().topology.vms.filter(vm => cleanVms.has(vm.name) && cleanHosts.has(vm.host.name) && vm.host.platform === 'kvm');
}

const hgx = exampleVms();
const { vm } = hgx;
let misconfigured: VmModel[];
beforeAll(async () => {
    misconfigured = await validVmsOfMisconfigured();
}, 60_000);

describeWithReference('every KubeVirt file is valid against KubeVirt\'s OpenAPI schema and matches its golden file', () => {
    it('the HGX example has five VMs and the misconfigured example these VMs without errors of their own', () => {
        expect(hgx.all().map(v => v.name)).toEqual(['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d']);
        expect(misconfigured.map(v => v.name)).toEqual(['wide', 'o1', 'o2', 'spread', 'share', 'fat']);
    });

    for (const example of ['hgx', 'misconfigured'] as const) {
        it(`${example}: VirtualMachine against v1.VirtualMachine, CR part against v1.KubeVirt, golden files`, () => {
            for (const v of example === 'hgx' ? hgx.all() : misconfigured) {
                const text = exportVm(v, 'kubevirt');
                const [machine, cr] = documents(text);
                expect(kubevirtProblems('v1.VirtualMachine', machine), v.name).toEqual([]);
                expect(kubevirtProblems('v1.KubeVirt', cr), v.name).toEqual([]);
                expectGolden(example === 'hgx' ? exportFileName(v.name, 'kubevirt') : `misconfigured-${exportFileName(v.name, 'kubevirt')}`, text);
            }
        });
    }

    it('the closed schema has teeth: an unknown key at depth, a wrong type and a missing required field are refused', () => {
        const [machine, cr] = documents(exportVm(vm('train-a'), 'kubevirt'));
        const misspelt = structuredClone(machine);
        misspelt.spec.template.spec.domain.cpu.dedicatedCPUPlacement = true;
        expect(kubevirtProblems('v1.VirtualMachine', misspelt)).toEqual(['/spec/template/spec/domain/cpu: must NOT have additional properties (dedicatedCPUPlacement)']);
        const wrongType = structuredClone(machine);
        wrongType.spec.template.spec.domain.cpu.cores = '48';
        expect(kubevirtProblems('v1.VirtualMachine', wrongType)).toEqual(['/spec/template/spec/domain/cpu/cores: must be integer']);
        const nameless = structuredClone(cr);
        delete nameless.spec.configuration.permittedHostDevices.pciHostDevices[0].resourceName;
        expect(kubevirtProblems('v1.KubeVirt', nameless)).toEqual(["/spec/configuration/permittedHostDevices/pciHostDevices/0: must have required property 'resourceName'"]);
    });
});

describe('what a KubeVirt file states', () => {
    it('train-a: dedicated CPUs with the plan\'s topology, NUMA passthrough, memory, hugepages, devices by permitted resource', () => {
        const plan = planGuestAddresses(vm('train-a'));
        const [machine, cr] = documents(exportVm(vm('train-a'), 'kubevirt'));
        const domain = machine.spec.template.spec.domain;
        expect(domain.cpu).toMatchObject({
            sockets: plan.cpuTopology.sockets, cores: plan.cpuTopology.cores, threads: plan.cpuTopology.threads,
            dedicatedCpuPlacement: true, isolateEmulatorThread: true, numa: { guestMappingPassthrough: {} }
        });
        expect(domain.cpu.sockets * domain.cpu.cores * domain.cpu.threads).toBe(96);
        expect(domain.memory).toEqual({ guest: '768Gi', hugepages: { pageSize: '1Gi' } });
        expect(machine.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'sprocket' });
        expect(domain.devices.gpus.map((g: Yaml) => g.name)).toEqual(['gpu0', 'gpu1', 'gpu2', 'gpu3']);
        expect(domain.devices.hostDevices.map((g: Yaml) => g.name)).toEqual(['mlx5-3', 'mlx5-5', 'mlx5-4', 'mlx5-2']);
        // every deviceName is a resource the CR part permits, by the catalog's PCI ids of the model
        const permitted = cr.spec.configuration.permittedHostDevices.pciHostDevices as { pciVendorSelector: string; resourceName: string }[];
        const h200 = GPUS.find(g => g.model === 'H200 SXM5 141GB')!;
        const cx7 = NICS.find(n => n.model === 'ConnectX-7')!;
        const selectors = (resource: string) => permitted.filter(p => p.resourceName === resource).map(p => p.pciVendorSelector.toLowerCase());
        expect(selectors(domain.devices.gpus[0].deviceName)).toEqual(h200.pciIds.map(id => `${id.vendor}:${id.device}`));
        expect(selectors(domain.devices.hostDevices[0].deviceName)).toEqual(cx7.pciIds.map(id => `${id.vendor}:${id.device}`));
        for (const d of [...domain.devices.gpus, ...domain.devices.hostDevices]) expect(selectors(d.deviceName).length, d.name).toBeGreaterThan(0);
        expect(cr.spec.configuration.developerConfiguration.featureGates).toEqual(['NUMA', 'PCINUMAAwareTopology']);
        expect(machine.metadata.annotations[NOT_EXPRESSED_ANNOTATION].split(',')).toEqual(['host-cpus', 'emulator-cpus', 'numa-cells', 'memory-nodes', 'guest-pci-addresses', 'mmio64']);
    });

    it('tenant-c: the MIG-backed vGPU as a mediated device, the VF as an sriov interface on a Multus network', () => {
        const [machine, cr] = documents(exportVm(vm('tenant-c'), 'kubevirt'));
        const spec = machine.spec.template.spec;
        expect(spec.domain.devices.gpus).toEqual([{ name: 'gpu6-vgpu', deviceName: 'nvidia.com/H200X-1-18C' }]);
        expect(cr.spec.configuration.permittedHostDevices).toEqual({ mediatedDevices: [{ mdevNameSelector: 'H200X-1-18C', resourceName: 'nvidia.com/H200X-1-18C' }] });
        expect(spec.domain.devices.interfaces).toEqual([{ name: 'mlx5-8-vf0', sriov: {} }]);
        expect(spec.networks).toEqual([{ name: 'mlx5-8-vf0', multus: { networkName: 'sriov-mlx5-8' } }]);
        expect(machine.metadata.annotations[NOT_EXPRESSED_ANNOTATION]).toContain('vf-index');
        expect(machine.metadata.annotations[NOT_EXPRESSED_ANNOTATION]).toContain('mig-instance');
    });

    it('writes what KubeVirt cannot express as comments: host CPUs, the 64-bit MMIO size, guest PCI addresses', () => {
        const text = exportVm(vm('train-a'), 'kubevirt');
        expect(text).toMatch(/^# - host CPUs: the pin list 8-55,136-183 is not stated/m);
        expect(text).toMatch(/^# - 64-bit MMIO window: 2048 GiB needed, and KubeVirt has no field for its size/m);
        expect(text).toMatch(/^# - guest PCI addresses: .*gpu0 0000:43:00\.0/m);
    });

    it('a pinned VM without hugepages gets dedicated CPUs but no NUMA passthrough (the webhook would refuse it), and says so', async () => {
        const ws = await build(HOST.replace('platform kvm', 'platform kubevirt') + 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 gpu gpu0 passthrough }');
        const a = ws.resolved().topology.vms[0];
        const text = exportVm(a, 'kubevirt');
        const [machine] = documents(text);
        expect(machine.spec.template.spec.domain.cpu.dedicatedCpuPlacement).toBe(true);
        expect(machine.spec.template.spec.domain.cpu.numa).toBeUndefined();
        expect(text).toContain('# no numa.guestMappingPassthrough: the admission webhook refuses it without hugepages (rule KVIRT001)');
    });

    it('a floating VM (no pin) gets neither dedicated CPUs nor an emulator thread of its own', async () => {
        const ws = await build(HOST + 'vm f on h { vcpus 6 memory 12 GiB }');
        const [machine, cr] = documents(exportVm(ws.resolved().topology.vms[0], 'kubevirt'));
        expect(machine.spec.template.spec.domain.cpu).toEqual({ sockets: 1, cores: 6, threads: 1, model: 'host-passthrough' });
        expect(machine.spec.template.spec.domain.devices).toEqual({});
        expect(cr.spec).toEqual({ configuration: {} });
    });

    it('names are RFC 1123 labels', () => {
        expect(kubevirtName('mlx5_8-vf0')).toBe('mlx5-8-vf0');
        expect(kubevirtName('Train_A')).toBe('train-a');
        expect(kubevirtName('__')).toBe('vm');
    });

    it('refuses a VM on an ESXi host with one clear message', async () => {
        const ws = await build(ESXI_HOST + 'vm x on e { vcpus 2 memory 8 GiB gpu gpu0 passthrough }');
        const x = ws.resolved().topology.vms[0];
        expect(() => exportVm(x, 'kubevirt')).toThrow(ExportError);
        expect(() => exportVm(x, 'kubevirt')).toThrow('x runs on ESXi host e; KubeVirt runs VMs on KVM (platform kubevirt or kvm)');
    });

    it('exports the same text twice', () => {
        expect(exportVm(vm('infer-b'), 'kubevirt')).toBe(exportVm(vm('infer-b'), 'kubevirt'));
    });
});
