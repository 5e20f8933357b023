/**
 * FM001–FM008: Fabric Manager partitions and NVSwitch ownership on an HGX H100 board ([WP-12736]:
 * partitions by module id), with the NVSwitches passed through (GEN001 covers them too).
 */
import { describe, it, expect } from 'vitest';
import { HGX_H100_H200, partitionOf } from '../../language/src/catalog/fabric-manager.js';
import { at, Severity } from '../support/fixtures.js';
import { HGX, SERVICE } from '../support/fm-fixtures.js';
import { build, withCode } from '../support/util.js';

import { expectFix } from '../support/quick-fixes.js';

const tenant = (name: string, gpus: string, extra = '', pin = '0-1,16-17', numa = 0) => `
vm ${name} on h {
    vcpus 4 pin ${pin}
    memory 32 GiB on numa ${numa}
    gpu ${gpus} passthrough${extra}
}
`;

describe('catalog: the HGX H100/H200 partition table ([WP-12736])', () => {
    it('has the 15 partitions of WP-12736 by module id, and finds one by its module set in any order', () => {
        expect(HGX_H100_H200.partitions.map(p => `${p.id}:${p.modules.join(',')}`)).toEqual([
            '0:1,2,3,4,5,6,7,8', '1:1,2,3,4', '2:5,6,7,8', '3:1,3', '4:2,4', '5:5,7', '6:6,8',
            '7:1', '8:2', '9:3', '10:4', '11:5', '12:6', '13:7', '14:8'
        ]);
        expect(partitionOf(HGX_H100_H200, [8, 6])?.id).toBe(6);
        expect(partitionOf(HGX_H100_H200, [1, 2])).toBeUndefined();
        expect(HGX_H100_H200.sources).toContain('WP-12736');
    });
});

describe('FM001: the GPUs of a tenant are a partition', () => {
    it('fires for modules 1 and 2, lists the partitions of size 2 and names the free one closest to the VM (NUMA 0)', async () => {
        const text = HGX + SERVICE + tenant('a', 'g1, g2');
        const found = withCode((await build(text)).diagnostics(), 'FM001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'g1, g2'));
        expect(found[0].message).toBe('GPUs g1 (module 1), g2 (module 2) of a (modules {1,2}) are not a Fabric Manager partition of HGX H100/H200 8-GPU; '
            + 'NVLink will be unavailable. Partitions of size 2: 3 {1,3}, 4 {2,4}, 5 {5,7}, 6 {6,8}. Partition 3 (g1, g3) is free. '
            + "(Table: NVIDIA WP-12736 as reproduced by kubeswift, unverified against the guide; `fmpm -l` lists your board's.)");
        expect(found[0].relatedInformation?.map(r => r.message)).toEqual(['g1: module 1, NUMA 0', 'g2: module 2, NUMA 0']);
        expect(found[0].codeDescription?.href).toMatch(/docs\/rules\.md#fm001$/);
    });

    it('proposes a partition on the NUMA node of the vCPUs (NUMA 1 here), skipping partitions whose GPUs other VMs hold', async () => {
        const text = HGX + SERVICE + tenant('x', 'g6, g8', '', '10-11,26-27', 1) + tenant('a', 'g5, g6', '', '8-9,24-25', 1);
        const found = withCode((await build(text)).diagnostics(), 'FM001');
        expect(found).toHaveLength(1);
        expect(found[0].message).toContain('Partition 5 (g5, g7) is free.');
        expect((found[0].data as { partition: number }).partition).toBe(5);
    });

    it('does not fire for a partition (modules 1 and 3, or all eight), a single GPU, or outside shared-NVSwitch mode', async () => {
        const ok = HGX + SERVICE + tenant('a', 'g1, g3') + tenant('b', 'g2') + tenant('c', 'g5, g6, g7, g8', '', '8-9,24-25', 1);
        expect(withCode((await build(ok)).diagnostics(), 'FM001')).toEqual([]);
        const noMode = HGX.replace('    fabric-manager shared-nvswitch\n', '') + tenant('a', 'g1, g2');
        expect(withCode((await build(noMode)).diagnostics(), 'FM001')).toEqual([]);
    });
});

describe('FM002: partitions of VMs that run together are disjoint', () => {
    it('fires on the later VM whose partition shares GPUs with an earlier one, naming both partitions and the modules', async () => {
        const text = HGX + SERVICE + tenant('a', 'g1, g2, g3, g4') + tenant('b', 'g1, g3', '', '2-3,18-19');
        const ds = (await build(text)).diagnostics();
        const found = withCode(ds, 'FM002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'g1, g3'));
        expect(found[0].message).toBe('Partitions 1 (a) and 3 (b) share GPU modules 1, 3; they cannot be active together. '
            + "(Table: NVIDIA WP-12736 as reproduced by kubeswift, unverified against the guide; `fmpm -l` lists your board's.)");
        expect(found[0].relatedInformation?.[0].message).toBe('a uses partition 1');
        expect(withCode(ds, 'GEN001').length).toBeGreaterThan(0);
    });

    it('does not fire for disjoint partitions', async () => {
        const text = HGX + SERVICE + tenant('a', 'g1, g3') + tenant('b', 'g2, g4', '', '2-3,18-19');
        expect(withCode((await build(text)).diagnostics(), 'FM002')).toEqual([]);
    });

    it('does not fire for the same partition on two hosts: each board has its own Fabric Manager', async () => {
        const rename = (t: string) => t.replace('host h {', 'host h2 {').replace(/ on h \{/g, ' on h2 {').replace(/^vm (\w+)/gm, 'vm $1-2');
        const text = HGX + SERVICE + tenant('a', 'g1, g3') + rename(HGX + SERVICE + tenant('a', 'g1, g3'));
        const ds = (await build(text)).diagnostics();
        expect(withCode(ds, 'FM002')).toEqual([]);
        expect(ds.filter(d => d.severity === Severity.error).map(d => d.message)).toEqual([]);
    });
});

describe('FM003/FM004/FM005: the service VM owns every NVSwitch, and only NVSwitches', () => {
    it('FM003: an NVSwitch in a tenant is an error on its reference, related to the service VM', async () => {
        const text = HGX + SERVICE.replace('s0, s1, s2, s3', 's1, s2, s3') + tenant('a', 'g1, g3', '\n    nvswitch s0 passthrough');
        const ds = (await build(text)).diagnostics();
        const found = withCode(ds, 'FM003');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 's0 passthrough'));
        expect(found[0].message).toBe('s0 is passed to a; in shared NVSwitch mode NVSwitches go only to the Fabric Manager service VM (svc).');
        expect(found[0].relatedInformation?.[0].message).toBe('svc is the Fabric Manager service VM of h');
        const missing = withCode(ds, 'FM004');
        expect(missing.map(d => d.message)).toEqual(['Service VM svc must own all 4 NVSwitches of h (HGX H100/H200 8-GPU: 4); missing s0.']);
        expect(missing[0].range.start).toEqual(at(text, 'svc on h'));
    });

    it('FM004: without a service VM, each multi-GPU tenant is told, once per tenant', async () => {
        const text = HGX + tenant('a', 'g1, g3') + tenant('b', 'g2', '', '2-3,18-19');
        const found = withCode((await build(text)).diagnostics(), 'FM004');
        expect(found).toHaveLength(1);
        expect(found[0].message).toBe("h is in shared NVSwitch mode but has no Fabric Manager service VM; a's 2 GPUs get no NVLink until a service VM owns all 4 NVSwitches (s0, s1, s2, s3).");
        expect(found[0].range.start).toEqual(at(text, 'g1, g3'));
    });

    it('FM004 does not fire for a complete service VM, nor without multi-GPU tenants; GEN001 sees an NVSwitch given twice', async () => {
        expect(withCode((await build(HGX + SERVICE + tenant('a', 'g1, g3'))).diagnostics(), 'FM004')).toEqual([]);
        expect(withCode((await build(HGX + tenant('a', 'g1'))).diagnostics(), 'FM004')).toEqual([]);
        const twice = HGX + SERVICE + tenant('a', 'g1, g3', '\n    nvswitch s0 passthrough');
        const gen = withCode((await build(twice)).diagnostics(), 'GEN001');
        expect(gen.map(d => d.message)).toEqual(['s0 is assigned to both svc and a; a VFIO device belongs to one VM at a time.']);
        expect(gen[0].relatedInformation?.[0].message).toBe('s0 assigned to svc');
    });

    it('FM005: a GPU or NIC in the service VM is a warning on its name; none for NVSwitches only', async () => {
        const text = HGX + SERVICE.replace('nvswitch s0', 'gpu g8 passthrough\n    nvswitch s0');
        const found = withCode((await build(text)).diagnostics(), 'FM005');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].message).toBe('The Fabric Manager service VM svc should hold only NVSwitches; it also holds g8.');
        expect(withCode((await build(HGX + SERVICE)).diagnostics(), 'FM005')).toEqual([]);
    });
});

describe('FM006: Fabric Manager version = guest driver of multi-GPU tenants (secondary sources)', () => {
    it('fires on the tenant\'s guest-driver, says the sources are secondary, relates the service VM\'s version', async () => {
        const text = HGX + SERVICE + tenant('a', 'g1, g3', '\n    guest-driver "535.104.05"');
        const found = withCode((await build(text)).diagnostics(), 'FM006');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '"535.104.05"'));
        expect(found[0].message).toBe('Fabric Manager 550.54.15 (svc) does not match guest driver 535.104.05 of a; in shared NVSwitch mode they must be the same version (secondary sources).');
        expect(found[0].relatedInformation?.[0].location.range.start).toEqual(at(text, '"550.54.15"'));
    });

    it('does not fire for the same version, a single-GPU tenant, or no declared driver', async () => {
        for (const text of [
            HGX + SERVICE + tenant('a', 'g1, g3', '\n    guest-driver "550.54.15"'),
            HGX + SERVICE + tenant('a', 'g1', '\n    guest-driver "535.104.05"'),
            HGX + SERVICE + tenant('a', 'g1, g3')
        ]) expect(withCode((await build(text)).diagnostics(), 'FM006')).toEqual([]);
    });
});

describe('FM007: full passthrough needs the whole baseboard in the VM with the NVSwitches', () => {
    const FULL = HGX.replace('fabric-manager shared-nvswitch', 'fabric-manager full-passthrough');
    const big = (gpus: string, switches: string) => `
vm big on h {
    vcpus 8 pin 0-3,16-19
    memory 64 GiB on numa 0-1
    gpu ${gpus} passthrough
    nvswitch ${switches} passthrough
}
`;
    it('fires for the NVSwitches with half the GPUs, listing what is missing', async () => {
        const text = FULL + big('g1, g2, g3, g4', 's0, s1, s2, s3');
        const found = withCode((await build(text)).diagnostics(), 'FM007');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 's0, s1, s2, s3 passthrough'));
        expect(found[0].message).toBe('In full-passthrough mode a VM with NVSwitches must own all 8 GPUs and 4 NVSwitches of h; big lacks g5, g7, g6, g8.');
        expect(found[0].relatedInformation).toHaveLength(4);
    });

    it('fires for a p2p VM with a subset of the GPUs and no NVSwitch', async () => {
        const text = FULL + tenant('a', 'g1, g3', '\n    p2p');
        const found = withCode((await build(text)).diagnostics(), 'FM007');
        expect(found.map(d => d.message)).toEqual(['a expects P2P between its 2 GPUs, but in full-passthrough mode a VM without the 4 NVSwitches of h has no NVLink.']);
    });

    it('does not fire for the whole board in one VM, or a p2p-free VM', async () => {
        expect(withCode((await build(FULL + big('g1, g2, g3, g4, g5, g6, g7, g8', 's0, s1, s2, s3'))).diagnostics(), 'FM007')).toEqual([]);
        expect(withCode((await build(FULL + tenant('a', 'g1, g3'))).diagnostics(), 'FM007')).toEqual([]);
    });
});

describe('FM008: a tenant GPU without a module id', () => {
    it('is an info naming the GPUs without module id', async () => {
        const text = HGX.replace('0000:11:00.0 module 1', '0000:11:00.0') + SERVICE + tenant('a', 'g1, g3');
        const ds = (await build(text)).diagnostics();
        const found = withCode(ds, 'FM008');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.info);
        expect(found[0].message).toBe('g1 of a has no module id; Fabric Manager partitions name GPUs by module id (nvidia-smi -q, "Module ID").');
        expect(withCode(ds, 'FM001')).toEqual([]);
    });

    it('does not fire when every GPU has its module id', async () => {
        expect(withCode((await build(HGX + SERVICE + tenant('a', 'g1, g3'))).diagnostics(), 'FM008')).toEqual([]);
    });
});

describe('FM quick-fixes', () => {
    it('FM001: takes the GPUs of the free partition closest to the VM', async () => {
        const before = HGX + SERVICE + tenant('a', 'g1, g2');
        await expectFix(before, 'FM001', 'Use Fabric Manager partition 3 (g1, g3)', before.replace('gpu g1, g2 passthrough', 'gpu g1, g3 passthrough'));
    });

    it('FM003: moves the NVSwitch from the tenant to the service VM (its line goes)', async () => {
        const before = HGX + SERVICE.replace('s0, s1, s2, s3', 's1, s2, s3') + tenant('a', 'g1, g3', '\n    nvswitch s0 passthrough');
        const after = before.replace('nvswitch s1, s2, s3 passthrough', 'nvswitch s1, s2, s3, s0 passthrough').replace('\n    nvswitch s0 passthrough', '');
        await expectFix(before, 'FM003', 'Move s0 to svc', after);
    });

    it('FM004: creates the service VM with every NVSwitch at the end of the file', async () => {
        const before = HGX + tenant('a', 'g1, g3');
        const after = `${before}
/** Fabric Manager service VM of h: owns the NVSwitches, activates the tenants' partitions. */
vm h-fm on h {
    vcpus 2
    memory 8 GiB
    fabric-manager service
    nvswitch s0, s1, s2, s3 passthrough
}
`;
        await expectFix(before, 'FM004', 'Create Fabric Manager service VM h-fm with s0, s1, s2, s3', after);
    });

    it('FM004: gives the missing NVSwitch to the service VM', async () => {
        const before = HGX + SERVICE.replace('s0, s1, s2, s3', 's0, s1, s2') + tenant('a', 'g1, g3');
        await expectFix(before, 'FM004', 'Give s3 to svc', before.replace('s0, s1, s2 passthrough', 's0, s1, s2, s3 passthrough'));
    });

    it('FM006: writes the Fabric Manager version as the guest driver', async () => {
        const before = HGX + SERVICE + tenant('a', 'g1, g3', '\n    guest-driver "535.104.05"');
        await expectFix(before, 'FM006', 'Use driver 550.54.15 in a', before.replace('"535.104.05"', '"550.54.15"'));
    });
});
