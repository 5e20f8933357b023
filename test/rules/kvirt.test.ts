/**
 * KVIRT — what KubeVirt refuses or silently loses of a VM on a `platform kubevirt` host: KVIRT001
 * (NUMA placement without dedicated CPUs or hugepages: the admission webhook refuses
 * guestMappingPassthrough), KVIRT002 (passthrough GPUs needing a bigger 64-bit MMIO window than
 * QEMU's q35 default, which KubeVirt cannot change), KVIRT003 (a GPU and a NIC of one NUMA node
 * without a common switch share the pxb-pcie of PCINUMAAwareTopology, kubevirt issue #19103).
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity } from '../support/fixtures.js';
import { expectFix } from '../support/quick-fixes.js';

/** {@link HOST} as a Kubernetes node running KubeVirt. */
const KUBEVIRT_HOST = HOST.replace('platform kvm', 'platform kubevirt');
const diagnostics = async (text: string) => (await build(text)).diagnostics();

describe('platform kubevirt', () => {
    it('is a KVM host run by KubeVirt: the KVM rules apply, and the model says kubevirt', async () => {
        const ws = await build(KUBEVIRT_HOST + 'vm big on h { vcpus 256 memory 16 GiB }');
        expect(ws.resolved().topology.hosts[0]).toMatchObject({ platform: 'kvm', kubevirt: true });
        expect(withCode(ws.diagnostics(), 'KVM001')).toHaveLength(1);
        expect(ws.diagnostics().filter(d => d.severity === Severity.error)).toEqual([]);
    });
    it('no KVIRT rule fires on a plain KVM host', async () => {
        const text = HOST + 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 gpu gpu0 passthrough nic nic2 passthrough }';
        expect((await diagnostics(text)).filter(d => String(d.code).startsWith('KVIRT'))).toEqual([]);
    });
});

describe('KVIRT001: NUMA passthrough needs dedicated CPUs and hugepages', () => {
    it('warns for a pinned VM without hugepages, and its quick-fix adds 1 GiB hugepages', async () => {
        const text = KUBEVIRT_HOST + 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 }';
        const found = withCode(await diagnostics(text), 'KVIRT001');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.warning,
            "a pins its vCPUs (0-1,16-17) but has no hugepages: KubeVirt's admission webhook refuses numa.guestMappingPassthrough without dedicatedCpuPlacement and hugepages, so the KubeVirt export leaves it out and the guest sees one NUMA node."]]);
        await expectFix(text, 'KVIRT001', "Back a's memory with 1 GiB hugepages", text.replace('on numa 0', 'on numa 0 hugepages 1 GiB'));
    });
    it('warns for memory bound to a node without a pin list (no dedicated CPUs), with no quick-fix to guess CPUs', async () => {
        const text = KUBEVIRT_HOST + 'vm a on h { vcpus 4 memory 16 GiB on numa 1 hugepages 1 GiB }';
        const found = withCode(await diagnostics(text), 'KVIRT001');
        expect(found.map(d => d.message)).toEqual(["a binds its memory to NUMA node 1 but has no dedicated CPUs (a pin list): KubeVirt's admission webhook refuses numa.guestMappingPassthrough without dedicatedCpuPlacement and hugepages, so the KubeVirt export leaves it out and the guest sees one NUMA node."]);
    });
    it('is quiet for a pinned VM with hugepages, and for a floating VM that asks for no NUMA placement', async () => {
        expect(withCode(await diagnostics(KUBEVIRT_HOST + 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 hugepages 1 GiB }'), 'KVIRT001')).toEqual([]);
        expect(withCode(await diagnostics(KUBEVIRT_HOST + 'vm a on h { vcpus 4 memory 16 GiB }'), 'KVIRT001')).toEqual([]);
    });
});

describe('KVIRT002: the 64-bit MMIO window KubeVirt cannot size', () => {
    it('warns for a passthrough H200 (512 GiB of BARs against 32 GiB), naming the mmio clause it cannot state', async () => {
        const text = KUBEVIRT_HOST + 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 hugepages 1 GiB gpu gpu0 passthrough mmio 512 GiB }';
        const found = withCode(await diagnostics(text), 'KVIRT002');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.warning,
            "a's passthrough GPUs need a 512 GiB 64-bit MMIO window; KubeVirt has no field to size it, so QEMU's q35 default of 32 GiB applies unless the guest firmware sizes the window from the CPU's physical address bits (its mmio 512 GiB cannot be stated)."]]);
    });
    it('is quiet for a vGPU (no BARs of the physical GPU in the guest window)', async () => {
        const text = KUBEVIRT_HOST + 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 hugepages 1 GiB vgpu gpu0 "H200X-141C" license nvaie }';
        expect(withCode(await diagnostics(text), 'KVIRT002')).toEqual([]);
    });
});

describe('KVIRT003: a GPU and a NIC on different root complexes of one NUMA node', () => {
    it('warns for gpu0 with nic2 (NUMA 0, no common switch), not for gpu0 with nic0 (same switch)', async () => {
        const base = 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 hugepages 1 GiB gpu gpu0 passthrough nic NIC passthrough }';
        const far = withCode(await diagnostics(KUBEVIRT_HOST + base.replace('NIC', 'nic2')), 'KVIRT003');
        expect(far.map(d => [d.severity, d.message])).toEqual([[Severity.warning,
            'a: gpu0–nic2 is a GPU and a NIC on one NUMA node with no common PCIe switch; with PCINUMAAwareTopology KubeVirt puts them behind the same pxb-pcie, so the guest sees them as close as a GPU and NIC behind one switch (kubevirt issue #19103).']]);
        expect(withCode(await diagnostics(KUBEVIRT_HOST + base.replace('NIC', 'nic0')), 'KVIRT003')).toEqual([]);
    });
    it('is quiet for a GPU and a NIC on different NUMA nodes (KubeVirt keeps them on different pxb-pcie)', async () => {
        const text = KUBEVIRT_HOST + 'vm a on h { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 hugepages 1 GiB gpu gpu0 passthrough nic nic1 passthrough }';
        expect(withCode(await diagnostics(text), 'KVIRT003')).toEqual([]);
    });
});
