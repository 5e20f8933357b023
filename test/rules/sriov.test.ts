/**
 * SRIOV — virtual functions. Host `h` (test/support/fixtures.ts): nic0 and nic1 enable 4 VFs each, nic2 none.
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

describe('SRIOV001: at most 127 VFs per ConnectX PF', () => {
    it('fires on the vfs count of nic2', async () => {
        const text = HOST.replace('at 0000:20:00.0 on cpu0', 'at 0000:20:00.0 on cpu0 vfs 200');
        const found = withCode((await build(text)).diagnostics(), 'SRIOV001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        const vfs = at(text, 'vfs 200');
        expect(found[0].range.start).toEqual({ line: vfs.line, character: vfs.character + 'vfs '.length });
        expect(found[0].message).toBe('nic2: 200 VFs; ConnectX-7 supports at most 127 VFs per PF.');
    });

    it('does not fire for 127 VFs', async () => {
        const text = HOST.replace('at 0000:20:00.0 on cpu0', 'at 0000:20:00.0 on cpu0 vfs 127');
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('SRIOV002: a VM uses only VFs its PF enables', () => {
    it('fires for VF 4 of a PF with 4 VFs and for a VF of a PF with none', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic0 vf 4
    nic nic2 vf 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'SRIOV002');
        expect(found).toHaveLength(2);
        expect(found.every(d => d.severity === Severity.error)).toBe(true);
        expect(found[0].range.start).toEqual(at(text, 'nic0 vf 4'));
        expect(found[0].message).toBe('a uses VF 4 of nic0, but nic0 has only 4 VFs enabled (vfs 4: VF 0-3).');
        expect(found[1].range.start).toEqual(at(text, 'nic2 vf 0'));
        expect(found[1].message).toBe('a uses VF 0 of nic2, but nic2 has no VFs enabled.');
    });

    it('does not fire for VF 3 of nic0', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic0 vf 3
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe("SRIOV004: a PF passed through keeps its VFs out of other VMs", () => {
    it('warns on the PF passthrough, naming the VFs and their VMs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
    nic nic1 passthrough
}
vm b on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic1 vf 0
}
vm c on h {
    vcpus 2 pin 1,17
    memory 8 GiB on numa 0
    nic nic1 vf 1
}
`;
        const found = withCode((await build(text)).diagnostics(), 'SRIOV004');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'nic1 passthrough'));
        expect(found[0].message).toBe('nic1 is passed through to a; its VFs 0-1 (given to b, c) depend on the host PF driver.');
    });

    it("does not fire when the VFs come from another PF", async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
    nic nic1 passthrough
}
vm b on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic0 vf 0
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});
