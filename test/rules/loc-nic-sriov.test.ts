/**
 * LOC005/LOC006/LOC010/LOC011/LOC012, NIC002/NIC003/NIC004 and SRIOV005 on the shared fixture host
 * (sw0 on NUMA 0: gpu0, gpu1, nic0 with 4 VFs; sw1 on NUMA 1: gpu2, gpu3, nic1 with 4 VFs; nic2 on
 * socket 0), plus the relatedInformation of existing locality rules.
 */
import { describe, it, expect } from 'vitest';
import { at, HOST, Severity } from '../support/fixtures.js';
import { build, withCode } from '../support/util.js';

/** HOST with 1 GiB hugepage pools: 40 pages on NUMA 0, 100 on NUMA 1. */
const POOLS = HOST
    .replace('memory 256 GiB }\n    socket cpu1', 'memory 256 GiB  hugepages 1 GiB count 40 }\n    socket cpu1')
    .replace('cores 8-15,24-31  memory 256 GiB }', 'cores 8-15,24-31  memory 256 GiB  hugepages 1 GiB count 100  hugepages 2 MiB count 512 }');

const vm = (name: string, body: string, pin = '0-1,16-17', memory = '32 GiB on numa 0') => `
vm ${name} on h {
    vcpus 4 pin ${pin}
    memory ${memory}
${body}
}
`;

describe('LOC005: passthrough GPUs on hugepages the host reserves', () => {
    it('is an info on the memory clause, with the node and the host\'s pool', async () => {
        const text = POOLS + vm('a', '    gpu gpu0 passthrough');
        const found = withCode((await build(text)).diagnostics(), 'LOC005');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.info);
        expect(found[0].range.start).toEqual(at(text, '32 GiB on numa 0'));
        expect(found[0].message).toBe('a: back its 32 GiB of guest memory with 1 GiB hugepages on NUMA 0 (it has passthrough GPUs; h reserves 40 × 1 GiB there).');
    });

    it('does not fire with hugepages, for vGPUs only, or on a host that declares no pools', async () => {
        for (const text of [
            POOLS + vm('a', '    gpu gpu0 passthrough', '0-1,16-17', '32 GiB on numa 0 hugepages 1 GiB'),
            POOLS + vm('a', '    vgpu gpu0 "H200X-141C"\n    license nvaie'),
            HOST + vm('a', '    gpu gpu0 passthrough')
        ]) expect(withCode((await build(text)).diagnostics(), 'LOC005')).toEqual([]);
    });
});

describe('LOC006: hugepages bound to a node fit its pool', () => {
    it('fires on the VM that overflows the pool, counting the VMs before it', async () => {
        const text = POOLS + vm('a', '', '0-1,16-17', '32 GiB on numa 0 hugepages 1 GiB') + vm('b', '', '2-3,18-19', '16 GiB on numa 0 hugepages 1 GiB');
        const found = withCode((await build(text)).diagnostics(), 'LOC006');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '1 GiB', 3)); // b's hugepages (after the host's two pools and a's)
        expect(found[0].message).toBe('NUMA 0 of h has 40 × 1 GiB hugepages; b needs 16, and the VMs before it already use 32 (48 in all).');
        expect(found[0].relatedInformation?.[0].message).toBe('socket cpu0: 40 × 1 GiB hugepages');
    });

    it('splits a VM bound to two nodes, and counts 2 MiB pages against the 2 MiB pool', async () => {
        const text = POOLS + vm('a', '', '0-1,16-17', '96 GiB on numa 0-1 hugepages 1 GiB') + vm('b', '', '8-9,24-25', '2 GiB on numa 1 hugepages 2 MiB');
        const found = withCode((await build(text)).diagnostics(), 'LOC006');
        expect(found.map(d => d.message)).toEqual(['NUMA 0 of h has 40 × 1 GiB hugepages; a needs 48, and the VMs before it already use 0 (48 in all).', 'NUMA 1 of h has 512 × 2 MiB hugepages; b needs 1024, and the VMs before it already use 0 (1024 in all).']);
    });

    it('does not fire within the pools, or on a host that declares none', async () => {
        for (const text of [
            POOLS + vm('a', '', '0-1,16-17', '40 GiB on numa 0 hugepages 1 GiB') + vm('b', '', '8-9,24-25', '100 GiB on numa 1 hugepages 1 GiB'),
            HOST + vm('a', '', '0-1,16-17', '200 GiB on numa 0 hugepages 1 GiB')
        ]) expect(withCode((await build(text)).diagnostics(), 'LOC006')).toEqual([]);
    });
});

describe('LOC010: a guest NUMA cell for every node of the GPUs', () => {
    it('warns when GPUs span both nodes and the vCPUs sit on one', async () => {
        const text = HOST + vm('a', '    gpu gpu0, gpu2 passthrough', '0-1,16-17', '32 GiB on numa 0-1');
        const found = withCode((await build(text)).diagnostics(), 'LOC010');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, '0-1,16-17'));
        expect(found[0].message).toBe('a has GPUs on NUMA 0-1; define 2 guest NUMA cells with matching vCPUs and memory: it has 1 (vCPUs pinned on NUMA 0). Pin vCPUs on NUMA 1 too.');
        expect(found[0].relatedInformation?.map(r => r.message)).toEqual(['gpu2 is on NUMA 1']);
    });

    it('does not fire with vCPUs on both nodes, or GPUs on one node', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu0, gpu2 passthrough', '0,16,8,24', '32 GiB on numa 0-1'),
            HOST + vm('a', '    gpu gpu0, gpu1 passthrough')
        ]) expect(withCode((await build(text)).diagnostics(), 'LOC010')).toEqual([]);
    });
});

describe('LOC011: GPUs from one node when one node has enough free', () => {
    it('is an info naming the free same-node GPUs (its own GPU there first)', async () => {
        const text = HOST + vm('a', '    gpu gpu0, gpu2 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        const found = withCode((await build(text)).diagnostics(), 'LOC011');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.info);
        expect(found[0].range.start).toEqual(at(text, 'gpu0, gpu2'));
        expect(found[0].message).toBe('a: GPUs gpu0, gpu2 span NUMA 0-1; gpu0, gpu1 on NUMA 0 are free.');
    });

    it('does not fire when no node has enough free GPUs, or for GPUs on one node', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu0, gpu2 passthrough', '0,16,8,24', '32 GiB on numa 0-1') + vm('b', '    gpu gpu1, gpu3 passthrough', '1,17,9,25', '32 GiB on numa 0-1'),
            HOST + vm('a', '    gpu gpu0, gpu1 passthrough')
        ]) expect(withCode((await build(text)).diagnostics(), 'LOC011')).toEqual([]);
    });
});

describe('LOC012: no more vCPUs than the CPUs of the GPUs\' nodes', () => {
    it('warns on vcpus with the counts', async () => {
        const text = HOST + '\nvm a on h {\n    vcpus 20\n    memory 32 GiB on numa 0\n    gpu gpu0 passthrough\n}\n';
        const found = withCode((await build(text)).diagnostics(), 'LOC012');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, '20\n'));
        expect(found[0].message).toBe('a has 20 vCPUs; NUMA 0 (where its GPUs are) has 16 CPUs.');
    });

    it('does not fire at the node\'s size, or for a VM without GPUs', async () => {
        for (const text of [
            HOST + '\nvm a on h {\n    vcpus 16\n    memory 32 GiB on numa 0\n    gpu gpu0 passthrough\n}\n',
            HOST + '\nvm a on h {\n    vcpus 20\n    memory 32 GiB on numa 0\n}\n'
        ]) expect(withCode((await build(text)).diagnostics(), 'LOC012')).toEqual([]);
    });
});

describe('NIC002/NIC003: one NIC per GPU', () => {
    it('NIC002: fewer NICs than GPUs, naming the free NICs on the GPUs\' switches', async () => {
        const text = HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        const found = withCode((await build(text)).diagnostics(), 'NIC002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'nic0 passthrough'));
        expect(found[0].message).toBe("a: 2 GPUs but 1 RDMA NIC; NVIDIA's reference is one NIC per GPU. Free NICs on the GPUs' switches: nic1.");
        expect(found[0].relatedInformation?.map(r => r.message)).toEqual(['gpu0', 'gpu2']);
    });

    it('NIC003: two GPUs closest to one NIC while the second\'s own NIC is free', async () => {
        const text = HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0, nic2 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        const found = withCode((await build(text)).diagnostics(), 'NIC003');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'nic0, nic2'));
        expect(found[0].message).toBe('gpu0 and gpu2 of a share nic0; gpu2 has its own NIC nic1 (PIX), which is free.');
    });

    it('neither fires for one PIX NIC per GPU, a VM without NICs, or when the second GPU\'s NIC is taken', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0, nic1 passthrough', '0,16,8,24', '32 GiB on numa 0-1'),
            HOST + vm('a', '    gpu gpu0, gpu1 passthrough'),
            HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0, nic2 passthrough', '0,16,8,24', '32 GiB on numa 0-1') + vm('b', '    nic nic1 vf 0', '9,25', '8 GiB on numa 1')
        ]) {
            const ds = (await build(text)).diagnostics();
            expect([...withCode(ds, 'NIC002'), ...withCode(ds, 'NIC003')]).toEqual([]);
        }
    });
});

describe('NIC004: the management NIC stays outside the GPU switches', () => {
    it('warns on the management flag of a NIC behind a GPU\'s switch', async () => {
        const text = HOST.replace('at 0000:93:00.0 vfs 4', 'at 0000:93:00.0 vfs 4 management');
        const found = withCode((await build(text)).diagnostics(), 'NIC004');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'management'));
        expect(found[0].message).toBe('nic1 sits behind the PCIe switch of gpu2 (PIX); keep hypervisor boot/management on NICs outside the GPU switches.');
    });

    it('does not fire for a management NIC on the socket', async () => {
        const text = HOST.replace('at 0000:20:00.0 on cpu0', 'at 0000:20:00.0 on cpu0 management');
        expect(withCode((await build(text)).diagnostics(), 'NIC004')).toEqual([]);
    });
});

describe('SRIOV005: a VF sits where its PF sits', () => {
    it('warns for a VF of a PF across the sockets when a PF on the GPU\'s switch has a free VF (next to NIC001)', async () => {
        const text = HOST + vm('a', '    gpu gpu2 passthrough\n    nic nic0 vf 1', '8-9,24-25', '32 GiB on numa 1') + vm('b', '    nic nic1 vf 0', '10,26', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        const found = withCode(ds, 'SRIOV005');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'nic0 vf 1'));
        expect(found[0].message).toBe('VF 1 of nic0 sits where nic0 sits, SYS from the GPUs of a; VF 1 of nic1 on the PCIe switch of gpu2 is free.');
        expect(withCode(ds, 'NIC001')).toHaveLength(1);
    });

    it('does not fire for a VF of the GPU\'s own PF, or when the near PF has no free VF', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu2 passthrough\n    nic nic1 vf 1', '8-9,24-25', '32 GiB on numa 1'),
            HOST.replace('at 0000:93:00.0 vfs 4', 'at 0000:93:00.0 vfs 1') + vm('a', '    gpu gpu2 passthrough\n    nic nic0 vf 1', '8-9,24-25', '32 GiB on numa 1')
                + vm('b', '    nic nic1 vf 0', '10,26', '8 GiB on numa 1')
        ]) expect(withCode((await build(text)).diagnostics(), 'SRIOV005')).toEqual([]);
    });
});

describe('relatedInformation on the older locality rules', () => {
    it('LOC001 points at the GPU, LOC008 at the other VM\'s pin list', async () => {
        const text = HOST + vm('a', '    gpu gpu0 passthrough', '8-9,24-25') + vm('b', '', '8-9,24-25', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        const loc1 = withCode(ds, 'LOC001');
        expect(loc1[0].relatedInformation?.map(r => r.message)).toEqual(['gpu0 is on NUMA 0']);
        expect(loc1[0].relatedInformation?.[0].location.range.start).toEqual(at(text, 'gpu0 passthrough'));
        const loc8 = withCode(ds, 'LOC008');
        expect(loc8[0].relatedInformation?.[0].message).toBe('a pins CPUs 8-9,24-25');
        expect(loc8[0].relatedInformation?.[0].location.range.start).toEqual(at(text, '8-9,24-25'));
    });
    it('GEN002 points at the passthrough, SRIOV004 at the VF users, LOC004 at the socket, HOST001 at the other device', async () => {
        const text = HOST.replace('at 0000:12:00.0', 'at 0000:11:00.0') + vm('a', '    gpu gpu2 passthrough\n    nic nic1 passthrough', '8-9,24-25', '300 GiB on numa 1')
            + vm('b', '    vgpu gpu2 "H200X-141C"\n    nic nic1 vf 0\n    license nvaie', '10-11,26-27', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        expect(withCode(ds, 'GEN002')[0].relatedInformation?.map(r => r.message)).toEqual(['gpu2 passed through to a']);
        expect(withCode(ds, 'SRIOV004')[0].relatedInformation?.map(r => r.message)).toEqual(['b uses VF 0 of nic1']);
        expect(withCode(ds, 'LOC004')[0].relatedInformation?.map(r => r.message)).toEqual(['socket cpu1: NUMA 1, 256 GiB']);
        const host1 = withCode(ds, 'HOST001');
        expect(host1.map(d => d.relatedInformation?.[0].message)).toEqual(['gpu1 at 0000:11:00.0', 'gpu0 at 0000:11:00.0']);
        expect(host1[0].relatedInformation?.[0].location.range.start).toEqual(at(text, '0000:11:00.0', 1));
    });
});
