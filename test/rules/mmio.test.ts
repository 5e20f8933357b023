/**
 * MMIO — the guest's 64-bit MMIO window: the checks and their quick-fixes. H200 needs 512 GiB
 * ([NVAIE-MMIO]); several GPUs need the next power of two of the sum. KVM (`h`): MMIO005 only when
 * `mmio` is declared. ESXi (`e`): MMIO001 / MMIO002 for VMs with 32 GiB of memory or more, and for
 * passthrough whatever the memory (VMware KB 2142307); MMIO003 (EFI firmware), MMIO004 (reserved memory).
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { ESXI_HOST, HOST, Severity, at, vmWith } from '../support/fixtures.js';
import { fixes, codeActionTester } from '../support/quick-fixes.js';

const diagnostics = async (text: string) => (await build(text)).diagnostics();

/** A VM `a` with 64 GiB on `host` (the quick-fix cases): {@link vmWith}. */
const vmOn = (host: string, clauses: string, extra = '') => vmWith(host, clauses, extra, 64);

const fix = codeActionTester();

describe('MMIO005 (KVM): declared window ≥ what the passthrough GPUs need', () => {
    it('fires for 512 GiB with two H200s (1024 GiB needed)', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0, gpu1 passthrough
    mmio 512 GiB
}
`;
        const found = withCode((await build(text)).diagnostics(), 'MMIO005');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '512 GiB\n'));
        expect(found[0].message).toBe('a: 64-bit MMIO window 512 GiB < 1024 GiB needed by gpu0, gpu1 (2 × H200 SXM5 141GB, 512 GiB each).');
        expect(found[0].data).toMatchObject({ need: 1024 });
    });

    it('does not fire for a large enough window, or when none is declared (the exporter sizes it)', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0, gpu1 passthrough
    mmio 1 TiB
}
vm b on h {
    vcpus 2 pin 8,24
    memory 64 GiB on numa 1
    gpu gpu2, gpu3 passthrough
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('MMIO001 (ESXi): one large-BAR GPU in a VM with ≥ 32 GiB', () => {
    it('fires on the VM name when a vGPU VM of 64 GiB has no mmio', async () => {
        const text = ESXI_HOST + `
vm t on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
`;
        const found = withCode((await build(text)).diagnostics(), 'MMIO001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 't on e'));
        expect(found[0].message).toBe('t: gpu0 (H200 SXM5 141GB) needs 512 GiB of 64-bit MMIO but no mmio is set; set mmio 512 GiB (pciPassthru.use64bitMMIO=TRUE, pciPassthru.64bitMMIOSizeGB ≥ 512).');
    });

    it('does not fire with mmio 512 GiB, nor for a VM under 32 GiB', async () => {
        const text = ESXI_HOST + `
vm t on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
    mmio 512 GiB
}
vm small on e {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    vgpu gpu1 "H200X-1-18C"
    license nvaie
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('MMIO002 (ESXi): several large-BAR GPUs need the next power of two of the sum', () => {
    it('fires for two H200s with mmio 512 GiB', async () => {
        const text = ESXI_HOST + `
vm a on e {
    vcpus 2 pin 8,24
    memory 128 GiB on numa 1
    gpu gpu2, gpu3 passthrough
    mmio 512 GiB
}
`;
        const found = withCode((await build(text)).diagnostics(), 'MMIO002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '512 GiB\n'));
        expect(found[0].message).toBe('a: 2 GPUs need 1024 GiB of 64-bit MMIO (gpu2, gpu3 (2 × H200 SXM5 141GB, 512 GiB each)) but mmio is 512 GiB; set mmio 1024 GiB (pciPassthru.64bitMMIOSizeGB = 1024).');
        expect(withCode((await build(text)).diagnostics(), 'MMIO001')).toEqual([]);
    });

    it('does not fire with mmio 1024 GiB', async () => {
        const text = ESXI_HOST + `
vm a on e {
    vcpus 2 pin 8,24
    memory 128 GiB on numa 1
    gpu gpu2, gpu3 passthrough
    mmio 1024 GiB
    reserve all
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('MMIO001 correction: ESXi passthrough needs 64-bit MMIO whatever the VM memory', () => {
    it('fires for a 16 GiB ESXi VM with a passed-through H100', async () => {
        const text = ESXI_HOST.replace('gpu gpu0 "H200 SXM5 141GB"', 'gpu gpu0 "H100 SXM5 80GB"') + `
vm small on e {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
    reserve all
}
`;
        const found = withCode(await diagnostics(text), 'MMIO001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].message).toBe('small: gpu0 (H100 SXM5 80GB) needs 256 GiB of 64-bit MMIO but no mmio is set; set mmio 256 GiB (pciPassthru.use64bitMMIO=TRUE, pciPassthru.64bitMMIOSizeGB ≥ 256).');
    });
    it('still needs ≥ 32 GiB for a vGPU VM (NVIDIA\'s condition is vGPU only)', async () => {
        const text = ESXI_HOST + `
vm small on e {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
`;
        expect(withCode(await diagnostics(text), 'MMIO001')).toEqual([]);
    });
    it('says "derived" for the L40S figure', async () => {
        const text = ESXI_HOST.replace('gpu gpu0 "H200 SXM5 141GB"', 'gpu gpu0 "L40S"') + `
vm s on e {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
    reserve all
}
`;
        const found = withCode(await diagnostics(text), 'MMIO001');
        expect(found[0].message).toContain('needs 128 GiB of 64-bit MMIO (L40S: figure derived, not published)');
    });
});

describe('MMIO003: EFI for large-BAR GPUs on ESXi', () => {
    const text = (fw: string) => ESXI_HOST + `
vm a on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-141C"
    license nvaie
    mmio 512 GiB
    firmware ${fw}
}
`;
    it('fires on firmware bios', async () => {
        const t = text('bios');
        const found = withCode(await diagnostics(t), 'MMIO003');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(t, 'bios'));
        expect(found[0].message).toBe('a: gpu0 (H200 SXM5 141GB, 512 GiB of MMIO) needs EFI firmware and a 64-bit guest; firmware is bios.');
    });
    it('does not fire on firmware efi', async () => {
        expect(await diagnostics(text('efi'))).toEqual([]);
    });
});

describe('MMIO004: ESXi passthrough needs all memory reserved', () => {
    const text = (reserve: string) => ESXI_HOST + `
vm a on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
    nic nic0 vf 1
    mmio 512 GiB
${reserve}}
`;
    it('fires without a reservation, naming the devices and sizes', async () => {
        const found = withCode(await diagnostics(text('')), 'MMIO004');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.error, 'a: passthrough (DirectPath I/O) of gpu0, VF 1 of nic0 needs all guest memory reserved: 64 GiB, reserved 0 GiB.']]);
    });
    it('fires for a partial reservation, on the reservation', async () => {
        const t = text('    reserve 32 GiB\n');
        const found = withCode(await diagnostics(t), 'MMIO004');
        expect(found[0].range.start).toEqual(at(t, '32 GiB'));
        expect(found[0].message).toContain('64 GiB, reserved 32 GiB');
    });
    it('does not fire with reserve all or reserve 64 GiB, nor on KVM', async () => {
        expect(await diagnostics(text('    reserve all\n'))).toEqual([]);
        expect(await diagnostics(text('    reserve 64 GiB\n'))).toEqual([]);
        expect(withCode(await diagnostics(HOST + 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 gpu gpu0 passthrough }'), 'MMIO004')).toEqual([]);
    });
});

describe('MMIO001/MMIO002/MMIO005: raise the MMIO window to the required size', () => {
    it('MMIO005 (KVM): replaces 512 GiB by 1024 GiB for two H200s', async () => {
        const before = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0, gpu1 passthrough
    mmio 512 GiB
}
`;
        const result = await fix(before, 'MMIO005', before.replace('mmio 512 GiB', 'mmio 1024 GiB'));
        expect(result.action).toMatchObject({ title: 'Raise MMIO window to 1024 GiB', kind: 'quickfix', isPreferred: true });
    });

    it('MMIO001 (ESXi): inserts the missing mmio clause before the closing brace', async () => {
        const before = ESXI_HOST + `
vm t on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
`;
        const result = await fix(before, 'MMIO001', before.replace('license nvaie\n}', 'license nvaie\n    mmio 512 GiB\n}'));
        expect(result.action?.title).toBe('Raise MMIO window to 512 GiB');
    });

    it('MMIO002 (ESXi): two H200s get the next power of two of 2 × 512 GiB', async () => {
        const before = ESXI_HOST + `
vm a on e {
    vcpus 2 pin 8,24
    memory 128 GiB on numa 1
    gpu gpu2, gpu3 passthrough
    mmio 768 GiB
}
`;
        await fix(before, 'MMIO002', before.replace('mmio 768 GiB', 'mmio 1024 GiB'));
    });
});

describe('MMIO quick-fixes', () => {
    it('MMIO003: sets firmware efi', async () => {
        const before = vmOn(ESXI_HOST, 'vgpu gpu0 "H200X-141C"', '    mmio 512 GiB\n    firmware bios\n');
        const { after } = await fixes(before, 'MMIO003');
        expect(after).toBe(before.replace('firmware bios', 'firmware efi'));
    });

    it('MMIO004: reserves all memory (inserted, or replacing a partial reservation)', async () => {
        const before = vmOn(ESXI_HOST, 'gpu gpu0 passthrough', '    mmio 512 GiB\n');
        expect((await fixes(before, 'MMIO004')).after).toBe(before.replace('    mmio 512 GiB\n', '    mmio 512 GiB\n    reserve all\n'));
        const partial = before.replace('    mmio 512 GiB\n', '    mmio 512 GiB\n    reserve 8 GiB\n');
        expect((await fixes(partial, 'MMIO004')).after).toBe(partial.replace('reserve 8 GiB', 'reserve all'));
    });
});
