/** LIC001 — vGPUs (time-sliced or MIG-backed, also written as `mig`) need an NVIDIA AI Enterprise licence. */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

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
