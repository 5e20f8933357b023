/**
 * VMware ESXi `.vmx` fragment (language/src/features/export/vmx.ts) for the VMs of the ESXi example:
 * no machine-readable `.vmx` schema exists, so every emitted line is parsed as `key = "value"` and
 * checked against vmtopo's key table (each key with its type and the document that defines it); the
 * fragment carries the guest plan's facts; VMs on KVM hosts are refused, one clear line for a whole file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ExportError, VMX_KEYS, exportFileName, exportFiles, exportVm, vmxKey, vmxValueFits } from '../../../language/src/features/export/index.js';
import { planGuestAddresses } from '../../../language/src/model/guest-plan.js';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import { ESXI_HOST, HOST } from '../../support/fixtures.js';
import { expectGolden } from '../../support/golden.js';
import { parseVmx as readVmx, vmxFacts } from '../../support/platform-files.js';
import { build, REPO } from '../../support/util.js';
import { exampleVms } from '../../support/example-vms.js';

const EXAMPLE = 'examples/hgx-h200-esxi.vmtopo';
const NAMES = ['train-e', 'tenant-e'];
const { vm } = exampleVms(EXAMPLE, 'diagnostics');

/**
 * The lines of a fragment (test/support/platform-files.ts), each pair also checked against the key
 * table: a known key and a value of its type.
 */
function parseVmx(text: string): { pairs: Map<string, string>; comments: string[]; problems: string[] } {
    const parsed = readVmx(text);
    const problems = [...parsed.problems];
    for (const [key, value] of parsed.pairs) {
        const known = vmxKey(key);
        if (!known) problems.push(`unknown key ${key}`);
        else if (!vmxValueFits(known.type, value)) problems.push(`${key} = "${value}" is not a ${known.type}`);
    }
    return { ...parsed, problems };
}

describe('the key table', () => {
    it('gives every key a type, a meaning and a source, once', () => {
        expect(new Set(VMX_KEYS.map(k => k.key)).size).toBe(VMX_KEYS.length);
        for (const k of VMX_KEYS) {
            expect(k.key).toMatch(/^[A-Za-z][A-Za-z0-9_.]*$/);
            expect(k.meaning.length, k.key).toBeGreaterThan(5);
            expect(k.source, k.key).toMatch(/VMware|NVIDIA/);
        }
    });

    it('finds indexed keys by their pattern, and checks values by type', () => {
        expect(vmxKey('pciPassthru12.vgpu')?.type).toBe('vgpu-profile');
        expect(vmxKey('pciPassthru.vgpu')).toBeUndefined();
        expect(vmxKey('sched.cpu.affinity')).toBeUndefined();
        expect(vmxValueFits('boolean', 'TRUE')).toBe(true);
        expect(vmxValueFits('boolean', 'true')).toBe(false);
        expect(vmxValueFits('pci-id', '0x10de:0x2335')).toBe(true);
        expect(vmxValueFits('pci-id', '10de:2335')).toBe(false);
        expect(vmxValueFits('integer', '08')).toBe(false);
        expect(vmxValueFits('vgpu-profile', 'grid_h200x-1-18c')).toBe(true);
        expect(vmxValueFits('vgpu-profile', 'H200X-1-18C')).toBe(false);
        expect(vmxValueFits('node-list', '0,1')).toBe(true);
    });
});

describe(`every VM of ${EXAMPLE}`, () => {
    for (const name of NAMES) {
        it(`${name}: every line is a comment or key = "value" with a known key and a value of its type; matches its golden file`, () => {
            const text = exportVm(vm(name), 'vmx');
            const { problems, comments } = parseVmx(text);
            expect(problems).toEqual([]);
            expect(comments.join('\n')).toContain('# ESXi cannot express:');
            expectGolden(exportFileName(name, 'vmx'), text);
        });

        it(`${name}: carries the guest plan's CPUs, NUMA nodes, memory and devices, with all memory reserved`, () => {
            const plan = planGuestAddresses(vm(name));
            const { pairs } = parseVmx(exportVm(vm(name), 'vmx'));
            expect(Number(pairs.get('numvcpus'))).toBe(plan.cells.reduce((s, c) => s + c.vcpus.length, 0));
            expect(pairs.get('numa.nodeAffinity')!.split(',').map(Number)).toEqual([...new Set(plan.cells.flatMap(c => [c.hostNode, ...c.memoryNodes]))].sort());
            expect(Number(pairs.get('memSize'))).toBe(plan.cells.reduce((s, c) => s + c.memoryMiB, 0));
            expect(pairs.get('sched.mem.min')).toBe(pairs.get('memSize'));
            expect(pairs.get('sched.mem.pin')).toBe('TRUE');
            const facts = vmxFacts(exportVm(vm(name), 'vmx'));
            expect(facts.memoryMiB).toBe(vm(name).memoryMiB);
            expect(facts.devices).toEqual(plan.devices.filter(d => d.role !== 'vf').map(d => (d.role === 'vgpu'
                ? `vgpu:grid_${(d.mdev?.type ?? d.vgpuVf?.type)!.toLowerCase()}`
                : `id:0x${d.location.spec.pciIds[0].vendor}:0x${d.location.spec.pciIds[0].device}/${d.location.name}`)));
        });
    }

    it('train-e: two full-size vGPUs, the NIC by Dynamic DirectPath I/O with its label, 1 GB pages, a 1024 GB 64-bit window', () => {
        const { pairs } = parseVmx(exportVm(vm('train-e'), 'vmx'));
        expect(Object.fromEntries(pairs)).toMatchObject({
            numvcpus: '32', 'cpuid.coresPerSocket': '32', 'numa.nodeAffinity': '0', memSize: '524288', 'sched.mem.lpage.enable1GPage': 'TRUE',
            firmware: 'efi', 'pciPassthru.use64bitMMIO': 'TRUE', 'pciPassthru.64bitMMIOSizeGB': '1024',
            'pciPassthru0.vgpu': 'grid_h200x-141c', 'pciPassthru1.vgpu': 'grid_h200x-141c',
            'pciPassthru2.allowedDevices': '0x15b3:0x1021', 'pciPassthru2.customLabel': 'mlx5_3'
        });
        expect(pairs.has('sched.cpu.affinity')).toBe(false);
    });

    it('tenant-e: the MIG-backed vGPU by its profile, on NUMA node 1', () => {
        const { pairs } = parseVmx(exportVm(vm('tenant-e'), 'vmx'));
        expect(pairs.get('pciPassthru0.vgpu')).toBe('grid_h200x-1-18c');
        expect(pairs.get('numa.nodeAffinity')).toBe('1');
        expect(pairs.has('sched.mem.lpage.enable1GPage')).toBe(false);
    });
});

describe('GPU passthrough, vNUMA, VFs', () => {
    it('sizes the 64-bit window for passthrough H200s (next power of two of 2 × 512 GB), names them by PCI id, and splits vNUMA per cell', async () => {
        const text = `${ESXI_HOST.replace('platform esxi', 'platform esxi 9.0')}
vm p on e {
    vcpus 8 pin 0-1,16-17,8-9,24-25
    memory 64 GiB on numa 0,1
    gpu gpu0, gpu2 passthrough
    mmio 1024 GiB
    reserve all
}`;
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        const out = exportVm(ws.resolved().topology.vms[0], 'vmx');
        const { pairs, problems } = parseVmx(out);
        expect(problems).toEqual([]);
        expect(Object.fromEntries(pairs)).toMatchObject({
            numvcpus: '8', 'cpuid.coresPerSocket': '4', 'numa.vcpu.maxPerVirtualNode': '4', 'numa.nodeAffinity': '0,1',
            'pciPassthru.64bitMMIOSizeGB': '1024', 'pciPassthru0.allowedDevices': '0x10de:0x2335', 'pciPassthru0.customLabel': 'gpu0',
            'pciPassthru1.allowedDevices': '0x10de:0x2335', 'pciPassthru1.customLabel': 'gpu2'
        });
        expect(out).toContain('H200 SXM5 141GB has several device ids');
    });

    it('leaves an SR-IOV VF out of the device lines and says why', async () => {
        const ws = await build(`${ESXI_HOST}\nvm v on e { vcpus 2 pin 0,16 memory 16 GiB on numa 0 nic nic0 vf 1 reserve all }`);
        const out = exportVm(ws.resolved().topology.vms[0], 'vmx');
        expect(parseVmx(out).pairs.has('pciPassthru0.present')).toBe(false);
        expect(out).toContain('SR-IOV VFs: on ESXi a VF is a network adapter');
    });

    it('writes the VM\'s own smaller reservation, without the pin and without 1 GB pages, and says why', async () => {
        const ws = await build(`${ESXI_HOST}\nvm r on e { vcpus 2 pin 0,16 memory 16 GiB on numa 0 hugepages 1 GiB reserve 8 GiB }`);
        expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        const out = exportVm(ws.resolved().topology.vms[0], 'vmx');
        const { pairs, problems } = parseVmx(out);
        expect(problems).toEqual([]);
        expect([pairs.get('memSize'), pairs.get('sched.mem.min'), pairs.has('sched.mem.pin'), pairs.has('sched.mem.lpage.enable1GPage')]).toEqual(['16384', '8192', false, false]);
        expect(out).toContain('1 GB pages: ESXi backs a VM with them only when all its memory is reserved');
    });

    it('names the vCPUs\' node beside the memory\'s in numa.nodeAffinity, and says so, when they differ', async () => {
        const ws = await build(`${ESXI_HOST}\nvm x on e {\n    vcpus 4 pin 8-9,24-25\n    memory 16 GiB on numa 0\n    reserve all\n}\n`);
        expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        const out = exportVm(ws.resolved().topology.vms[0], 'vmx');
        expect(parseVmx(out).pairs.get('numa.nodeAffinity')).toBe('0,1');
        expect(out).toContain('# - memory nodes: numa.nodeAffinity binds vCPUs and memory together; it names node(s) 1 of the vCPUs too, '
            + 'so ESXi may place memory there, not only on node(s) 0.');
        // vCPUs and memory on one node: nothing to say
        const same = await build(`${ESXI_HOST}\nvm y on e {\n    vcpus 4 pin 0-1,16-17\n    memory 16 GiB on numa 0\n    reserve all\n}\n`);
        expect(exportVm(same.resolved().topology.vms[0], 'vmx')).not.toContain('memory nodes:');
    });

    it('refuses a VM on a KVM host, saying why', async () => {
        const ws = await build(`${HOST}\nvm k on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 }`);
        const kvm = ws.resolved().topology.vms[0];
        expect(() => exportVm(kvm, 'vmx')).toThrow(ExportError);
        expect(() => exportVm(kvm, 'vmx')).toThrow(/k runs on KVM host h; \.vmx files are only exported for VMs on ESXi hosts/);
    });
});

describe('exportFiles by platform', () => {
    let dir: string;
    beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-vmx-')); });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('refuses the KVM example for vmx in one line, writing nothing; proxmox refuses the ESXi example likewise', async () => {
        const kvm = path.join(REPO, 'examples', 'hgx-h200.vmtopo');
        const vmx = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [kvm], format: 'vmx', outDir: dir });
        expect(vmx).toEqual({ ok: false, written: [], problems: [`VMware ESXi .vmx fragment files are for VMs on esxi hosts; the VMs of ${kvm} run on kvm host sprocket`] });
        const esxi = path.join(REPO, EXAMPLE);
        const pve = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [esxi], format: 'proxmox', outDir: dir });
        expect(pve.problems).toEqual([`Proxmox VE VM configuration files are for VMs on kvm hosts; the VMs of ${esxi} run on esxi host esx-h200`]);
        expect(fs.readdirSync(dir)).toEqual([]);
    });

    it('exports only the VMs a format\'s platform runs, from a file with KVM and ESXi hosts', async () => {
        const file = path.join(dir, 'mixed.vmtopo');
        fs.writeFileSync(file, `${HOST}${ESXI_HOST}
vm k on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 }
vm x on e { vcpus 2 pin 0,16 memory 16 GiB on numa 0 reserve all }
`);
        const out = path.join(dir, 'out');
        const vmx = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [file], format: 'vmx', outDir: out });
        expect(vmx).toEqual({ ok: true, written: [path.join(out, 'x.fragment.vmx')], problems: [] });
        const pve = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [file], format: 'proxmox', outDir: out });
        expect(pve).toEqual({ ok: true, written: [path.join(out, 'k.pve.conf')], problems: [] });
        // a VM named on the wrong platform: the writer's own refusal
        const named = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [file], format: 'vmx', vm: 'k', outDir: out });
        expect(named.ok).toBe(false);
        expect(named.problems).toEqual([`${file}: k runs on KVM host h; .vmx files are only exported for VMs on ESXi hosts (platform esxi)`]);
    });
});
