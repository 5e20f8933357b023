/**
 * libvirt domain XML export ([LIBVIRT-DOM]): every VM of the HGX example is accepted by
 * libvirt's own tools, and the domain says what the topology says.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ExportError, exportFileName, exportVm } from '../../../language/src/features/export/index.js';
import { ESXI_HOST, HOST } from '../../support/fixtures.js';
import { expectGolden } from '../../support/golden.js';
import { predictGuestAddresses } from '../../support/libvirt-guest.js';
import { runTool } from '../../support/consumers.js';
import { expectFormatAccepted } from '../../support/consumer-checks.js';
import { build } from '../../support/util.js';
import { exampleVms, HGX_EXAMPLE as EXAMPLE } from '../../support/example-vms.js';

const { vm, all: vms } = exampleVms(EXAMPLE, 'errors');
let tmp: string;

beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-libvirt-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The parsed `<domain>` (attributes without prefix, single children as objects). */
function parseDomain(xml: string): Record<string, any> {
    return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: n => ['vcpupin', 'memnode', 'cell', 'controller', 'hostdev'].includes(n) })
        .parse(xml).domain;
}

function writeTmp(name: string, text: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
}

describe(`every VM of ${EXAMPLE}`, () => {
    it('has the five VMs the example declares', () => {
        expect(vms().map(v => v.name)).toEqual(['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d']);
    });

    for (const name of ['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d']) {
        it(`${name}: passes virt-xml-validate and virsh -c test:///default define, and matches its golden file`, () => {
            const xml = exportVm(vm(name), 'libvirt');
            const file = writeTmp(exportFileName(name, 'libvirt'), xml);
            expectFormatAccepted('libvirt', file, name);
            expectGolden(exportFileName(name, 'libvirt'), xml);
        });
    }

    it('is rejected by virt-xml-validate when broken (the check has teeth)', () => {
        const broken = exportVm(vm('train-a'), 'libvirt').replace('<pcihole64 unit="G">', '<pcihole64 unit="G" size="x">');
        expect(broken).toContain('size="x"');
        expect(runTool('virt-xml-validate', [writeTmp('broken.xml', broken), 'domain']).status).not.toBe(0);
    });

    it('exports the same text twice, with a UUID per VM', () => {
        const a = exportVm(vm('train-a'), 'libvirt');
        expect(exportVm(vm('train-a'), 'libvirt')).toBe(a);
        const uuids = vms().map(v => parseDomain(exportVm(v, 'libvirt')).uuid);
        expect(new Set(uuids).size).toBe(vms().length);
    });
});

describe('train-a: 4 × H200 + 4 ConnectX-7 on NUMA 0, 96 vCPUs on 48 cores', () => {
    let d: Record<string, any>;
    beforeAll(() => { d = parseDomain(exportVm(vm('train-a'), 'libvirt')); });

    it('pins vCPU pairs onto host SMT siblings and the emulator onto housekeeping CPUs', () => {
        // pin 8-55,136-183 on a host whose siblings are c and c+128
        const pins = d.cputune.vcpupin.map((p: any) => [Number(p.vcpu), Number(p.cpuset)]);
        expect(pins).toHaveLength(96);
        expect(pins.slice(0, 4)).toEqual([[0, 8], [1, 136], [2, 9], [3, 137]]);
        expect(pins[95]).toEqual([95, 183]);
        expect(d.cputune.emulatorpin.cpuset).toBe('0-1,128-129');
        expect(d.cpu.topology).toEqual({ sockets: '1', dies: '1', cores: '48', threads: '2' });
    });

    it('binds 768 GiB of 1 GiB hugepages strictly to host node 0 through guest cell 0', () => {
        expect(d.memory).toEqual({ unit: 'GiB', '#text': 768 });
        expect(d.memoryBacking.hugepages.page).toEqual({ size: '1', unit: 'G', nodeset: '0' });
        expect(d.memoryBacking).toHaveProperty('nosharepages');
        expect(d.numatune.memory).toEqual({ mode: 'strict', nodeset: '0' });
        expect(d.numatune.memnode).toEqual([{ cellid: '0', mode: 'strict', nodeset: '0' }]);
        expect(d.cpu.numa.cell).toEqual([{ id: '0', cpus: '0-95', memory: '768', unit: 'GiB' }]);
    });

    it('is a q35 + OVMF, host-passthrough guest with the host physical address width', () => {
        expect(d.type).toBe('kvm');
        expect(d.os.firmware).toBe('efi');
        expect(d.os.type).toEqual({ arch: 'x86_64', machine: 'q35', '#text': 'hvm' });
        expect(d.cpu).toMatchObject({ mode: 'host-passthrough', migratable: 'off', cache: { mode: 'passthrough' }, maxphysaddr: { mode: 'passthrough' } });
        expect(d.devices.memballoon.model).toBe('none');
        expect(d.devices.controller.find((c: any) => c.type === 'usb').model).toBe('none');
    });

    it('sizes pcihole64 for four H200s and puts the devices behind one expander on guest node 0', () => {
        const root = d.devices.controller.find((c: any) => c.model === 'pcie-root');
        expect(root.pcihole64).toEqual({ unit: 'G', '#text': 2048 });
        const pxbs = d.devices.controller.filter((c: any) => c.model === 'pcie-expander-bus');
        expect(pxbs.map((c: any) => ({ busNr: c.target.busNr, node: c.target.node, model: c.model }))).toEqual([{ busNr: '64', node: 0, model: 'pcie-expander-bus' }]);
        // 4 host switches used → 4 root ports, 4 upstream ports, 8 downstream ports (GPU + NIC each)
        const count = (m: string) => d.devices.controller.filter((c: any) => c.model === m).length;
        expect([count('pcie-root-port'), count('pcie-switch-upstream-port'), count('pcie-switch-downstream-port')]).toEqual([4, 4, 8]);
    });

    it('passes each GPU and NIC through with VFIO from its host address', () => {
        const sources = d.devices.hostdev.map((h: any) => {
            const a = h.source.address;
            expect(h).toMatchObject({ mode: 'subsystem', type: 'pci', managed: 'yes', driver: { name: 'vfio' } });
            return [h.alias.name, `${a.bus}:${a.slot}.${a.function}`];
        });
        expect(Object.fromEntries(sources)).toEqual({
            'ua-gpu0': '0x19:0x00.0x0', 'ua-gpu1': '0x3b:0x00.0x0', 'ua-gpu2': '0x4c:0x00.0x0', 'ua-gpu3': '0x5d:0x00.0x0',
            'ua-mlx5_3': '0x1a:0x00.0x0', 'ua-mlx5_5': '0x3c:0x00.0x0', 'ua-mlx5_4': '0x4d:0x00.0x0', 'ua-mlx5_2': '0x5f:0x00.0x0'
        });
    });

    it('keeps controller indexes gap-free, each controller plugged into a lower index', () => {
        const pci = d.devices.controller.filter((c: any) => c.type === 'pci');
        const indexes = pci.map((c: any) => Number(c.index)).sort((a: number, b: number) => a - b);
        expect(indexes).toEqual([...indexes.keys()]);
        for (const c of pci.filter((c: any) => c.address)) expect(Number(c.address.bus)).toBeLessThan(Number(c.index));
    });
});

describe('VFs and vGPUs', () => {
    it('uses the VF address computed from the PF, First VF Offset and VF Stride as the hostdev source', async () => {
        // nic0 at 13:00.0 with offset 2, stride 2: VF 3 = routing id 0x1300 + 2 + 3 × 2 = 0x1308 = 13:01.0
        const text = HOST.replace('nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 4', 'nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 4 vf-offset 2 vf-stride 2') +
            'vm v on h { vcpus 2 pin 0,16 memory 8 GiB on numa 0 hugepages 1 GiB nic nic0 vf 3 }';
        const ws = await build(text);
        const xml = exportVm(ws.resolved().topology.vms[0], 'libvirt');
        const [h] = parseDomain(xml).devices.hostdev;
        expect(h.source.address).toEqual({ domain: '0x0000', bus: '0x13', slot: '0x01', function: '0x0' });
        expect(h.alias.name).toBe('ua-nic0-vf3');
    });

    it("tenant-c: mlx5_8's VF 0 comes from 0000:cc:00.1 (offset 1, stride 1)", () => {
        const hostdevs = parseDomain(exportVm(vm('tenant-c'), 'libvirt')).devices.hostdev;
        const vf = hostdevs.find((h: any) => h.type === 'pci');
        expect(vf.source.address).toEqual({ domain: '0x0000', bus: '0xcc', slot: '0x00', function: '0x1' });
    });

    it('tenant-c: the vGPU is an mdev hostdev whose comment says which type to create on which GPU', () => {
        const xml = exportVm(vm('tenant-c'), 'libvirt');
        const mdev = parseDomain(xml).devices.hostdev.find((h: any) => h.type === 'mdev');
        expect(mdev).toMatchObject({ mode: 'subsystem', model: 'vfio-pci', alias: { name: 'ua-gpu6-vgpu' } });
        const uuid = mdev.source.address.uuid as string;
        expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
        const comment = xml.split('\n').find(l => l.includes('<!--') && l.includes(uuid)) ?? '';
        expect(comment).toContain('H200X-1-18C');
        expect(comment).toContain('0000:cb:00.4'); // VF 0 of gpu6 (0000:cb:00.0): the mdev parent on an SR-IOV GPU
        expect(comment).toContain(`mdevctl start -u ${uuid}`);
        // tenant-d takes another slice of the same GPU: its own UUID
        const other = parseDomain(exportVm(vm('tenant-d'), 'libvirt')).devices.hostdev.find((h: any) => h.type === 'mdev');
        expect(other.source.address.uuid).not.toBe(uuid);
    });

    it('tenant-c: the vGPU and the VF sit behind the mirrors of their host switch sw6', () => {
        const guest = predictGuestAddresses(exportVm(vm('tenant-c'), 'libvirt'));
        const usps = guest.filter(f => f.model === 'pcie-switch-upstream-port');
        expect(usps).toHaveLength(1);
        const hostdevs = guest.filter(f => f.element === 'hostdev');
        expect(hostdevs).toHaveLength(2);
        for (const h of hostdevs) {
            const dsp = guest.find(f => f.index === h.parent)!;
            expect(dsp.model).toBe('pcie-switch-downstream-port');
            expect(dsp.parent).toBe(usps[0].index);
        }
    });
});

describe('the pinning rule in the exported files (README, vcpus … pin)', () => {
    // h: CPU k and CPU k+16 are one core. Written order 9,24,8,0,16,25: 9 then its sibling 25, 24 then 8,
    // 0 then 16. Host node 0 = CPUs 0-7,16-23, node 1 = 8-15,24-31.
    const text = `${HOST}
vm v on h {
    vcpus 6 pin 9,24,8,0,16,25
    memory 24 GiB on numa 0,1
    gpu gpu0, gpu2 passthrough
    mmio 1024 GiB
}`;

    it('writes one <vcpupin> per vCPU in the rule\'s order, threads=2, and cells and NCCL affinities from the same mapping', async () => {
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        const v = ws.resolved().topology.vms[0];
        const d = parseDomain(exportVm(v, 'libvirt'));
        const pins = d.cputune.vcpupin.map((p: any) => [Number(p.vcpu), p.cpuset]);
        expect(pins).toEqual([[0, '9'], [1, '25'], [2, '24'], [3, '8'], [4, '0'], [5, '16']]);
        // every guest pair (2k, 2k+1) is one host core
        expect(d.cpu.topology).toEqual({ sockets: '1', dies: '1', cores: '3', threads: '2' });
        // guest cells by host node: node 0 runs vCPUs 4-5, node 1 runs vCPUs 0-3
        expect(d.cpu.numa.cell.map((c: any) => [c.id, c.cpus])).toEqual([['0', '4-5'], ['1', '0-3']]);
        const nccl = exportVm(v, 'nccl');
        const affinities = [...nccl.matchAll(/<cpu numaid="(\d+)" affinity="([^"]+)"/g)].map(m => [m[1], m[2]]);
        expect(affinities).toEqual([['0', '00000030'], ['1', '0000000f']]);
    });

    it('tells the guest one thread per core when a listed CPU has no listed sibling', async () => {
        const ws = await build(`${HOST}\nvm w on h { vcpus 4 pin 3,1,2,17 memory 8 GiB on numa 0 }`);
        const d = parseDomain(exportVm(ws.resolved().topology.vms[0], 'libvirt'));
        // 3 (sibling 19 not listed), 1 then its sibling 17, 2
        expect(d.cputune.vcpupin.map((p: any) => p.cpuset)).toEqual(['3', '1', '17', '2']);
        expect(d.cpu.topology).toEqual({ sockets: '1', dies: '1', cores: '4', threads: '1' });
    });
});

describe('VMs the libvirt exporter refuses', () => {
    it('refuses a VM on an ESXi host, saying why', async () => {
        const ws = await build(`${ESXI_HOST}\nvm x on e { vcpus 4 pin 0-1,16-17 memory 16 GiB on numa 0 gpu gpu0 passthrough mmio 512 GiB }`);
        const esxiVm = ws.resolved().topology.vms[0];
        expect(() => exportVm(esxiVm, 'libvirt')).toThrow(ExportError);
        expect(() => exportVm(esxiVm, 'libvirt')).toThrow(/x runs on ESXi host e; libvirt domain XML is only exported for VMs on KVM hosts/);
    });
});
