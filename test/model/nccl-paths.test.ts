/**
 * NCCL path prediction (model/nccl-paths.ts) against NCCL topology files published by cloud
 * providers (read in place from the reference folder beside the repository) and against the guest files vmtopo
 * exports: the path types follow from each file's structure as NCCL builds its graph.
 */
import { describe, expect, test } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { predictNcclPaths, predictVmNcclPaths, predictHostNcclPaths, bcmGeneration, hostNcclPciType, type NcclPathPrediction } from '../../language/src/model/nccl-paths.js';
import type { NcclElement } from '../../language/src/model/nccl-topology.js';
import { build, describeWithReference, readReference, readRepoFile } from '../support/util.js';

/** An NCCL XML file as the element tree NCCL's tokenizer reads. */
function tree(xml: string): NcclElement {
    const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', commentPropName: '#comment' });
    type Raw = Record<string, unknown> & { ':@'?: Record<string, string> };
    const convert = (raw: Raw): NcclElement | undefined => {
        const name = Object.keys(raw).find(k => k !== ':@' && k !== '#text' && k !== '#comment');
        if (!name) return undefined;
        const children = (raw[name] as Raw[]).map(convert).filter((e): e is NcclElement => !!e);
        return { name, attributes: raw[':@'] ?? {}, children };
    };
    const top = (parser.parse(xml) as Raw[]).map(convert).filter((e): e is NcclElement => !!e);
    return top.find(e => e.name === 'system')!;
}

const pair = (p: NcclPathPrediction, gpu: string, nic: string) => p.gpuNic.find(x => x.gpu === gpu && x.nic === nic)!;

describe('Broadcom switch ids (getBcmGen)', () => {
    test('Gen5 PEX: upper level subsystem 0x0xxx, lower 0x1xxx; Gen4 both levels 0xa0xx; others 0', () => {
        expect(bcmGeneration(0x1000c03010000072n, 0)).toBe(5);
        expect(bcmGeneration(0x1000c03010001003n, 1)).toBe(5);
        expect(bcmGeneration(0x1000c03010001003n, 0)).toBe(0);
        expect(bcmGeneration(0x1000c0101000a064n, 1)).toBe(4);
        expect(bcmGeneration(0x10b5974110b59741n, 0)).toBe(0);
    });
});

describeWithReference('NCCL path prediction on published topology files', () => {
    test('OCI BM.GPU.H100.8: GPU and NIC under two sub-switches of one Broadcom PEX chip are PIX once NCCL flattens it, with GPUDirect RDMA', () => {
        const p = predictNcclPaths(tree(readReference('nccl-topo/oci-bm-gpu-h100-8-topology.xml')));
        expect(p.gpus).toHaveLength(8);
        expect(p.nics.length).toBeGreaterThanOrEqual(8);
        const own = pair(p, '0000:0f:00.0', '0000:0c:00.0');
        expect(own).toMatchObject({ type: 'PIX', pciType: 'PIX', gdr: true });
        // every GPU has one NIC at PIX, and all GPU pairs are NVLink through the NVSwitches
        for (const g of p.gpus) expect(p.gpuNic.filter(x => x.gpu === g.busId && x.pciType === 'PIX').length).toBeGreaterThanOrEqual(1);
        expect(p.gpuPairs.every(x => x.type === 'NVL' && x.p2p)).toBe(true);
        // a NIC under another chip of the same CPU: PHB over PCI, so NCCL relays through that NIC's GPU (PXN)
        const far = pair(p, '0000:0f:00.0', '0000:2a:00.0');
        expect(far.pciType).toBe('PHB');
        expect(far).toMatchObject({ type: 'PXN', via: '0000:2d:00.0', gdr: true });
    });

    test('the same file without the Broadcom ids: the two switch levels stay and the GPU↔NIC path is PXB', () => {
        const xml = readReference('nccl-topo/oci-bm-gpu-h100-8-topology.xml').replace(/ subsystem_device="0x1003"/g, ' subsystem_device="0x9999"');
        const p = predictNcclPaths(tree(xml));
        expect(pair(p, '0000:0f:00.0', '0000:0c:00.0')).toMatchObject({ pciType: 'PXB', type: 'PXB', gdr: true });
    });

    test('Azure ND H100 v5 (PCI skeleton, one fake switch per GPU+NIC): PIX to its own NIC, PHB/SYS to the others; NVLink only when the board says so', () => {
        const t = tree(readReference('nccl-topo/azure-ndv5-topo.xml'));
        const p = predictNcclPaths(t);
        expect(p.gpus).toHaveLength(8);
        expect(p.nics).toHaveLength(8);
        for (const g of p.gpus) {
            const own = p.gpuNic.filter(x => x.gpu === g.busId && x.type === 'PIX');
            expect(own).toHaveLength(1);
            expect(own[0].gdr).toBe(true);
            for (const x of p.gpuNic.filter(y => y.gpu === g.busId && y.type !== 'PIX')) {
                const nic = p.nics.find(n => n.busId === x.nic)!;
                expect(x.type).toBe(nic.numa === g.numa ? 'PHB' : 'SYS');
                expect(x.gdr).toBe(false);
            }
        }
        // without NVLink in the file, GPUs on different switches do not use P2P (beyond PXB)
        expect(p.gpuPairs.every(x => !x.p2p)).toBe(true);
        const withNvlink = predictNcclPaths(t, { nvlinkDomain: p.gpus.map(g => g.busId) });
        expect(withNvlink.gpuPairs.every(x => x.type === 'NVL' && x.p2p)).toBe(true);
        // with NVLink, NCCL relays the far NICs through the GPU on their switch (PXN)
        expect(withNvlink.gpuNic.filter(x => x.type === 'PXN')).toHaveLength(8 * 7);
    });

    test('Azure NC A100 v4: eth0 written directly under a CPU is reached through the host bridge; no GPUDirect RDMA', () => {
        const p = predictNcclPaths(tree(readReference('nccl-topo/azure-ncv4-topo.xml')));
        expect(p.gpus).toHaveLength(4);
        expect(p.gpuNic.length).toBeGreaterThan(0);
        for (const x of p.gpuNic) {
            expect(['PHB', 'SYS']).toContain(x.type);
            expect(x.gdr).toBe(false);
        }
    });

    test('every published file yields a prediction whose GPU↔NIC types agree with the tree: PIX only under one switch', () => {
        for (const file of ['aws-p4d-24xl-topo.xml', 'azure-ndv4-topo.xml', 'oci-bm-gpu-b4-8-topo-flattened.xml', 'crusoe-b300-288gb-sxm-ib-cloud-hypervisor.xml', 'azure-ndv2-topo.xml']) {
            const p = predictNcclPaths(tree(readReference(`nccl-topo/${file}`)));
            expect(p.gpus.length, file).toBeGreaterThan(0);
            for (const x of p.gpuNic) {
                const g = p.gpus.find(y => y.busId === x.gpu)!;
                const n = p.nics.find(y => y.busId === x.nic)!;
                if (g.numa !== n.numa) expect(x.pciType, `${file} ${x.gpu}→${x.nic}`).toBe('SYS');
                expect(x.gdr, file).toBe(['PIX', 'PXB'].includes(x.pciType));
            }
        }
    });
});

describe('NCCL path prediction for vmtopo hosts and guests', () => {
    test('HGX H200 example, bare metal: each GPU is PIX to the NIC on its switch; GPUs on NVLink', async () => {
        const ws = await build(readRepoFile('examples/hgx-h200.vmtopo'));
        const host = ws.resolved().topology.hosts[0];
        const p = predictHostNcclPaths(host);
        expect(p.gpuNic.find(x => x.gpu === 'gpu0' && x.nic === 'mlx5_3')).toMatchObject({ type: 'PIX', gdr: true });
        expect(p.gpuNic.find(x => x.gpu === 'gpu6' && x.nic === 'mlx5_8')).toMatchObject({ type: 'PIX', gdr: true });
        expect(p.gpuNic.find(x => x.gpu === 'gpu0' && x.nic === 'mlx5_8')).toMatchObject({ pciType: 'SYS', type: 'PXN', via: 'gpu6' });
        expect(p.gpuPairs.every(x => x.type === 'NVL')).toBe(true);
    });

    test('guest of train-a (exported NCCL file): four GPUs on NVLink, each PIX to its own NIC with GPUDirect RDMA', async () => {
        const ws = await build(readRepoFile('examples/hgx-h200.vmtopo'));
        const vm = ws.resolved().topology.vms.find(v => v.name === 'train-a')!;
        const p = predictVmNcclPaths(vm);
        expect(p.gpuPairs).toHaveLength(6);
        expect(p.gpuPairs.every(x => x.type === 'NVL' && x.p2p)).toBe(true);
        for (const [gpu, nic] of [['gpu0', 'mlx5_3'], ['gpu1', 'mlx5_5'], ['gpu2', 'mlx5_4'], ['gpu3', 'mlx5_2']]) {
            expect(p.gpuNic.find(x => x.gpu === gpu && x.nic === nic)).toMatchObject({ type: 'PIX', gdr: true });
        }
    });

    test('guest of tenant-d: a MIG-backed vGPU and a VF of the NIC on its switch are PIX in the guest', async () => {
        const ws = await build(readRepoFile('examples/hgx-h200.vmtopo'));
        const vm = ws.resolved().topology.vms.find(v => v.name === 'tenant-d')!;
        const p = predictVmNcclPaths(vm);
        expect(p.gpuNic).toHaveLength(1);
        expect(p.gpuNic[0]).toMatchObject({ type: 'PIX', gdr: true });
    });

    test('a one-cell VM given a NIC of the other socket: the guest has one NUMA cell, so NCCL sees PHB (not SYS), and no GPUDirect RDMA', async () => {
        const text = readRepoFile('examples/hgx-h200.vmtopo').replace('nic mlx5_8 vf 1', 'nic mlx5_3 passthrough');
        const ws = await build(text);
        const vm = ws.resolved().topology.vms.find(v => v.name === 'tenant-d')!;
        const p = predictVmNcclPaths(vm);
        expect(p.gpuNic[0]).toMatchObject({ type: 'PHB', pciType: 'PHB', gdr: false });
    });
});

/** Host `h`: a two-level switch tree on cpu0 (top ⊃ leaf-a, leaf-b), a second switch on cpu0, one on cpu1. */
const TREE = `host h {
    platform kvm
    socket cpu0 { numa 0 cores 0-7 memory 64 GiB }
    socket cpu1 { numa 1 cores 8-15 memory 64 GiB }
    pcie-switch top at 0000:10:00.0 on cpu0 {
        pcie-switch leaf-a at 0000:11:00.0 {
            gpu g0 "H200 SXM5 141GB" at 0000:12:00.0
            nic n0 "ConnectX-7" at 0000:13:00.0
        }
        pcie-switch leaf-b at 0000:14:00.0 {
            gpu g1 "H200 SXM5 141GB" at 0000:15:00.0
        }
    }
    pcie-switch other at 0000:30:00.0 on cpu0 {
        gpu g2 "H200 SXM5 141GB" at 0000:31:00.0
    }
    pcie-switch far at 0000:90:00.0 on cpu1 {
        gpu g3 "H200 SXM5 141GB" at 0000:91:00.0
    }
}
`;

describe('hostNcclPciType: the PCI path NCCL computes between a NIC and a GPU of one host', () => {
    test('names the path from the NIC to each GPU as NCCL does: PIX, PXB, PHB, SYS', async () => {
        const ws = await build(TREE);
        const host = ws.resolved().topology.hosts[0];
        expect(['g0', 'g1', 'g2', 'g3'].map(g => hostNcclPciType(host, g, 'n0'))).toEqual(['PIX', 'PXB', 'PHB', 'SYS']);
    });
});
