/**
 * Proxmox VE export (language/src/features/export/proxmox.ts): every VM of the HGX example gives a
 * `qemu-server` configuration whose every key and value Proxmox's own API schema accepts (checked by
 * scripts/check-pve-conf.mjs, the format's consumer, against pve-docs' apidata.js), which says what
 * the guest plan says — devices, NUMA cells, CPU sets, memory per cell — and states what Proxmox
 * cannot express.
 */
import { describe, it, expect } from 'vitest';
import { ExportError, exportFileName, exportVm } from '../../../language/src/features/export/index.js';
import { planGuestAddresses } from '../../../language/src/model/guest-plan.js';
import { formatBdf } from '../../../language/src/syntax/tokens.js';
import { checkPveConfig, checkValue, subKeysOfTypetext } from '../../../scripts/check-pve-conf.mjs';
import { ESXI_HOST, HOST } from '../../support/fixtures.js';
import { expectGolden } from '../../support/golden.js';
import { pveProperties } from '../../support/platform-schemas.js';
import { parsePveConf as parseConf, pveFacts, pveSubKeys as sub } from '../../support/platform-files.js';
import { build, describeWithReference } from '../../support/util.js';
import { exampleVms, HGX_EXAMPLE as EXAMPLE, HGX_VM_NAMES as NAMES } from '../../support/example-vms.js';

const { vm } = exampleVms(EXAMPLE, 'errors');

describeWithReference(`every VM of ${EXAMPLE}: Proxmox's API schema`, () => {
    for (const name of NAMES) {
        it(`${name}: every key and value fits the schema of /nodes/{node}/qemu/{vmid}/config, and the file matches its golden file`, () => {
            const text = exportVm(vm(name), 'proxmox');
            expect(checkPveConfig(text, pveProperties()!)).toEqual([]);
            expectGolden(exportFileName(name, 'proxmox'), text);
        });
    }

    it('refuses what Proxmox would refuse (the check has teeth)', () => {
        const props = pveProperties()!;
        const text = exportVm(vm('train-a'), 'proxmox');
        const problems = (edit: (t: string) => string) => checkPveConfig(edit(text), props);
        expect(problems(t => t.replace('policy=bind', 'policy=strict'))).toEqual([expect.stringMatching(/numa0 policy: 'strict' is not one of preferred, bind, interleave/)]);
        expect(problems(t => t.replace('hostpci0: 0000:19:00.0,pcie=1', 'hostpci0: 0000:19:00.0,pcie=yes-please'))).toEqual([expect.stringMatching(/hostpci0 pcie/)]);
        expect(problems(t => t.replace('hostpci0: 0000:19:00.0', 'hostpci0: 19:0.0'))).toEqual([expect.stringMatching(/hostpci0 host: '19:0.0'/)]);
        expect(problems(t => t.replace('hostpci7:', 'hostpci16:'))).toEqual([expect.stringMatching(/hostpci16: Proxmox takes hostpci0 to hostpci15/)]);
        expect(problems(t => t.replace('hugepages: 1024', 'hugepages: 1G'))).toEqual([expect.stringMatching(/hugepages: '1G' is not one of any, 2, 1024/)]);
        expect(problems(t => t.replace('cpu: host,phys-bits=host', 'cpu: host,phys-bits=99'))).toEqual([expect.stringMatching(/cpu phys-bits: '99' is not <8-64\|host>/)]);
        expect(problems(t => t.replace('numa0: cpus=0-95', 'numa0: cpus=0-95,nodes=1'))).toEqual([expect.stringMatching(/unknown sub-key 'nodes'/)]);
        expect(problems(t => t.replace('affinity: ', 'affinity: cpus '))).toEqual([expect.stringMatching(/affinity: 'cpus .*' is not a pve-cpuset/)]);
        expect(problems(t => t.replace('balloon: 0', 'baloon: 0'))).toEqual([expect.stringMatching(/unknown key 'baloon'/)]);
        expect(problems(t => t.replace('machine: q35', 'machine: q35x'))).toEqual([expect.stringMatching(/machine type: 'q35x' does not match/)]);
        expect(problems(t => `${t}memory: 1\n`)).toEqual(expect.arrayContaining([expect.stringMatching(/memory written twice/), expect.stringMatching(/memory current: 1 < minimum 16/)]));
        expect(problems(t => t.slice(0, -20))).not.toEqual([]);
    });

    it('reads the sub-keys of a property string from its type text, with its default key', () => {
        const hostpci = pveProperties()!['hostpci[n]'];
        const { keys, defaultKey } = subKeysOfTypetext(hostpci.typetext!);
        expect(defaultKey).toBe('host');
        expect(Object.keys(keys)).toEqual(expect.arrayContaining(['host', 'mdev', 'pcie', 'x-vga', 'rombar']));
        expect(checkValue(hostpci, '0000:cc:00.1;0000:cc:00.2,pcie=1', 'hostpci0')).toEqual([]);
        expect(checkValue(hostpci, '0000:cb:00.4,mdev=nvidia-1234,pcie=1', 'hostpci0')).toEqual([]);
    });
});

describe(`every VM of ${EXAMPLE}: the guest plan in the configuration`, () => {
    for (const name of NAMES) {
        it(`${name}: devices, NUMA cells (CPUs, memory, host node), CPU set and memory are the plan's`, () => {
            const plan = planGuestAddresses(vm(name));
            const text = exportVm(vm(name), 'proxmox');
            const facts = pveFacts(text);
            expect(facts.cells).toEqual(plan.cells.map(c => ({ vcpus: c.vcpus, memoryMiB: c.memoryMiB, ...(plan.bindMemory ? { hostNodes: c.memoryNodes } : {}) })));
            expect(facts.memoryMiB).toBe(vm(name).memoryMiB);
            expect(facts.devices).toEqual(plan.devices.map(d => (d.mdev ? `mdev-parent:${formatBdf(d.mdev.parent)}` : `pci:${formatBdf(d.hostAddress!)}`)));
            const pinned = [...(plan.vcpuPins ?? []), ...(vm(name).emulatorPin ?? [])];
            expect([...facts.cpuSet ?? []].sort((a, b) => a - b)).toEqual([...new Set(pinned)].sort((a, b) => a - b));
            // Proxmox's own checks: the cells' memory is the VM's, their CPUs are sockets × cores, every cell is bound
            const { keys } = parseConf(text);
            expect(facts.cells!.reduce((s, c) => s + c.memoryMiB, 0)).toBe(Number(keys.get('memory')));
            expect(facts.cells!.flatMap(c => c.vcpus).sort((a, b) => a - b)).toEqual([...Array(Number(keys.get('sockets')) * Number(keys.get('cores'))).keys()]);
            expect(plan.cells.every(c => sub(keys.get(`numa${c.id}`)!).policy === 'bind')).toBe(true);
        });
    }
});

describe('train-a and tenant-c', () => {
    it('train-a: q35, OVMF, host CPU with host address width, 1 GiB pages, eight PCIe devices and a 2048 GiB 64-bit hole', () => {
        const { keys, comments } = parseConf(exportVm(vm('train-a'), 'proxmox'));
        expect(Object.fromEntries(['name', 'machine', 'bios', 'cpu', 'sockets', 'cores', 'numa', 'memory', 'balloon', 'hugepages', 'args'].map(k => [k, keys.get(k)]))).toEqual({
            name: 'train-a', machine: 'q35', bios: 'ovmf', cpu: 'host,phys-bits=host', sockets: '1', cores: '96', numa: '1',
            memory: '786432', balloon: '0', hugepages: '1024', args: '-global q35-pcihost.pci-hole64-size=2048G'
        });
        expect([...keys.keys()].filter(k => k.startsWith('hostpci')).map(k => sub(keys.get(k)!).pcie)).toEqual(Array(8).fill('1'));
        expect(comments.join('\n')).toMatch(/Proxmox VE cannot express:\n- per-vCPU pinning/);
        expect(comments.join('\n')).toContain('SMT: Proxmox has no threads setting');
    });

    it('tenant-c: the vGPU\'s hostpci line is a comment to complete with the host\'s mdev type id; the VF keeps its index', () => {
        const { keys, commented, comments } = parseConf(exportVm(vm('tenant-c'), 'proxmox'));
        expect(commented.get('hostpci0')).toBe('0000:cb:00.4,mdev=nvidia-<id of H200X-1-18C>,pcie=1');
        expect(keys.has('hostpci0')).toBe(false);
        expect(keys.get('hostpci1')).toBe('0000:cc:00.1,pcie=1');
        expect(comments.some(c => c.startsWith('- vGPU: Proxmox names the type by the host\'s mediated-device type id'))).toBe(true);
    });

    it('writes no hostnodes or policy for a VM whose memory is not bound, and no affinity for one not pinned', async () => {
        const ws = await build(`${HOST}\nvm f on h { vcpus 4 memory 16 GiB }\n`);
        const { keys } = parseConf(exportVm(ws.resolved().topology.vms[0], 'proxmox'));
        expect(keys.get('numa0')).toBe('cpus=0-3,memory=16384');
        expect(keys.has('affinity')).toBe(false);
        expect(keys.has('hugepages')).toBe(false);
        expect(keys.has('args')).toBe(false);
    });

    it('writes one numaN per guest cell for a VM pinned across both host nodes', async () => {
        const ws = await build(`${HOST}\nvm s on h { vcpus 4 pin 0,16,8,24 memory 32 GiB on numa 0,1 hugepages 1 GiB }\n`);
        const { keys } = parseConf(exportVm(ws.resolved().topology.vms[0], 'proxmox'));
        expect([keys.get('numa0'), keys.get('numa1')]).toEqual(['cpus=0-1,hostnodes=0,memory=16384,policy=bind', 'cpus=2-3,hostnodes=1,memory=16384,policy=bind']);
        expect(keys.get('affinity')).toBe('0,8,16,24');
    });

    it('a vGPU delivered as a VF (vgpu-delivery vfio) is a hostpci line of the VF, with a note to set its vGPU type', async () => {
        const host = HOST.replace('platform kvm', 'platform kvm\n    vgpu-delivery vfio');
        const ws = await build(`${host}\nvm t on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 vgpu gpu0 "H200X-70C" license nvaie }\n`);
        expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        const text = exportVm(ws.resolved().topology.vms[0], 'proxmox');
        const { keys, commented, comments } = parseConf(text);
        expect(keys.get('hostpci0')).toBe('0000:11:00.4,pcie=1');
        expect(commented.size).toBe(0);
        expect(comments.join('\n')).toContain('0000:11:00.4/nvidia/current_vgpu_type');
        if (pveProperties()) expect(checkPveConfig(text, pveProperties()!)).toEqual([]);
    });

    it('refuses a VM on an ESXi host, saying why', async () => {
        const ws = await build(`${ESXI_HOST}\nvm x on e { vcpus 2 pin 0,16 memory 16 GiB on numa 0 reserve all }`);
        const esxi = ws.resolved().topology.vms[0];
        expect(() => exportVm(esxi, 'proxmox')).toThrow(ExportError);
        expect(() => exportVm(esxi, 'proxmox')).toThrow(/x runs on ESXi host e; Proxmox VE files are only exported for VMs on KVM hosts/);
    });
});
