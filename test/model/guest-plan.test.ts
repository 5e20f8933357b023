/**
 * The guest address plan: guest NUMA cells and pinning, the emulated PCIe tree that mirrors the
 * host's switches, and the guest PCI addresses both exporters use (https://libvirt.org/pci-addresses.html).
 */
import { describe, it, expect } from 'vitest';
import { planGuestAddresses, type GuestPlan } from '../../language/src/model/guest-plan.js';
import { ExportError } from '../../language/src/model/export-error.js';
import type { VmModel } from '../../language/src/model/topology.js';
import { formatBdf } from '../../language/src/syntax/tokens.js';
import { HOST } from '../support/fixtures.js';
import { build, readRepoFile } from '../support/util.js';

async function vmOf(text: string, name: string): Promise<VmModel> {
    const vm = (await build(text)).resolved().topology.vms.find(v => v.name === name);
    if (!vm) throw new Error(`no VM ${name}`);
    return vm;
}

async function plan(text: string, name: string): Promise<GuestPlan> {
    return planGuestAddresses(await vmOf(text, name));
}

/** Guest BDF of every device, by the plan's device name. */
function guestBdfs(p: GuestPlan): Record<string, string> {
    return Object.fromEntries(p.devices.map(d => [d.name, formatBdf(d.guestBdf)]));
}

/** The host and slice of ../shared/reference/sample-domain.xml, a domain booted in QEMU 7.2 + OVMF to observe its guest BDFs. */
const SAMPLE = `
host hgx01 {
    platform kvm
    socket cpu0 { numa 0  cores 0-55,112-167   memory 1024 GiB }
    socket cpu1 { numa 1  cores 56-111,168-223 memory 1024 GiB }
    pcie-switch sw0 at 0000:15:00.0 on cpu0 link 32 GT/s x16 {
        gpu gpu0 "H100 SXM5 80GB" at 0000:1b:00.0
        nic nic0 "ConnectX-7" at 0000:18:00.0
    }
    pcie-switch sw1 at 0000:3e:00.0 on cpu0 link 32 GT/s x16 {
        gpu gpu1 "H100 SXM5 80GB" at 0000:43:00.0
        nic nic1 "ConnectX-7" at 0000:40:00.0
    }
}
vm slice on hgx01 {
    vcpus 32 pin 4-19,116-131
    emulator pin 0-3,112-115
    memory 480 GiB on numa 0 hugepages 1 GiB
    gpu gpu0, gpu1 passthrough
    nic nic0, nic1 passthrough
    mmio 2048 GiB
}
`;

describe('the slice of the booted sample domain', () => {
    it('gets the guest BDFs observed by booting that PCIe tree in QEMU + OVMF', async () => {
        const p = await plan(SAMPLE, 'slice');
        // sample-domain.xml header: GPU0 43:00.0, NIC0 44:00.0, GPU1 47:00.0, NIC1 48:00.0
        expect(guestBdfs(p)).toEqual({
            gpu0: '0000:43:00.0', nic0: '0000:44:00.0', gpu1: '0000:47:00.0', nic1: '0000:48:00.0'
        });
        const [x] = p.expanders;
        expect(p.expanders).toHaveLength(1);
        expect(x.busNr).toBe(0x40);
        expect(x.controller.slot).toBe(0x05);
        expect(x.controller.node).toBe(0);
        // RP-A 40:00.0, RP-B 40:01.0; USP-A 41:00.0 with DSPs 42:00.0/42:01.0; USP-B 45:00.0 with 46:00.0/46:01.0
        expect(x.rootPorts.map(c => formatBdf(c.guestBdf!))).toEqual(['0000:40:00.0', '0000:40:01.0']);
        const switches = x.roots.map(r => {
            if (r.kind !== 'switch') throw new Error('expected a switch');
            return { host: r.host.name, usp: formatBdf(r.upstream.guestBdf!), dsps: r.downstream.map(d => formatBdf(d.guestBdf!)) };
        });
        expect(switches).toEqual([
            { host: 'sw0', usp: '0000:41:00.0', dsps: ['0000:42:00.0', '0000:42:01.0'] },
            { host: 'sw1', usp: '0000:45:00.0', dsps: ['0000:46:00.0', '0000:46:01.0'] }
        ]);
        expect(x.lastBus).toBe(0x48);
    });

    it('puts guest SMT pairs on host SMT siblings, as the sample pins them', async () => {
        const p = await plan(SAMPLE, 'slice');
        // sample: vCPU 0 → 4, 1 → 116, 2 → 5, 3 → 117, …, 31 → 131
        expect(p.vcpuPins!.slice(0, 4)).toEqual([4, 116, 5, 117]);
        expect(p.vcpuPins![31]).toBe(131);
        expect(p.smtPaired).toBe(true);
        expect(p.cpuTopology).toEqual({ sockets: 1, dies: 1, cores: 16, threads: 2 });
        expect(p.cells).toEqual([{ id: 0, hostNode: 0, vcpus: [...Array(32).keys()], memoryMiB: 480 * 1024, memoryNodes: [0] }]);
    });

    it('numbers controllers without gaps, each after the controller it plugs into', async () => {
        const p = await plan(SAMPLE, 'slice');
        expect(p.controllers.map(c => c.index)).toEqual([...p.controllers.keys()]);
        expect(p.controllers[0].model).toBe('pcie-root');
        for (const c of p.controllers.slice(1)) expect(c.parent).toBeLessThan(c.index);
        // 1 expander + 2 root ports + 2 upstream + 4 downstream ports
        expect(p.controllers.filter(c => c.model !== 'pcie-root')).toHaveLength(9);
    });

    it('sizes pcihole64 as the declared mmio when that is enough', async () => {
        expect((await plan(SAMPLE, 'slice')).pcihole64GiB).toBe(2048);
    });
});

describe('pinning that is not made of sibling pairs', () => {
    it('keeps the written order and one thread per core', async () => {
        const p = await plan(`${HOST}
            vm v on h { vcpus 4 pin 3,1,2,0 memory 8 GiB on numa 0 gpu gpu0 passthrough mmio 512 GiB }`, 'v');
        expect(p.vcpuPins).toEqual([3, 1, 2, 0]);
        expect(p.smtPaired).toBe(false);
        expect(p.cpuTopology).toEqual({ sockets: 1, dies: 1, cores: 4, threads: 1 });
    });
});

describe('the pinning rule: written order, each CPU followed by its listed SMT sibling (README, vcpus … pin)', () => {
    // h: CPU k and CPU k+16 are the two threads of one core
    it('takes the list in written order and pulls each sibling forward, whatever order the pairs are written in', async () => {
        const p = await plan(`${HOST}
            vm v on h { vcpus 6 pin 18,17,1,2,0,16 memory 8 GiB on numa 0 }`, 'v');
        // 18 then its sibling 2; 17 then 1; 0 then 16
        expect(p.vcpuPins).toEqual([18, 2, 17, 1, 0, 16]);
        expect(p.smtPaired).toBe(true);
        expect(p.cpuTopology).toEqual({ sockets: 1, dies: 1, cores: 3, threads: 2 });
    });

    it('pairs the siblings it finds and tells the guest one thread per core when some CPU has no sibling listed', async () => {
        const p = await plan(`${HOST}
            vm v on h { vcpus 4 pin 0-2,16 memory 8 GiB on numa 0 }`, 'v');
        // 0 then its sibling 16, then 1 and 2 (siblings 17, 18 not listed): guest pair (1, 2) is not one core
        expect(p.vcpuPins).toEqual([0, 16, 1, 2]);
        expect(p.smtPaired).toBe(false);
        expect(p.cpuTopology).toEqual({ sockets: 1, dies: 1, cores: 4, threads: 1 });
    });

    it("gives every example of the README's pinning table the CPUs the table says", async () => {
        const readme = readRepoFile('README.md');
        const section = readme.slice(readme.indexOf('### vCPU pinning'), readme.indexOf('### Tokens'));
        const rows = [...section.matchAll(/^\| `([\d,-]+)` \| ([\d, ]+) \|$/gm)].map(m => ({ pin: m[1], cpus: m[2].split(', ').map(Number) }));
        expect(rows.length).toBeGreaterThanOrEqual(4);
        for (const { pin, cpus } of rows) {
            const p = await plan(`host s { platform kvm socket s0 { numa 0 cores 0-63,128-191 memory 512 GiB } }
                vm v on s { vcpus ${cpus.length} pin ${pin} memory 8 GiB on numa 0 }`, 'v');
            expect(p.vcpuPins, `pin ${pin}`).toEqual(cpus);
        }
    });

    it('refuses a pin list that does not name one CPU per vCPU (LOC014), instead of dropping or repeating CPUs', async () => {
        const fewer = await vmOf(`${HOST}\nvm v on h { vcpus 4 pin 0,16 memory 8 GiB on numa 0 }`, 'v');
        expect(() => planGuestAddresses(fewer)).toThrow(/v: pin lists 2 host CPUs for 4 vCPUs/);
        const more = await vmOf(`${HOST}\nvm v on h { vcpus 2 pin 0-1,16-17 memory 8 GiB on numa 0 }`, 'v');
        expect(() => planGuestAddresses(more)).toThrow(ExportError);
    });

    it('refuses memory bound to a NUMA node the host does not have (LOC015)', async () => {
        const vm = await vmOf(`${HOST}\nvm v on h { vcpus 2 pin 0,16 memory 8 GiB on numa 0,4 }`, 'v');
        expect(() => planGuestAddresses(vm)).toThrow(/v: memory is bound to NUMA node 4, which host h does not have/);
    });
});

describe('a VM across both NUMA nodes', () => {
    const text = `${HOST}
        vm wide on h {
            vcpus 8 pin 0-1,16-17,8-9,24-25
            memory 64 GiB on numa 0,1 hugepages 1 GiB
            gpu gpu0, gpu2 passthrough
            nic nic0, nic1 passthrough
        }`;

    it('gets one guest cell per host node, memory split by vCPUs, one socket per cell', async () => {
        const p = await plan(text, 'wide');
        expect(p.cells.map(c => ({ id: c.id, host: c.hostNode, vcpus: c.vcpus, mib: c.memoryMiB }))).toEqual([
            { id: 0, host: 0, vcpus: [0, 1, 2, 3], mib: 32 * 1024 },
            { id: 1, host: 1, vcpus: [4, 5, 6, 7], mib: 32 * 1024 }
        ]);
        // siblings: 0↔16, 1↔17 on node 0; 8↔24, 9↔25 on node 1
        expect(p.vcpuPins).toEqual([0, 16, 1, 17, 8, 24, 9, 25]);
        expect(p.cpuTopology).toEqual({ sockets: 2, dies: 1, cores: 2, threads: 2 });
    });

    it('gets one expander per host node, the second one above the buses of the first', async () => {
        const p = await plan(text, 'wide');
        expect(p.expanders.map(x => ({ host: x.hostNode, cell: x.cell, busNr: x.busNr, slot: x.controller.slot }))).toEqual([
            { host: 0, cell: 0, busNr: 0x40, slot: 0x05 },
            { host: 1, cell: 1, busNr: 0x50, slot: 0x06 }
        ]);
        // node 0: RP 40:00.0 → USP 41:00.0 → DSPs 42:00.0 (gpu0 on 43), 42:01.0 (nic0 on 44)
        expect(guestBdfs(p)).toEqual({
            gpu0: '0000:43:00.0', nic0: '0000:44:00.0', gpu2: '0000:53:00.0', nic1: '0000:54:00.0'
        });
        expect(p.expanders[1].busNr).toBeGreaterThan(p.expanders[0].lastBus);
    });

    it('raises pcihole64 to what the passthrough GPUs need when mmio is not declared (MMIO005)', async () => {
        const p = await plan(text, 'wide');
        // 2 × H200 at 512 GiB each → 1024 GiB (power of two of the sum, [NVAIE-MMIO] / MMIO005)
        expect(p.pcihole64GiB).toBe(1024);
    });
});

describe('devices the host puts behind nested switches, VFs and vGPUs', () => {
    const NESTED = `
host n {
    platform kvm
    socket s0 { numa 0 cores 0-7,8-15 memory 128 GiB }
    pcie-switch outer at 0000:10:00.0 on s0 link 32 GT/s x16 {
        pcie-switch inner at 0000:11:00.0 {
            gpu g0 "H200 SXM5 141GB" at 0000:12:00.0
        }
        nic n0 "ConnectX-7" at 0000:13:00.0 vfs 4
    }
    gpu g1 "H200 SXM5 141GB" at 0000:30:00.0 on s0
}
vm v on n {
    vcpus 4 pin 0-1,8-9
    memory 16 GiB on numa 0 hugepages 1 GiB
    gpu g0 passthrough
    vgpu g1 "H200X-1-18C"
    nic n0 vf 2
    license nvaie
}`;

    it('mirrors the nesting: root port → outer USP → DSP → inner USP → DSP → GPU', async () => {
        const p = await plan(NESTED, 'v');
        const [x] = p.expanders;
        const outer = x.roots[0];
        if (outer.kind !== 'switch') throw new Error('expected the outer switch');
        expect(outer.host.name).toBe('outer');
        const inner = outer.children[0];
        if (inner.kind !== 'switch') throw new Error('expected the inner switch');
        expect(inner.host.name).toBe('inner');
        // 40:00.0 RP(41) → 41:00.0 outer USP(42) → 42:00.0 DSP(43) → 43:00.0 inner USP(44) → 44:00.0 DSP(45) → g0 45:00.0;
        // then 42:01.0 DSP(46) → VF 46:00.0; root port 40:01.0 (47) → vGPU 47:00.0
        expect(formatBdf(outer.upstream.guestBdf!)).toBe('0000:41:00.0');
        expect(formatBdf(inner.upstream.guestBdf!)).toBe('0000:43:00.0');
        expect(guestBdfs(p)).toEqual({ g0: '0000:45:00.0', 'g1-vgpu': '0000:47:00.0', 'n0-vf2': '0000:46:00.0' });
    });

    it('gives the VF its host address from offset and stride, and the vGPU a stable mdev UUID', async () => {
        const p = await plan(NESTED, 'v');
        const vf = p.devices.find(d => d.role === 'vf')!;
        // routing id 0x1300 + offset 1 + 2 × stride 1 = 0x1303 → 13:00.3
        expect(formatBdf(vf.hostAddress!)).toBe('0000:13:00.3');
        const vgpu = p.devices.find(d => d.role === 'vgpu')!;
        expect(vgpu.hostAddress).toBeUndefined();
        expect(vgpu.mdev?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect((await plan(NESTED, 'v')).devices.find(d => d.role === 'vgpu')!.mdev?.uuid).toBe(vgpu.mdev?.uuid);
        // SR-IOV GPU: the mdev parent is the vGPU's VF (function 4 on: VF 0), never the PF
        expect(formatBdf(vgpu.mdev!.parent)).toBe('0000:30:00.4');
    });

    it('reports the fastest link below a switch that declares none', async () => {
        const p = await plan(NESTED, 'v');
        const outer = p.expanders[0].roots[0];
        if (outer.kind !== 'switch' || outer.children[0].kind !== 'switch') throw new Error('expected switches');
        expect(outer.linkDeclared).toBe(true);
        expect(outer.link).toEqual({ speedGTs: 32, width: 16 });
        const inner = outer.children[0];
        expect(inner.linkDeclared).toBe(false);
        expect(inner.link).toEqual(p.devices.find(d => d.name === 'g0')!.link);
    });
});

describe('impossible plans', () => {
    /** `count` switches with one ConnectX-7 of `vfs` VFs each, and a VM taking every VF. */
    function manyVfs(count: number, vfs: number): string {
        const switches = Array.from({ length: count }, (_, i) => {
            const bus = (0x10 + i * 8).toString(16);
            return `pcie-switch s${i} at 0000:${bus}:00.0 on s0 { nic n${i} "ConnectX-7" at 0000:${bus}:01.0 vfs ${vfs} }`;
        }).join('\n');
        const nics = Array.from({ length: count }, (_, i) =>
            Array.from({ length: vfs }, (_, k) => `nic n${i} vf ${k}`).join('\n')).join('\n');
        return `host m { platform kvm socket s0 { numa 0 cores 0-7 memory 64 GiB }\n${switches}\n}\nvm v on m { vcpus 2 pin 0-1 memory 8 GiB\n${nics}\n}`;
    }

    it('refuses more devices behind one switch than a bus has slots', async () => {
        const vm = await vmOf(manyVfs(1, 33), 'v');
        expect(() => planGuestAddresses(vm)).toThrow(ExportError);
        expect(() => planGuestAddresses(vm)).toThrow(/33 devices behind host switch s0; a PCIe bus has 32 slots/);
    });

    it('refuses a tree that needs guest bus numbers above 0xff', async () => {
        // 7 switches × (root port + upstream port + 30 downstream ports) = 224 buses from 0x41: past 0xff
        const vm = await vmOf(manyVfs(7, 30), 'v');
        expect(() => planGuestAddresses(vm)).toThrow(/bus numbers above 0xff/);
    });
});
