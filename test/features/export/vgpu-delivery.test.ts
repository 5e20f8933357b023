/**
 * libvirt export of vGPU delivery (mdev on a VF, NVIDIA vendor-specific VFIO), Secure Boot and
 * >255 vCPUs; every domain passes virt-xml-validate and `virsh -c test:///default define`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, it, expect, afterAll } from 'vitest';
import { exportVm } from '../../../language/src/features/export/index.js';
import { HOST } from '../../support/fixtures.js';
import { build } from '../../support/util.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-vgpu-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const HAVE_TOOLS = fs.existsSync('/usr/bin/virt-xml-validate') && fs.existsSync('/usr/bin/virsh');
if (!HAVE_TOOLS && !process.env.CI) console.warn('skipped libvirt tool checks in export-vgpu.test.ts: virt-xml-validate/virsh not installed');

function run(cmd: string, args: string[]): { status: number | null; output: string } {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Exports VM `name` of `text` (no error may be reported) and checks it with libvirt's tools. */
async function exportChecked(text: string, name: string): Promise<{ xml: string; d: Record<string, any> }> {
    const ws = await build(text);
    expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
    const vm = ws.resolved().topology.vms.find(v => v.name === name)!;
    const xml = exportVm(vm, 'libvirt');
    if (HAVE_TOOLS || process.env.CI) {
        const file = path.join(tmp, `${name}.xml`);
        fs.writeFileSync(file, xml);
        const validate = run('/usr/bin/virt-xml-validate', [file, 'domain']);
        expect(validate.output).toContain('validates');
        const define = run('/usr/bin/virsh', ['-c', 'test:///default', 'define', file]);
        expect(define.output).toContain(`Domain '${name}' defined`);
    }
    const d = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: n => ['hostdev', 'feature', 'controller'].includes(n) }).parse(xml).domain;
    return { xml, d };
}

/** The domain's `<os>` with attributes as `@_name` (its `firmware` attribute and child element share a name). */
function osOf(xml: string): Record<string, any> {
    return new XMLParser({ ignoreAttributes: false, isArray: n => n === 'feature' }).parse(xml).domain.os;
}

const TWO_TENANTS = `
vm t1 on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    vgpu gpu0 "H200X-70C"
    license nvaie
}
vm t2 on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    vgpu gpu0 "H200X-70C"
    license nvaie
}
`;

describe('vGPU delivery on KVM', () => {
    it('mdev (default): on an SR-IOV GPU the parent is a VF (VF k for the k-th vGPU of the GPU), never the PF', async () => {
        const text = HOST + TWO_TENANTS;
        const a = await exportChecked(text, 't1');
        const b = await exportChecked(text, 't2');
        for (const { d } of [a, b]) expect(d.devices.hostdev[0].type).toBe('mdev');
        expect(a.xml).toContain('-p 0000:11:00.4 ');
        expect(b.xml).toContain('-p 0000:11:00.5 ');
        expect(a.xml).not.toMatch(/-p 0000:11:00\.0/);
        expect(a.xml).toContain('0000:11:00.4 is virtual function 0 of the GPU');
    });

    it('vfio (vendor-specific VFIO): each vGPU is a PCI hostdev at its own VF, with current_vgpu_type', async () => {
        const text = HOST.replace('platform kvm', 'platform kvm\n    vgpu-delivery vfio') + TWO_TENANTS;
        const a = await exportChecked(text, 't1');
        const b = await exportChecked(text, 't2');
        const src = (d: Record<string, any>) => d.devices.hostdev[0].source.address;
        expect(a.d.devices.hostdev[0]).toMatchObject({ mode: 'subsystem', type: 'pci', managed: 'yes' });
        expect(src(a.d)).toMatchObject({ domain: '0x0000', bus: '0x11', slot: '0x00', function: '0x4' });
        expect(src(b.d)).toMatchObject({ bus: '0x11', slot: '0x00', function: '0x5' });
        expect(a.xml).toContain('/sys/bus/pci/devices/0000:11:00.4/nvidia/current_vgpu_type');
        expect(a.xml).toContain('H200X-70C');
        expect(a.xml).not.toContain('type="mdev"');
        // the NCCL topology of the same VM still exports (the VF is the vGPU's PCI device)
        const ws = await build(text);
        expect(exportVm(ws.resolved().topology.vms.find(v => v.name === 't1')!, 'nccl')).toContain('<system');
    });
});

describe('Secure Boot and firmware', () => {
    const vm = (extra: string) => HOST + `vm s on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 gpu gpu0 passthrough ${extra} }\n`;
    it('states Secure Boot off by default (firmware efi alone would pick the MS-keys firmware)', async () => {
        const { xml, d } = await exportChecked(vm(''), 's');
        expect(osOf(xml)).toMatchObject({ '@_firmware': 'efi', firmware: { feature: [{ '@_enabled': 'no', '@_name': 'secure-boot' }] } });
        expect(d.features.smm).toBeUndefined();
    });
    it('turns it on with the secure-boot clause (keys enrolled, SMM on)', async () => {
        const { xml, d } = await exportChecked(vm('secure-boot'), 's');
        expect(osOf(xml).firmware.feature).toEqual([{ '@_enabled': 'yes', '@_name': 'enrolled-keys' }, { '@_enabled': 'yes', '@_name': 'secure-boot' }]);
        expect(d.features.smm).toEqual({ state: 'on' });
    });
});

describe('firmware bios', () => {
    it('exports SeaBIOS: no firmware attribute and no firmware features', async () => {
        const { xml } = await exportChecked(HOST + 'vm b on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 firmware bios }\n', 'b');
        expect(xml).toContain('<os>');
        expect(xml).not.toContain('firmware');
    });
});

describe('more than 255 vCPUs', () => {
    it('writes <ioapic driver="qemu"/> and an intel IOMMU with intremap, EIM and caching mode', async () => {
        const text = HOST.replace('cores 0-7,16-23   memory 256 GiB', 'cores 0-7,16-23,32-511 memory 256 GiB') +
            'vm big on h { vcpus 256 memory 16 GiB on numa 0 gpu gpu0 passthrough }\n';
        const { d } = await exportChecked(text, 'big');
        expect(d.features.ioapic).toEqual({ driver: 'qemu' });
        expect(d.devices.iommu).toEqual({ model: 'intel', driver: { intremap: 'on', eim: 'on', caching_mode: 'on' } });
    });
    it('writes neither at 255 vCPUs', async () => {
        const { d } = await exportChecked(HOST + 'vm v on h { vcpus 255 memory 16 GiB on numa 0 }\n', 'v');
        expect(d.features.ioapic).toBeUndefined();
        expect(d.devices.iommu).toBeUndefined();
    });
});
