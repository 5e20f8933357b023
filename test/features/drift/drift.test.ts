/**
 * `vmtopo drift` on bundles that behave like real hosts (test/support/drift-bundles.ts): a real
 * hwloc capture imported with `vmtopo import`, VMs exported by vmtopo and defined in libvirt's test
 * driver. The untouched bundle has no drift; each perturbation gives exactly its finding, at the
 * range of the clause it concerns; applying the finding's quick-fix makes it go away.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DriftFinding } from '../../../language/src/features/drift/index.js';
import { exportVm } from '../../../language/src/features/export/index.js';
import { buildWorkspace, describeWithReference, readReference, readRepoFile } from '../../support/util.js';
import {
    bundleFiles, driftOf, hugepagesTsv, importedHost, libvirtDomains, libvirtNodedev, pciTsv, tempDir, type BundleFiles, type LibvirtDomains
} from '../../support/drift-bundles.js';

let tmp: string;
beforeAll(() => { tmp = tempDir(); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The findings of `text` (one file, host.vmtopo) against the bundle made of `files`. */
const drift = (text: string, files: BundleFiles) => driftOf(tmp, text, files);

/** The text after the finding's first quick-fix. */
function fixed(document: TextDocument, f: DriftFinding): string {
    expect(f.fixes.length).toBeGreaterThan(0);
    return TextDocument.applyEdits(document, [...f.fixes[0].edits]);
}

const CAPTURE = 'hwloc/24em64t-2n6c2t-pci.xml';
/** The VM written on the imported host: 4 pinned vCPUs on node 0, its memory there in 1 GiB pages. */
const VM = `
vm web on HOST {
    vcpus 4 pin 0,2,4,6
    emulator pin 8
    memory 8 GiB on numa 0 hugepages 1 GiB
}
`;

describeWithReference('drift: an imported real host (hwloc capture 24em64t: 2 nodes, 3 GPUs, 3 NICs) with one VM', () => {
    let host: string;
    let text: string;
    let xml: string;
    let hwloc: string;
    let domains: LibvirtDomains;
    const base = (parts: { lstopo?: string; pci?: string; hugepages?: string; domains?: LibvirtDomains } = {}) => {
        const lstopo = parts.lstopo ?? hwloc;
        return bundleFiles(host, {
            lstopo, pci: parts.pci ?? pciTsv(importedHost(lstopo, 'lstopo.xml').devices),
            hugepages: parts.hugepages ?? hugepagesTsv([{ node: 0, sizeKiB: 1048576, reserved: 8, free: 8 }]),
            domains: parts.domains ?? domains
        });
    };

    beforeAll(async () => {
        hwloc = readReference(CAPTURE);
        const imported = importedHost(hwloc, 'lstopo.xml');
        host = imported.name;
        // the file: the import, 8 × 1 GiB pages reserved on node 0, and the VM
        text = imported.text.replace(/(socket numa0 \{[^}]*?)\s*\}/, '$1 hugepages 1 GiB count 8 }') + VM.replace('HOST', host);
        const ws = await buildWorkspace({ 'host.vmtopo': text });
        xml = exportVm(ws.resolved().topology.vms.find(v => v.name === 'web')!, 'libvirt');
        domains = libvirtDomains(tmp, new Map([['web', xml]]));
    });

    it('an untouched host: no finding at all', async () => {
        const { findings } = await drift(text, base());
        expect(findings).toEqual([]);
    });

    it('a GPU moved to another slot: DRIFT003 at its address, from lstopo; accepting the live address removes it', async () => {
        const { findings, at, document } = await drift(text, base({ lstopo: hwloc.replace('pci_busid="0000:14:00.0"', 'pci_busid="0000:15:00.0"') }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT003', '0000:14:00.0']]);
        expect(findings[0].message).toContain('is at 0000:15:00.0 on the host');
        expect(findings[0].command).toBe('lstopo-no-graphics --of xml -');
        const again = await drift(fixed(document, findings[0]), base({ lstopo: hwloc.replace('pci_busid="0000:14:00.0"', 'pci_busid="0000:15:00.0"') }));
        expect(again.findings).toEqual([]);
    });

    it('a GPU gone (its function no longer a 3D controller): DRIFT001 at its name', async () => {
        const gone = hwloc.replace(/(pci_busid="0000:11:00.0" pci_type=")0302/, '$10101');
        const { findings, at } = await drift(text, base({ lstopo: gone }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT001', 'gpu_11_00']]);
    });

    it('a GPU local to the other NUMA node: DRIFT005 at its `on` socket, from sysfs numa_node; the fix moves it', async () => {
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^(0000:06:00\.0(?:\t[^\t]*){5})\t0\t/m, '$1\t1\t');
        const { findings, at, document } = await drift(text, base({ pci }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT005', 'numa0']]);
        expect(findings[0].command).toContain('sysfs');
        expect((await drift(fixed(document, findings[0]), base({ pci }))).findings).toEqual([]);
    });

    it('a link trained at x4 instead of x8: DRIFT007 at the NIC\'s link clause (no fix: the host is wrong, not the file)', async () => {
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^(0000:05:00\.0(?:\t[^\t]*){10})\t8\t/m, '$1\t4\t');
        const { findings, at } = await drift(text, base({ pci }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT007', '2.5 GT/s x8']]);
        expect(findings[0].message).toContain('trained at 2.5 GT/s x4');
        expect(findings[0].fixes).toEqual([]);
    });

    it('SR-IOV VFs enabled on a NIC: DRIFT008 at its name; the fix writes `vfs 7`', async () => {
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^(0000:04:00\.0(?:\t[^\t]*){7})\t0\t/m, '$1\t7\t');
        const { findings, at, document } = await drift(text, base({ pci }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT008', 'eth0']]);
        const after = fixed(document, findings[0]);
        expect(after).toMatch(/nic eth0 .* at 0000:04:00\.0 vfs 7/);
        expect((await drift(after, base({ pci }))).findings).toEqual([]);
    });

    it('another GPU model in the slot (another PCI device id): DRIFT004 at the model', async () => {
        const other = hwloc.replace(/(pci_busid="0000:06:00.0" pci_type="0302 \[10de:)06d2/, '$11094');
        const { findings, at } = await drift(text, base({ lstopo: other }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT004', '"10de:06d2"']]);
        expect(findings[0].message).toContain('0000:06:00.0 is a gpu "10de:1094" on the host');
    });

    it('the IOMMU group the file writes is not the host\'s: DRIFT009 at the group; the fix writes the live one', async () => {
        const grouped = text.replace(/(gpu gpu_06_00 "10de:06d2" at 0000:06:00\.0)/, '$1 iommu-group 5');
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^(0000:06:00\.0(?:\t[^\t]*){6})\t-\t/m, '$1\t6\t');
        const { findings, at, document } = await drift(grouped, base({ pci }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT009', '5']]);
        expect((await drift(fixed(document, findings[0]), base({ pci }))).findings).toEqual([]);
    });

    it('a link at a lower speed than the device\'s maximum (an idle GPU\'s power saving): no finding', async () => {
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^(0000:06:00\.0(?:\t[^\t]*){9})\t2\.5 GT\/s PCIe\t16\t-?[^\t]*\t/m, '$1\t2.5 GT/s PCIe\t16\t5.0 GT/s PCIe\t');
        expect(pci).toContain('0000:06:00.0');
        expect(pci).toMatch(/^0000:06:00\.0.*\t2\.5 GT\/s PCIe\t16\t5\.0 GT\/s PCIe\t16\t/m);
        // the file says what the device can do: link 5 GT/s x16
        const { findings } = await drift(text.replace('gpu gpu_06_00 "10de:06d2" at 0000:06:00.0 on numa0 link 2.5 GT/s x16', 'gpu gpu_06_00 "10de:06d2" at 0000:06:00.0 on numa0 link 5 GT/s x16'), base({ pci }));
        expect(findings).toEqual([]);
    });

    it('the file\'s link slower than the device\'s maximum: DRIFT016 at the link; the fix writes the device\'s', async () => {
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^(0000:06:00\.0(?:\t[^\t]*){9})\t2\.5 GT\/s PCIe\t16\t-?[^\t]*\t/m, '$1\t2.5 GT/s PCIe\t16\t5.0 GT/s PCIe\t');
        const { findings, at, document } = await drift(text, base({ pci }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT016', '2.5 GT/s x16']]);
        const after = fixed(document, findings[0]);
        expect(after).toContain('at 0000:06:00.0 on numa0 link 5 GT/s x16');
        expect((await drift(after, base({ pci }))).findings).toEqual([]);
    });

    it('a GPU gone from sysfs too (no lstopo in the bundle): DRIFT001 from sysfs', async () => {
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^0000:11:00\.0\t.*\n/m, '');
        const { findings, at } = await drift(text, bundleFiles(host, { pci, hugepages: hugepagesTsv([{ node: 0, sizeKiB: 1048576, reserved: 8, free: 8 }]), domains }));
        expect(findings.map(f => [f.code, at(f), f.command])).toEqual([['DRIFT001', 'gpu_11_00', 'sysfs (/sys/bus/pci/devices)']]);
    });

    it('a device the file does not declare: DRIFT002 (info) at the host name', async () => {
        const { findings, at } = await drift(text.replace(/^\s*nic eth1 .*\n/m, ''), base());
        expect(findings.map(f => [f.code, f.severity, at(f)])).toEqual([['DRIFT002', 'info', host]]);
    });

    it('a vCPU re-pinned with virsh: DRIFT011 at the pin list, from virsh dumpxml --inactive; accepting the live pins removes it', async () => {
        const repinned = libvirtDomains(tmp, new Map([['web', xml.replace('<vcpupin vcpu="1" cpuset="2"/>', '<vcpupin vcpu="1" cpuset="10"/>')]]));
        const { findings, at, document } = await drift(text, base({ domains: repinned }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT011', '0,2,4,6']]);
        expect(findings[0].command).toMatch(/^virsh -r dumpxml --inactive [0-9a-f-]+$/);
        const after = fixed(document, findings[0]);
        expect(after).toContain('vcpus 4 pin 0,10,4,6');
        expect((await drift(after, base({ domains: repinned }))).findings).toEqual([]);
    });

    it('a hugepage reservation lost at reboot: DRIFT013 at the pool\'s count, from sysfs', async () => {
        const hugepages = hugepagesTsv([{ node: 0, sizeKiB: 1048576, reserved: 0, free: 0 }]);
        const { findings, at, document } = await drift(text, base({ hugepages }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT013', '8']]);
        expect(fixed(document, findings[0])).toContain('hugepages 1 GiB count 0');
    });

    it('too few free hugepages for the stopped VM: DRIFT017 at the pool', async () => {
        const hugepages = hugepagesTsv([{ node: 0, sizeKiB: 1048576, reserved: 8, free: 3 }]);
        const { findings, at } = await drift(text, base({ hugepages }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT017', '8']]);
    });

    it('the VM not defined: DRIFT010 at the VM name', async () => {
        const none = libvirtDomains(tmp, new Map([['other', xml.replace('<name>web</name>', '<name>other</name>').replace(/<uuid>[^<]*<\/uuid>/, '')]]));
        const { findings, at } = await drift(text, base({ domains: none }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT010', 'web']]);
    });
});

describe('drift: the HGX H200 example, its five VMs defined by libvirt (no lstopo on the host)', () => {
    const text = readRepoFile('examples/hgx-h200.vmtopo');
    let xmls: Map<string, string>;
    beforeAll(async () => {
        const ws = await buildWorkspace({ 'host.vmtopo': text });
        xmls = new Map(ws.resolved().topology.vms.map(v => [v.name, exportVm(v, 'libvirt')]));
    });
    const files = (d: LibvirtDomains) => bundleFiles('sprocket', { domains: d });

    it('untouched, infer-b running: no finding (aliases, addresses, units and controllers libvirt adds are no drift)', async () => {
        const { findings } = await drift(text, files(libvirtDomains(tmp, xmls, ['infer-b'])));
        expect(findings).toEqual([]);
    });

    it('a hostdev removed from train-a: DRIFT011 at the GPU clause that brings it', async () => {
        const trainA = xmls.get('train-a')!;
        const first = /<hostdev[\s\S]*?<\/hostdev>/.exec(trainA)![0];
        const { findings, at } = await drift(text, files(libvirtDomains(tmp, new Map([...xmls, ['train-a', trainA.replace(first, '')]]))));
        expect(findings.map(f => f.code)).toEqual(['DRIFT011']);
        expect(at(findings[0])).toMatch(/^gpu gpu0, .* passthrough$/);
        expect(findings[0].message).toMatch(/hostdev pci 0000:[0-9a-f:.]+ is absent in the domain's configuration/);
    });

    /** `text` with one domain's XML changed before libvirt defines it. */
    const withDomain = (name: string, change: (xml: string) => string) => {
        const xml = change(xmls.get(name)!);
        expect(xml).not.toBe(xmls.get(name));
        return files(libvirtDomains(tmp, new Map([...xmls, [name, xml]])));
    };

    it('the expander bus renumbered (busNr 64 → 80): DRIFT011 at the VM, naming the controller', async () => {
        const { findings, at } = await drift(text, withDomain('infer-b', x => x.replace('<target busNr="64">', '<target busNr="80">')));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT011', 'infer-b']]);
        expect(findings[0].message).toContain('PCI controller 1 is pcie-expander-bus busNr 80 node 0 in the domain\'s configuration, vmtopo\'s export has pcie-expander-bus busNr 64 node 0');
    });

    it('a vCPU pair moved to another core (SMT siblings 96 and 224): DRIFT011 at the pin list; the fix writes the pin list that gives those pins', async () => {
        const bundle = withDomain('infer-b', x => x.replace('<vcpupin vcpu="0" cpuset="72"/>', '<vcpupin vcpu="0" cpuset="96"/>').replace('<vcpupin vcpu="1" cpuset="200"/>', '<vcpupin vcpu="1" cpuset="224"/>'));
        const { findings, at, document } = await drift(text, bundle);
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT011', '72-87,200-215']]);
        const after = fixed(document, findings[0]);
        expect(after).toContain('vcpus 32 pin 96,73-87,224,201-215');
        expect((await drift(after, bundle)).findings).toEqual([]);
        expect((await buildWorkspace({ 'host.vmtopo': after })).diagnostics().filter(d => d.severity === 1)).toEqual([]);
    });

    it('pcihole64 halved: DRIFT011 at `mmio 2048 GiB`, without a fix (the four GPUs\' BARs need 2048 GiB: the host is wrong)', async () => {
        const { findings, at } = await drift(text, withDomain('train-a', x => x.replace('<pcihole64 unit="G">2048</pcihole64>', '<pcihole64 unit="G">1024</pcihole64>')));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT011', '2048 GiB']]);
        expect(findings[0].message).toContain('pcihole64 is 1024 GiB');
        expect(findings[0].fixes).toEqual([]);
    });

    it('pcihole64 doubled: the fix writes `mmio 4096 GiB`, and the finding goes', async () => {
        const bundle = withDomain('train-a', x => x.replace('<pcihole64 unit="G">2048</pcihole64>', '<pcihole64 unit="G">4096</pcihole64>'));
        const { findings, at, document } = await drift(text, bundle);
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT011', '2048 GiB']]);
        const after = fixed(document, findings[0]);
        expect(after).toContain('mmio 4096 GiB');
        expect((await drift(after, bundle)).findings).toEqual([]);
    });

    it('hugepages dropped from the memory backing: DRIFT011 at the hugepage size', async () => {
        const { findings, at } = await drift(text, withDomain('infer-b', x => x.replace(/<hugepages>[\s\S]*?<\/hugepages>\s*/, '')));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT011', '1 GiB']]);
        expect(findings[0].message).toContain('hugepages is none in the domain\'s configuration, vmtopo\'s export has 1 GiB');
    });

    /** GPU6 (0000:cb:00.0) as a node device with the vGPU type tenant-c uses, `available` instances left. */
    const gpu6 = (available: number) => libvirtNodedev(tmp, `<device><name>pci_0000_cb_00_0</name><parent>computer</parent>
  <capability type='pci'><class>0x030200</class><domain>0</domain><bus>203</bus><slot>0</slot><function>0</function>
    <product id='0x2335'>GH100 [H200 SXM 141GB]</product><vendor id='0x10de'>NVIDIA Corporation</vendor>
    <capability type='mdev_types'><type id='nvidia-1110'><name>NVIDIA H200X-1-18C</name><deviceAPI>vfio-pci</deviceAPI><availableInstances>${available}</availableInstances></type></capability>
  </capability></device>`, 'pci_0000_cb_00_0');

    it('a vGPU type with instances left on the GPU of stopped VMs: no finding; none left: DRIFT015 at each clause that needs it (tenant-c\'s vGPU, tenant-d\'s MIG-backed vGPU)', async () => {
        const d = libvirtDomains(tmp, xmls);
        const free = await drift(text, bundleFiles('sprocket', { domains: d, nodedevs: new Map([['pci_0000_cb_00_0', gpu6(1)]]) }));
        expect(free.findings).toEqual([]);
        const { findings, at } = await drift(text, bundleFiles('sprocket', { domains: d, nodedevs: new Map([['pci_0000_cb_00_0', gpu6(0)]]) }));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT015', 'vgpu gpu6 "H200X-1-18C"'], ['DRIFT015', 'mig gpu6 "1g.18gb"']]);
        expect(findings[0].command).toBe('virsh -r nodedev-dumpxml pci_0000_cb_00_0');
    });

    it('infer-b started with other emulator pins, then its configuration restored: DRIFT012 (pending), from virsh dumpxml', async () => {
        const inferB = xmls.get('infer-b')!;
        const perturbed = inferB.replace(/<emulatorpin cpuset="[^"]*"\/>/, '<emulatorpin cpuset="66"/>');
        expect(perturbed).not.toBe(inferB);
        const d = libvirtDomains(tmp, new Map([...xmls, ['infer-b', perturbed]]), ['infer-b'], new Map([['infer-b', inferB]]));
        const { findings, at } = await drift(text, files(d));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT012', 'infer-b']]);
        expect(findings[0].command).toMatch(/^virsh -r dumpxml [0-9a-f-]+$/);
        expect(findings[0].message).toContain('emulator pins 66');
    });
});

describeWithReference('drift: an imported real host with PCIe switches and SR-IOV VFs (hwloc capture 16intel64-manyVFs)', () => {
    let host: string;
    let text: string;
    let hwloc: string;
    const base = (pci?: string) => bundleFiles(host, { lstopo: hwloc, pci: pci ?? pciTsv(importedHost(hwloc, 'lstopo.xml').devices) });

    beforeAll(() => {
        hwloc = readReference('hwloc/16intel64-manyVFs.xml');
        const imported = importedHost(hwloc, 'lstopo.xml');
        host = imported.name;
        text = imported.text;
    });

    it('untouched: no finding', async () => {
        expect((await drift(text, base())).findings).toEqual([]);
    });

    it('a NIC written behind the outer switch, though it sits behind the inner one: DRIFT006 at its name', async () => {
        const line = /^\s*nic usnic_1 .*\n/m.exec(text)![0];
        const moved = text.replace(line, '').replace(/(pcie-switch sw0 [^\n]*\n)/, `$1${line}`);
        const { findings, at } = await drift(moved, base());
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT006', 'usnic_1']]);
        expect(findings[0].message).toContain('is behind switch 0000:09:00.0 on the host (path 0000:06:00.0 → 0000:09:00.0), the file puts it behind switch 0000:06:00.0');
    });

    it('VFs reset to 0 by a firmware update: DRIFT008 at `vfs 5`; the fix writes the live count', async () => {
        const pci = pciTsv(importedHost(hwloc, 'lstopo.xml').devices).replace(/^(0000:88:00\.0(?:\t[^\t]*){7})\t5\t/m, '$1\t0\t');
        const { findings, at, document } = await drift(text, base(pci));
        expect(findings.map(f => [f.code, at(f)])).toEqual([['DRIFT008', '5']]);
        const after = fixed(document, findings[0]);
        expect(after).toMatch(/nic usnic_2 .* at 0000:88:00\.0 vfs 0/);
        expect((await drift(after, base(pci))).findings).toEqual([]);
    });
});
