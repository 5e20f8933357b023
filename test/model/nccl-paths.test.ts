/**
 * NCCL path types from the resolved PCIe tree (language/src/model/nccl-paths.ts): PIX on one switch,
 * PXB below a common switch higher up, PHB on one NUMA node without a common switch (nvidia-smi's
 * NODE), SYS across NUMA nodes — the names of NCCL_P2P_LEVEL / NCCL_NET_GDR_LEVEL.
 */
import { describe, expect, it } from 'vitest';
import { ncclPathType } from '../../language/src/model/nccl-paths.js';
import type { DeviceModel } from '../../language/src/model/topology.js';
import { build } from '../support/util.js';

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

describe('ncclPathType', () => {
    it('names the path from the NIC to each GPU as NCCL does: PIX, PXB, PHB, SYS', async () => {
        const ws = await build(TREE);
        const devices = new Map<string, DeviceModel>(ws.resolved().topology.hosts[0].devices.map(d => [d.name, d]));
        const n0 = devices.get('n0')!;
        expect(['g0', 'g1', 'g2', 'g3'].map(g => ncclPathType(n0, devices.get(g)!))).toEqual(['PIX', 'PXB', 'PHB', 'SYS']);
        // symmetric
        expect(ncclPathType(devices.get('g3')!, n0)).toBe('SYS');
        expect(ncclPathType(devices.get('g1')!, devices.get('g0')!)).toBe('PXB');
    });
});
