/**
 * LIC — licensing: vGPUs (time-sliced or MIG-backed, also written as `mig`) need an NVIDIA AI
 * Enterprise licence (LIC001), whose edition covers C-series vGPU (LIC002); passthrough needs none
 * (LIC003). The checks and their quick-fixes.
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at, vmWith } from '../support/fixtures.js';
import { fixes, codeActionTester } from '../support/quick-fixes.js';

const diagnostics = async (text: string) => (await build(text)).diagnostics();

/** A VM `a` with 64 GiB on `host` (the quick-fix cases): {@link vmWith}. */
const vmOn = (host: string, clauses: string, extra = '') => vmWith(host, clauses, extra, 64);

const fix = codeActionTester();

describe('LIC001: a vGPU VM has a licence', () => {
    it('fires on the VM name of an unlicensed MIG slice', async () => {
        const text = HOST + `
vm t on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    mig gpu2 "1g.18gb"
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LIC001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 't on h'));
        expect(found[0].message).toBe('t uses vGPU H200X-1-18C on gpu2 but no NVIDIA AI Enterprise license is configured (on the VM or on h); unlicensed vGPUs are restricted after the grace period (20 min).');
    });

    it('does not fire with the licence on the host, nor for passthrough', async () => {
        const text = HOST.replace('platform kvm', 'platform kvm\n    license nvaie') + `
vm t on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    vgpu gpu2 "H200X-1-18C"
}
vm p on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('LIC002 / LIC003: licence editions', () => {
    const text = (lic: string, slice = 'vgpu gpu0 "H200X-141C"') => HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    ${slice}
    license ${lic}
}
`;
    it('LIC002 fires for a C-series vGPU under RTX vWS', async () => {
        const t = text('vws');
        const found = withCode(await diagnostics(t), 'LIC002');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(t, 'vws'));
        expect(found[0].message).toBe('H200X-141C (C-series, a) needs NVIDIA AI Enterprise; NVIDIA RTX vWS (license vws) does not cover it.');
    });
    it('LIC002 does not fire for nvaie or vcs', async () => {
        expect(await diagnostics(text('nvaie'))).toEqual([]);
        expect(await diagnostics(text('vcs'))).toEqual([]);
    });
    it('LIC003 is info for a passthrough-only VM with a licence', async () => {
        const found = withCode(await diagnostics(text('nvaie', 'gpu gpu0 passthrough')), 'LIC003');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.info, 'a: passthrough of gpu0 (DirectPath/VFIO) needs no vGPU license; an NVIDIA AI Enterprise subscription only covers software/support.']]);
        expect(withCode(await diagnostics(HOST + 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 gpu gpu0 passthrough }'), 'LIC003')).toEqual([]);
    });
});

describe('LIC001: add the licence', () => {
    it('inserts license nvaie into a one-line VM', async () => {
        const before = HOST + `vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb" }\n`;
        const result = await fix(before, 'LIC001', before.replace('"1g.18gb" }', '"1g.18gb" license nvaie }'));
        expect(result.action?.title).toBe('Add license nvaie to t');
    });
});

describe('LIC quick-fixes', () => {
    it('LIC002: changes the edition to nvaie', async () => {
        const before = vmOn(HOST, 'vgpu gpu0 "H200X-141C"').replace('license nvaie', 'license vpc');
        const { after } = await fixes(before, 'LIC002');
        expect(after).toBe(before.replace('license vpc', 'license nvaie'));
    });
});
