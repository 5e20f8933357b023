/**
 * PCIE — the PCIe topology the guest sees: PCIE001 (ESXi places passthrough devices on separate
 * virtual root ports, hiding a shared switch from NCCL), PCIE004 (a NIC on a host node where the VM
 * has no vCPUs). Hosts are the shared fixture (sw0: gpu0, gpu1, nic0; sw1: gpu2, gpu3, nic1; nic2 on
 * socket 0) with the clauses each test needs added.
 */
import { describe, it, expect } from 'vitest';
import { at, ESXI_HOST, HOST, Severity, vmOnNode } from '../support/fixtures.js';
import { build, withCode } from '../support/util.js';

const vm = vmOnNode;

describe('PCIE001 (ESXi): the guest does not see the host\'s switches', () => {
    const esx = (body: string) => `${ESXI_HOST}
vm a on e {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0
${body}
    mmio 512 GiB
    reserve all
}
`;
    it('PCIE001 (warning) for two GPUs on one switch', async () => {
        const text = esx('    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
        const ds = (await build(text)).diagnostics();
        const pcie = withCode(ds, 'PCIE001');
        expect(pcie).toHaveLength(1);
        expect(pcie[0].severity).toBe(Severity.warning);
        expect(pcie[0].range.start).toEqual(at(text, 'gpu0, gpu1'));
        expect(pcie[0].message).toBe('Guest topology of a hides that gpu0 and gpu1 share a PCIe switch (PIX): ESXi places passthrough devices on separate virtual root ports; give NCCL a topology file (NCCL_TOPO_FILE).');
    });

    it('does not fire on KVM (the export mirrors the switches), without NCCL intent, or for devices on different switches', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma\n    nic nic0 passthrough'.replace('\n    nic nic0 passthrough', '')),
            esx('    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough'),
            esx('    gpu gpu0, gpu2 passthrough\n    p2p')
        ]) {
            const ds = (await build(text)).diagnostics();
            expect(withCode(ds, 'PCIE001')).toEqual([]);
        }
    });
});

describe('PCIE004: a NIC on a host node without the VM\'s vCPUs', () => {
    it('warns on the NIC: the guest sees it on a cell of another node', async () => {
        const text = HOST + vm('a', '    nic nic1 passthrough');
        const found = withCode((await build(text)).diagnostics(), 'PCIE004');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'nic1 passthrough'));
        expect(found[0].message).toBe('nic1 is on host NUMA 1, but a has no vCPUs there (they are pinned to NUMA 0); the guest sees it on cell 0. Pin vCPUs on NUMA 1 or use a NIC of NUMA 0.');
    });

    it('does not fire for a NIC on the vCPUs\' node, an unpinned VM (LOC002\'s), or vCPUs on both nodes', async () => {
        for (const text of [
            HOST + vm('a', '    nic nic0 passthrough'),
            HOST + '\nvm a on h {\n    vcpus 2\n    memory 8 GiB\n    nic nic1 passthrough\n}\n',
            HOST + vm('a', '    nic nic1 passthrough', '0,8,16,24', 0)
        ]) expect(withCode((await build(text)).diagnostics(), 'PCIE004')).toEqual([]);
    });
});
