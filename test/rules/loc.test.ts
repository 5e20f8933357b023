/**
 * LOC — CPU, memory and NUMA locality. Host `h` (test/support/fixtures.ts): NUMA 0 = CPUs 0-7 + SMT
 * siblings 16-23 with gpu0/gpu1; NUMA 1 = CPUs 8-15 + 24-31 with gpu2/gpu3; 256 GiB per node.
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

describe('LOC008: two VMs never pin vCPUs to the same host CPU', () => {
    it('fires on the later VM, naming the CPUs and both VMs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 4 pin 1-2,17-18
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC008');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '1-2,17-18'));
        expect(found[0].message).toBe('CPUs 1,17 are pinned by a and b; dedicated pinning is exclusive.');
    });

    it('does not fire for disjoint pins', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 4 pin 2-3,18-19
    memory 8 GiB on numa 0
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('LOC013: pinned CPUs exist on the host', () => {
    it('fires for a vCPU pin and an emulator pin outside the host CPUs 0-31', async () => {
        const text = HOST + `
vm a on h {
    vcpus 3 pin 0,1,40
    emulator pin 99
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC013');
        expect(found).toHaveLength(2);
        expect(found.every(d => d.severity === Severity.error)).toBe(true);
        expect(found[0].range.start).toEqual(at(text, '0,1,40'));
        expect(found[0].message).toBe('a pins its vCPUs to CPU 40, which h does not have (its CPUs: 0-31).');
        expect(found[1].range.start).toEqual(at(text, '99'));
        expect(found[1].message).toContain('a pins its emulator threads to CPU 99, which h does not have');
    });

    it('does not fire when every pinned CPU is on the host', async () => {
        const text = HOST + `
vm a on h {
    vcpus 3 pin 0,1,31
    emulator pin 7
    memory 8 GiB on numa 0
}
`;
        expect(withCode((await build(text)).diagnostics(), 'LOC013')).toEqual([]);
    });
});

describe('LOC014: pin lists exactly one host CPU per vCPU', () => {
    it('fires as an error when 4 vCPUs are pinned to 2 CPUs, naming both numbers', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0,16
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC014');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '0,16'));
        expect(found[0].range.end).toEqual(at(text, '\n    memory'));
        expect(found[0].message).toBe('a has 4 vCPUs but its pin list names 2 CPUs; pin exactly one host CPU per vCPU.');
        expect(found[0].data).toMatchObject({ code: 'LOC014', vm: 'a', vcpus: 4, pinned: 2 });
    });

    it('fires when the list names more CPUs than vCPUs (once the extra CPUs were silently dropped)', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0-1,16-17
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC014');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '0-1,16-17'));
        expect(found[0].message).toBe('a has 2 vCPUs but its pin list names 4 CPUs; pin exactly one host CPU per vCPU.');
    });

    it('does not fire when there are as many pinned CPUs as vCPUs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });

    it('leaves a vCPU count outside the language to SYN008', async () => {
        const text = HOST + `
vm a on h {
    vcpus 5000 pin 0-3
    memory 8 GiB on numa 0
}
`;
        const codes = (await build(text)).diagnostics().map(d => d.code);
        expect(codes).toContain('SYN008');
        expect(codes).not.toContain('LOC014');
    });
});

describe('LOC015: memory is bound to NUMA nodes the host has', () => {
    it('fires as an error on the node list, naming the missing node and the nodes there are', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 2
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC015');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '2\n}'));
        expect(found[0].message).toBe('a binds its memory to NUMA node 2, which h does not have (its nodes: 0-1).');
        expect(found[0].data).toMatchObject({ code: 'LOC015', vm: 'a', numa: [2] });
    });

    it('names every missing node of a list, and replaces LOC003 for a VM with GPUs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0,3,7
    gpu gpu0 passthrough
    mmio 512 GiB
}
`;
        const diagnostics = (await build(text)).diagnostics();
        expect(diagnostics.map(d => d.code)).toEqual(['LOC015']);
        expect(diagnostics[0].message).toBe('a binds its memory to NUMA nodes 3,7, which h does not have (its nodes: 0-1).');
    });

    it('does not fire for a node of the host', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 8 GiB on numa 1
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('LOC016: no physical core is split between two VMs', () => {
    it('fires as a warning on the later VM, naming the cores and the CPUs of both VMs', async () => {
        // h: CPU k and CPU k+16 are the two threads of one core
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0-1
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 2 pin 16-17
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC016');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, '16-17'));
        expect(found[0].message).toBe('b and a share 2 physical cores: CPUs 16-17 of b are the SMT siblings of CPUs 0-1 of a; each VM slows the other (noisy neighbour).');
        expect(found[0].data).toMatchObject({ code: 'LOC016', vms: ['a', 'b'], cpus: '16-17', siblings: '0-1', cores: 2 });
    });

    it('fires for one shared core among whole ones', async () => {
        const text = HOST + `
vm a on h {
    vcpus 3 pin 0-1,16
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 3 pin 2,18,17
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC016');
        expect(found.map(d => d.message)).toEqual([
            'b and a share a physical core: CPU 17 of b is the SMT sibling of CPU 1 of a; each VM slows the other (noisy neighbour).'
        ]);
        expect(found[0].range.start).toEqual(at(text, '2,18,17'));
    });

    it('does not fire when each VM has whole cores', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 2 pin 1,17
    memory 8 GiB on numa 0
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });

    it('leaves two VMs on the same CPUs to LOC008', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
}
`;
        expect((await build(text)).diagnostics().map(d => d.code)).toEqual(['LOC008']);
    });

    it('does not fire on a host whose cores list gives no siblings (one range)', async () => {
        const text = `host s {
    platform kvm
    socket cpu0 { numa 0  cores 0-15  memory 64 GiB }
}
vm a on s { vcpus 2 pin 0-1 memory 8 GiB on numa 0 }
vm b on s { vcpus 2 pin 8-9 memory 8 GiB on numa 0 }
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe("LOC001: vCPUs on the NUMA node of the VM's GPUs", () => {
    it("fires once for a VM on gpu0 (NUMA 0) whose vCPUs run on NUMA 1, naming the first vCPU and the count", async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 8-9,24-25
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, '8-9,24-25'));
        expect(found[0].message).toBe('vCPU 0 of a is pinned to CPU 8 (NUMA 1) but gpu0 is on NUMA 0; 4 of 4 pinned vCPUs are off NUMA 0.');
        // the quick-fix plan: two whole SMT pairs of NUMA 0, memory already there
        expect(found[0].data).toMatchObject({ code: 'LOC001', vm: 'a', numa: 0, cpus: '0-1,16-17', bindMemory: false });
    });

    it('numbers vCPUs as the export does: SMT siblings of the list are consecutive vCPUs', async () => {
        // pin 0,8,16,24 → vCPU 0 → 0, 1 → 16 (sibling of 0), 2 → 8, 3 → 24: the first vCPU off NUMA 0 is vCPU 2
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0,8,16,24
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC001');
        expect(found.map(d => d.message)).toEqual(['vCPU 2 of a is pinned to CPU 8 (NUMA 1) but gpu0 is on NUMA 0; 2 of 4 pinned vCPUs are off NUMA 0.']);
    });

    it('does not fire when the vCPUs share the GPU node', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('LOC002: a VM with GPUs pins its vCPUs', () => {
    it('fires on the vCPU count of a VM with floating vCPUs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4
    memory 64 GiB on numa 1
    gpu gpu2 passthrough
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        const vcpus = at(text, 'vcpus 4');
        expect(found[0].range.start).toEqual({ line: vcpus.line, character: vcpus.character + 'vcpus '.length });
        expect(found[0].message).toBe('a has GPUs but floating vCPUs; pin its 4 vCPUs to NUMA 1.');
        expect(found[0].data).toMatchObject({ numa: 1, cpus: '8-9,24-25' });
    });

    it('does not fire for a VM without GPUs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4
    memory 64 GiB
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe("LOC003: memory bound to the GPUs' NUMA node", () => {
    it('fires for unbound memory and for memory bound to the other node', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB
    gpu gpu0 passthrough
}
vm b on h {
    vcpus 2 pin 8,24
    memory 64 GiB on numa 0
    gpu gpu2 passthrough
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC003');
        expect(found).toHaveLength(2);
        expect(found.every(d => d.severity === Severity.warning)).toBe(true);
        expect(found[0].range.start).toEqual(at(text, '64 GiB\n'));
        expect(found[0].message).toBe("Memory of a is not bound to NUMA 0, where its GPUs are (no 'on numa' binding).");
        expect(found[1].range.start).toEqual(at(text, '0\n    gpu gpu2'));
        expect(found[1].message).toBe('Memory of b is not bound to NUMA 1, where its GPUs are (bound to NUMA 0).');
    });

    it('does not fire for memory on the GPU node', async () => {
        const text = HOST + `
vm b on h {
    vcpus 2 pin 8,24
    memory 64 GiB on numa 1
    gpu gpu2 passthrough
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe("LOC004: strict-bound memory fits the node", () => {
    it('fires on the VM that no longer fits in NUMA 0 (256 GiB)', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 200 GiB on numa 0
}
vm b on h {
    vcpus 2 pin 1,17
    memory 100 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC004');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '100 GiB'));
        expect(found[0].message).toBe('b needs 100 GiB on NUMA 0 of h, which has 56 GiB left (256 GiB in all).');
    });

    it('does not fire when the node is exactly full', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 200 GiB on numa 0
}
vm b on h {
    vcpus 2 pin 1,17
    memory 56 GiB on numa 0
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe("LOC007: emulator threads off the VM's vCPU CPUs", () => {
    it('fires when the emulator pin overlaps the vCPU pins', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0-1,16-17
    emulator pin 1
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC007');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, '1\n    memory'));
        expect(found[0].message).toBe('Emulator threads of a are pinned to CPU 1, which also run its vCPUs; pin them to housekeeping CPUs of NUMA 0, not to its vCPU cores.');
    });

    it('does not fire for a housekeeping CPU', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0-1,16-17
    emulator pin 7
    memory 8 GiB on numa 0
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});
