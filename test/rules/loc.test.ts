/**
 * LOC — CPU, memory and NUMA locality: the checks and their quick-fixes. Host `h`
 * (test/support/fixtures.ts): NUMA 0 = CPUs 0-7 + SMT siblings 16-23 with gpu0/gpu1; NUMA 1 = CPUs
 * 8-15 + 24-31 with gpu2/gpu3; 256 GiB per node. Quick-fixes through Langium's `testCodeAction` (one
 * diagnostic with the code, one action, the text after it, the diagnostic gone when it is validated)
 * and through the language server's verified code actions (`expectFix`, test/support/quick-fixes.ts).
 */
import { describe, it, expect } from 'vitest';
import { planGuestAddresses } from '../../language/src/model/guest-plan.js';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at, pinnedVm } from '../support/fixtures.js';
import { actionsOf, expectFix, codeActionTester } from '../support/quick-fixes.js';

/** HOST with 1 GiB hugepage pools: 40 pages on NUMA 0, 100 on NUMA 1. */
const POOLS = HOST
    .replace('memory 256 GiB }\n    socket cpu1', 'memory 256 GiB  hugepages 1 GiB count 40 }\n    socket cpu1')
    .replace('cores 8-15,24-31  memory 256 GiB }', 'cores 8-15,24-31  memory 256 GiB  hugepages 1 GiB count 100  hugepages 2 MiB count 512 }');

const vm = pinnedVm;

const fix = codeActionTester();

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
    /** VMs a (200 GiB) and b (`bMemory`) on `host`, both bound to NUMA 0 (256 GiB in HOST). */
    const aAndB = (bMemory: string, host = HOST) => host + `
vm a on h {
    vcpus 2 pin 0,16
    memory 200 GiB on numa 0
}
vm b on h {
    vcpus 2 pin 1,17
    memory ${bMemory} on numa 0
}
`;

    it('fires on the VM that no longer fits in NUMA 0 (256 GiB)', async () => {
        const text = aAndB('100 GiB');
        const found = withCode((await build(text)).diagnostics(), 'LOC004');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '100 GiB'));
        expect(found[0].message).toBe('b needs 100 GiB on NUMA 0 of h, which has 56 GiB left (256 GiB in all).');
    });

    it('does not fire when the node is exactly full', async () => {
        const text = aAndB('56 GiB');
        expect((await build(text)).diagnostics()).toEqual([]);
    });

    it('`memory unknown` (an NCCL or nvidia-smi import): one warning at the socket, none per VM', async () => {
        const text = aAndB('100 GiB', HOST.replace('socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }', 'socket cpu0 { numa 0  cores 0-7,16-23   memory unknown }'));
        const ds = (await build(text)).diagnostics();
        expect(ds.filter(d => d.severity === Severity.error)).toEqual([]);
        const found = withCode(ds, 'LOC004');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'unknown'));
        expect(found[0].message).toMatch(/^Memory of NUMA 0 \(socket cpu0 of h\) not known: write its size from `numactl -H` or hwloc/);
    });

    it('a socket without any memory clause still judges its VMs (0 GiB), as before', async () => {
        const text = HOST.replace('socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }', 'socket cpu0 { numa 0  cores 0-7,16-23 }') + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'LOC004');
        expect(found.map(d => d.severity)).toEqual([Severity.error]);
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

    it('LOC004 points at the socket', async () => {
        const text = HOST.replace('at 0000:12:00.0', 'at 0000:11:00.0') + vm('a', '    gpu gpu2 passthrough\n    nic nic1 passthrough', '8-9,24-25', '300 GiB on numa 1')
            + vm('b', '    vgpu gpu2 "H200X-141C"\n    nic nic1 vf 0\n    license nvaie', '10-11,26-27', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        expect(withCode(ds, 'LOC004')[0].relatedInformation?.map(r => r.message)).toEqual(['socket cpu1: NUMA 1, 256 GiB']);
    });
});

describe('LOC001/LOC002/LOC003: re-pin to the NUMA node of the GPUs', () => {
    it("LOC001: moves a's vCPUs to free SMT pairs of NUMA 0 (not b's CPUs, not a's emulator CPU) and its memory to NUMA 0", async () => {
        const before = HOST + `
vm b on h {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0
    gpu gpu1 passthrough
}
vm a on h {
    vcpus 4 pin 8-9,24-25
    emulator pin 2
    memory 64 GiB on numa 1
    gpu gpu0 passthrough
}
`;
        const after = before.replace('vcpus 4 pin 8-9,24-25', 'vcpus 4 pin 3-4,19-20').replace('64 GiB on numa 1', '64 GiB on numa 0');
        const result = await fix(before, 'LOC001', after);
        expect(result.action).toMatchObject({ title: 'Re-pin a to NUMA 0', kind: 'quickfix', isPreferred: true });
    });

    it('LOC001: writes whole cores first, then a single thread whose sibling runs no other VM, in the order vCPUs take them', async () => {
        // b leaves NUMA 0's cores 0/16 and 5/21 whole and CPU 2 free (its sibling 18 is b's)
        const before = HOST + `
vm b on h {
    vcpus 11 pin 1,3-4,6-7,17-20,22-23
    memory 16 GiB on numa 0
}
vm a on h {
    vcpus 3 pin 8-9,24
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        // read back by the pinning rule: vCPU 0 → 0, 1 → 16 (its sibling), 2 → 5 (not 2: that would split a core with b)
        const after = before.replace('vcpus 3 pin 8-9,24', 'vcpus 3 pin 0,16,5');
        const result = await fix(before, 'LOC001', after);
        expect(result.action?.title).toBe('Re-pin a to NUMA 0');
        const fixed = (await build(after)).resolved().topology.vms.find(v => v.name === 'a')!;
        expect(planGuestAddresses(fixed).vcpuPins).toEqual([0, 16, 5]);
    });

    it('LOC002: adds a pin list after the vCPU count and binds the memory', async () => {
        const before = HOST + `
vm a on h {
    vcpus 4
    memory 64 GiB
    gpu gpu2 passthrough
}
`;
        const after = before.replace('vcpus 4\n', 'vcpus 4 pin 8-9,24-25\n').replace('memory 64 GiB\n', 'memory 64 GiB on numa 1\n');
        const result = await fix(before, 'LOC002', after);
        expect(result.action?.title).toBe('Re-pin a to NUMA 1');
    });

    it('LOC003: with good pins, only the memory binding changes', async () => {
        const before = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 64 GiB on numa 0
    gpu gpu2 passthrough
}
`;
        const after = before.replace('on numa 0', 'on numa 1');
        const result = await fix(before, 'LOC003', after);
        expect(result.action?.title).toBe('Bind memory of a to NUMA 1');
    });
});

describe('LOC quick-fixes', () => {
    const POOLS = HOST.replace('memory 256 GiB }\n    socket cpu1', 'memory 256 GiB  hugepages 1 GiB count 40 }\n    socket cpu1');
    const vm = (body: string, pin = '0-1,16-17', memory = '32 GiB on numa 0') => `
vm a on h {
    vcpus 4 pin ${pin}
    memory ${memory}
${body}
}
`;
    it('LOC005: backs the memory with 1 GiB hugepages', async () => {
        const before = POOLS + vm('    gpu gpu0 passthrough');
        await expectFix(before, 'LOC005', "Back a's memory with 1 GiB hugepages", before.replace('32 GiB on numa 0', '32 GiB on numa 0 hugepages 1 GiB'));
    });

    it('LOC011: swaps to the free GPUs of one node', async () => {
        const before = HOST + vm('    gpu gpu0, gpu2 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        await expectFix(before, 'LOC011', 'Use gpu0, gpu1 on NUMA 0', before.replace('gpu gpu0, gpu2 passthrough', 'gpu gpu0, gpu1 passthrough'));
    });

    it('offers no fix whose result has a new error: LOC005 when the pool is too small for the VM', async () => {
        const ws = await build(POOLS.replace('count 40', 'count 16') + vm('    gpu gpu0 passthrough'));
        const d = withCode(ws.diagnostics(), 'LOC005');
        expect(d).toHaveLength(1);
        expect(await actionsOf(ws, d)).toEqual([]);
    });
});
