/**
 * vmtopo's libvirt domain merged into the user's own (`vmtopo export libvirt --into my-domain.xml`,
 * language/src/features/export/libvirt-merge.ts). The user domains are what virt-install and libvirt
 * wrote (test/fixtures/libvirt-merge/make-fixtures.sh says how): virt-install's defaults, a UEFI
 * domain with virtio disks, a bridge NIC and a disk controller on pcie.0 slot 5, and one with two
 * host devices already assigned. Each merged domain is accepted by libvirt's own tools, keeps every
 * byte of what the user owns, gives the guest the addresses vmtopo planned, and merges again to the
 * same bytes. Bad input gets one located error and nothing written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFiles, exportVm } from '../../../language/src/features/export/index.js';
import { LibvirtMergeError, mergeLibvirtDomain } from '../../../language/src/features/export/libvirt-merge.js';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import { predictGuestAddresses } from '../../support/libvirt-guest.js';
import { runTool } from '../../support/consumers.js';
import { expectFormatAccepted } from '../../support/consumer-checks.js';
import { HOST } from '../../support/fixtures.js';
import { REPO, build, readRepoFile } from '../../support/util.js';
import { exampleVms, HGX_EXAMPLE as EXAMPLE } from '../../support/example-vms.js';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'libvirt-merge');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

const example = exampleVms(EXAMPLE);
let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-merge-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** vmtopo's own domain of a VM of the example (what `vmtopo export libvirt` writes). */
const ours = (name: string) => exportVm(example.vm(name), 'libvirt');

/**
 * The text of every element of the user's domain that vmtopo does not own, read independently of
 * the merge: the children of `<domain>` and of `<devices>` with their exact bytes.
 */
function userOwnedElements(xml: string): string[] {
    const meta = XMLParser.getMetaDataSymbol() as unknown as string;
    type Raw = Record<string, unknown>;
    const parsed = new XMLParser({ preserveOrder: true, ignoreAttributes: false, captureMetaData: true }).parse(xml) as Raw[];
    const nameOf = (n: Raw) => Object.keys(n).find(k => k !== ':@' && k !== '#text');
    const slice = (n: Raw) => {
        const m = n[meta] as { startIndex: number; endIndex: number };
        return xml.slice(m.startIndex, m.endIndex);
    };
    const domain = parsed.find(n => nameOf(n) === 'domain')!;
    const vmtopoOwns = ['memory', 'currentMemory', 'vcpu', 'vcpus', 'numatune', 'memoryBacking', 'cputune', 'cpu', 'features', 'devices'];
    const top = (domain.domain as Raw[]).filter(n => nameOf(n) && !vmtopoOwns.includes(nameOf(n)!) && nameOf(n) !== '#comment');
    const devices = (domain.domain as Raw[]).find(n => nameOf(n) === 'devices')!;
    const kept = (devices.devices as Raw[]).filter(n => {
        const name = nameOf(n);
        if (!name || name === '#comment') return false;
        const attrs = (n[':@'] ?? {}) as Record<string, string>;
        // vmtopo owns the pcie-root controller's 64-bit hole (so the element changes) and the hostdev of a device it assigns.
        if (name === 'controller' && attrs['@_model'] === 'pcie-root') return false;
        return !(name === 'hostdev' && slice(n).includes("bus='0x19'"));
    });
    return [...top, ...kept].map(slice);
}

/**
 * Alias → guest PCI address of each hostdev vmtopo placed (the firmware's bus numbering,
 * test/support/libvirt-guest.ts); the user's hostdevs without a guest address (libvirt picks one) are left out.
 */
function guestAddresses(xml: string): Map<string, string> {
    const placed = xml.replace(/<hostdev [^>]*>\s*<source>\s*<address [^>]*\/>\s*<\/source>\s*<\/hostdev>/g, '');
    return new Map(predictGuestAddresses(placed).filter(f => f.element === 'hostdev').map(f => [f.alias!.replace(/^ua-vmtopo-/, 'ua-'), f.bdf]));
}

/** The user domains (virt-install's default, virtio disks + bridge + disk controller at 00:05.0, two hostdevs) × every VM of the example. */
const DOMAINS = [
    { file: 'virt-install-default.xml', name: 'web01' },
    { file: 'virtio-bridge.xml', name: 'db01' },
    { file: 'existing-hostdev.xml', name: 'gpu01' }
].flatMap(d => ['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d'].map(vm => ({ ...d, vm })));

describe.each(DOMAINS)('$vm merged into $file', ({ file, name, vm }) => {
    const merge = () => mergeLibvirtDomain(fixture(file), ours(vm));

    it('passes virt-xml-validate and virsh -c test:///default define, as the user\'s domain', () => {
        const out = path.join(tmp, `${vm}-into-${file}`);
        fs.writeFileSync(out, merge());
        expectFormatAccepted('libvirt', out, name);
    });

    it('merges again to the same bytes', () => {
        const once = merge();
        expect(mergeLibvirtDomain(once, ours(vm)) === once).toBe(true);
    });

    it('keeps every element the user owns byte for byte', () => {
        const merged = merge();
        const elements = userOwnedElements(fixture(file));
        expect(elements.length).toBeGreaterThan(10);
        for (const element of elements) expect(merged).toContain(element);
    });

    it('gives every device the guest PCI address vmtopo planned, and sets vmtopo\'s vCPUs, pinning and NUMA cells', () => {
        const merged = merge();
        expect(guestAddresses(merged)).toEqual(guestAddresses(ours(vm)));
        const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml).domain;
        const [m, o] = [parse(merged), parse(ours(vm))];
        for (const key of ['vcpu', 'memory', 'numatune', 'cputune']) expect(m[key], key).toEqual(o[key]);
        expect(m.memoryBacking.hugepages).toEqual(o.memoryBacking.hugepages);
        expect(m.cpu.numa).toEqual(o.cpu.numa);
        expect(m.cpu.topology).toEqual(o.cpu.topology);
        expect(m.name).toBe(name);
    });
});

describe('the user\'s domain decides what is not vmtopo\'s', () => {
    it('keeps the name, UUID, MAC, disks and metadata, and the user\'s comments', () => {
        const user = fixture('virt-install-default.xml').replace('    <disk ', '    <!-- boot disk: grow it with qemu-img resize -->\n    <disk ');
        const merged = mergeLibvirtDomain(user, ours('train-a'));
        expect(merged).toContain('    <!-- boot disk: grow it with qemu-img resize -->\n    <disk ');
        expect(merged).toContain("<uuid>00000000-1111-2222-3333-444444444444</uuid>");
        expect(merged).toContain("<mac address='00:11:22:33:44:55'/>");
        expect(merged).toContain('<libosinfo:os id="http://libosinfo.org/linux/2022"/>');
        expect(mergeLibvirtDomain(merged, ours('train-a'))).toBe(merged);
    });

    it('merging a VM into a domain merged with another gives what merging it into the user\'s domain gives (nothing of the first VM stays)', () => {
        const names = ['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d'];
        for (const file of ['virt-install-default.xml', 'virtio-bridge.xml', 'existing-hostdev.xml']) {
            const user = fixture(file);
            for (const first of names) {
                // (Merging train-a into existing-hostdev.xml takes over the user's hostdev of gpu0, which is then vmtopo's.)
                if (file === 'existing-hostdev.xml' && first === 'train-a') continue;
                const once = mergeLibvirtDomain(user, ours(first));
                for (const second of names) {
                    expect(mergeLibvirtDomain(once, ours(second)), `${first}, then ${second}, into ${file}`).toBe(mergeLibvirtDomain(user, ours(second)));
                }
            }
        }
    });

    it('keeps the memory backing a virtiofs share needs (memfd, shared) beside vmtopo\'s hugepages', () => {
        const merged = mergeLibvirtDomain(fixture('virtio-bridge.xml'), ours('train-a'));
        expect(/<memoryBacking>[\s\S]*?<\/memoryBacking>/.exec(merged)![0]).toBe([
            '<memoryBacking>',
            "    <source type='memfd'/>",
            "    <access mode='shared'/>",
            '    <hugepages>',
            "      <page size='1' unit='G' nodeset='0'/>",
            '    </hugepages>',
            '    <nosharepages/>',
            '  </memoryBacking>'
        ].join('\n'));
    });

    it('writes in the user\'s line endings, after their XML declaration', () => {
        const user = `<?xml version="1.0" encoding="UTF-8"?>\r\n${fixture('virtio-bridge.xml').replace(/\n/g, '\r\n')}`;
        const merged = mergeLibvirtDomain(user, ours('train-a'));
        expect(merged.startsWith('<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- vmtopo: merged into this domain: VM train-a')).toBe(true);
        expect(merged.replace(/\r\n/g, '')).not.toContain('\n');
        expect(merged.replace(/\r\n/g, '\n')).toBe(`<?xml version="1.0" encoding="UTF-8"?>\n${mergeLibvirtDomain(fixture('virtio-bridge.xml'), ours('train-a'))}`);
        expect(mergeLibvirtDomain(merged, ours('train-a'))).toBe(merged);
    });

    it('a VM of 256 vCPUs with Secure Boot: vmtopo\'s SMM, split IOAPIC and intel IOMMU join the user\'s features and devices', async () => {
        const text = HOST.replace('cores 0-7,16-23   memory 256 GiB', 'cores 0-7,16-23,32-511 memory 256 GiB') +
            'vm big on h { vcpus 256 memory 16 GiB on numa 0 secure-boot gpu gpu0 passthrough }\n';
        const big = (await build(text)).resolved().topology.vms.find(v => v.name === 'big')!;
        const merged = mergeLibvirtDomain(fixture('virt-install-default.xml'), exportVm(big, 'libvirt'));
        expect(/<features>[\s\S]*?<\/features>/.exec(merged)![0].split('\n').map(l => l.trim())).toEqual([
            '<features>', '<acpi/>', '<apic/>', "<vmport state='off'/>", '<!-- vmtopo: set by vmtopo -->', "<smm state='on'/>",
            '<!-- vmtopo: 256 vCPUs > 255: x2APIC ids need QEMU\'s split irqchip and an IOMMU with interrupt remapping and EIM (rule KVM001) -->',
            "<ioapic driver='qemu'/>", '</features>'
        ]);
        expect(merged).toContain("<iommu model='intel'>");
        const out = path.join(tmp, 'big-into-web01.xml');
        fs.writeFileSync(out, merged);
        expect(runTool('virt-xml-validate', [out, 'domain']).status).toBe(0);
        expect(runTool('virsh', ['-c', 'test:///default', 'define', out]).output).toContain("Domain 'web01' defined");
        expect(mergeLibvirtDomain(merged, exportVm(big, 'libvirt'))).toBe(merged);
        // The VM shrinks: what vmtopo added for it leaves the domain, what the user had stays.
        expect(mergeLibvirtDomain(merged, ours('train-a'))).toBe(mergeLibvirtDomain(fixture('virt-install-default.xml'), ours('train-a')));
    });

    it('leaves <os> to the user, and says so in a comment when the user\'s boots BIOS and the VM asks for UEFI', () => {
        const bios = mergeLibvirtDomain(fixture('virt-install-default.xml'), ours('train-a'));
        expect(bios).toContain("  <!-- vmtopo: the .vmtopo file asks for UEFI firmware (OVMF), which maps the GPUs' large 64-bit BARs; this <os> boots SeaBIOS: add firmware='efi' (vmtopo leaves <os> to you) -->\n  <os>\n");
        const uefi = mergeLibvirtDomain(fixture('virtio-bridge.xml'), ours('train-a'));
        expect(uefi).toContain("  </numatune>\n  <os firmware='efi'>\n");
        expect(uefi).not.toContain('SeaBIOS');
    });

    it('moves vmtopo\'s expander bus off pcie.0 slot 5, which the user\'s virtio-scsi controller holds, and leaves theirs', () => {
        const user = fixture('virtio-bridge.xml');
        const scsi = /<controller type='scsi'[\s\S]*?<\/controller>/.exec(user)![0];
        expect(scsi).toContain("slot='0x05'");
        const merged = mergeLibvirtDomain(user, ours('train-a'));
        expect(merged).toContain(scsi);
        const pxb = /<controller type='pci' index='(\d+)' model='pcie-expander-bus'>[\s\S]*?<\/controller>/.exec(merged)!;
        expect(pxb[0]).toContain("<address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>");
        expect(pxb[0]).toContain("<target busNr='64'>");
        // after the user's 15 PCI controllers (indexes 0-14)
        expect(pxb[1]).toBe('15');
        expect(merged).toContain("<!-- vmtopo: expander bus moved from pcie.0 slot 0x05 to 0x06: your <controller type='scsi'> holds slot 0x05");
    });

    it('keeps the user\'s NVMe hostdev and takes over their hostdev of the GPU vmtopo assigns (same host device, same settings)', () => {
        const user = fixture('existing-hostdev.xml');
        const merged = mergeLibvirtDomain(user, ours('train-a'));
        const hostdevs = [...merged.matchAll(/<hostdev [\s\S]*?<\/hostdev>/g)].map(m => m[0]);
        expect(hostdevs.filter(h => h.includes("bus='0x65'"))).toEqual([/<hostdev [^>]*>\s*<source>\s*<address [^>]*bus='0x65'[\s\S]*?<\/hostdev>/.exec(user)![0]]);
        const gpu0 = hostdevs.filter(h => h.includes("<address domain='0x0000' bus='0x19'"));
        expect(gpu0).toHaveLength(1);
        expect(gpu0[0]).toContain("<alias name='ua-vmtopo-gpu0'/>");
        // train-a: 4 GPUs + 4 NICs, and the NVMe
        expect(hostdevs).toHaveLength(9);
    });
});

describe('bad input: one located error', () => {
    const refusal = (user: string, vm = 'train-a'): LibvirtMergeError => {
        try {
            mergeLibvirtDomain(user, ours(vm));
        } catch (err) {
            expect(err).toBeInstanceOf(LibvirtMergeError);
            return err as LibvirtMergeError;
        }
        throw new Error('the merge was not refused');
    };

    it('not XML: the place the XML breaks', () => {
        const user = fixture('virt-install-default.xml').replace("<source network='default'/>", "<source network='default'>");
        const err = refusal(user);
        expect(err.message).toMatch(/^not well-formed XML: /);
        expect(err.line).toBeGreaterThan(40);
    });

    it('not a domain: a libvirt network (virsh net-dumpxml) is refused at its root', () => {
        const network = runTool('virsh', ['-c', 'test:///default', 'net-dumpxml', 'default']);
        expect(network.status).toBe(0);
        const err = refusal(network.output);
        expect(err.message).toBe('the root element is <network>, not <domain>: this is not a libvirt domain');
        expect([err.line, err.column]).toEqual([1, 1]);
    });

    it('the i440fx machine: refused at its <type>', () => {
        const user = fixture('i440fx.xml');
        const err = refusal(user);
        expect(user.split('\n')[err.line - 1]).toContain("<type arch='x86_64' machine='pc'>hvm</type>");
        expect(err.message).toContain("the machine is 'pc'");
    });

    it('a disk the user moved onto a port of an earlier merge: refused at its address, vmtopo does not move the user\'s devices', () => {
        const merged = mergeLibvirtDomain(fixture('virt-install-default.xml'), ours('train-a'));
        // index 16: the first root port below vmtopo's expander bus (index 15)
        expect(merged).toContain("<controller type='pci' index='16' model='pcie-root-port'>");
        const moved = merged.replace("<target dev='vda' bus='virtio'/>\n", "<target dev='vda' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x0'/>\n");
        const err = refusal(moved);
        expect(moved.split('\n')[err.line - 1].slice(err.column - 1)).toBe("<address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x0'/>");
        expect(err.message).toContain('a PCI controller an earlier vmtopo merge added');
    });

    it('a disk of the user with an alias in vmtopo\'s ua-vmtopo- namespace: refused at the alias (a merge would take it for vmtopo\'s)', () => {
        const user = fixture('virt-install-default.xml').replace("<target dev='vda' bus='virtio'/>\n", "<target dev='vda' bus='virtio'/>\n      <alias name='ua-vmtopo-boot'/>\n");
        const err = refusal(user);
        expect(user.split('\n')[err.line - 1].slice(err.column - 1)).toBe("<alias name='ua-vmtopo-boot'/>");
        expect(err.message).toBe("your <disk> has the alias 'ua-vmtopo-boot'; aliases starting 'ua-vmtopo-' mark vmtopo's devices, which a merge replaces: rename it");
    });

    it('a TCG domain (type qemu): refused at <domain>, VFIO needs KVM', () => {
        const err = refusal(fixture('virt-install-default.xml').replace("<domain type='kvm'>", "<domain type='qemu'>"));
        expect([err.line, err.column]).toEqual([1, 1]);
        expect(err.message).toContain("needs <domain type='kvm'>");
    });

    it('an SR-IOV NIC the user passes as <interface type=\'hostdev\'> that vmtopo assigns too: refused at the interface', () => {
        const user = fixture('virt-install-default.xml').replace("<interface type='network'>", [
            "<interface type='hostdev' managed='yes'>",
            '      <source>',
            "        <address type='pci' domain='0x0000' bus='0x1a' slot='0x00' function='0x0'/>",
            '      </source>',
            '    </interface>',
            "    <interface type='network'>"
        ].join('\n'));
        const err = refusal(user);
        expect(user.split('\n')[err.line - 1].trim()).toBe("<interface type='hostdev' managed='yes'>");
        expect(err.message).toBe("your <interface type='hostdev'> passes host device 0000:1a:00.0, which vmtopo assigns as a <hostdev> (ua-vmtopo-mlx5_3); remove one of them");
    });

    it('an expander bus of the user numbered inside vmtopo\'s guest buses: refused at it (vmtopo cannot renumber: the NCCL file names its buses)', () => {
        const user = fixture('virt-install-default.xml').replace("<controller type='pci' index='14' model='pcie-root-port'/>", [
            "<controller type='pci' index='14' model='pcie-root-port'/>",
            "    <controller type='pci' index='15' model='pcie-expander-bus'>",
            "      <target busNr='72'/>",
            "      <address type='pci' domain='0x0000' bus='0x00' slot='0x0a' function='0x0'/>",
            '    </controller>'
        ].join('\n'));
        const err = refusal(user);
        expect(user.split('\n')[err.line - 1].trim()).toBe("<controller type='pci' index='15' model='pcie-expander-bus'>");
        expect(err.message).toMatch(/^your pcie-expander-bus has busNr 72, inside the guest buses vmtopo's expander buses use \(64-\d+\)/);
    });

    it('a hostdev of a GPU vmtopo assigns, with a ROM file vmtopo would drop: refused at that hostdev', () => {
        const user = fixture('conflicting-hostdev.xml');
        const err = refusal(user);
        const line = user.split('\n')[err.line - 1];
        expect(line.slice(err.column - 1)).toBe("<hostdev mode='subsystem' type='pci' managed='yes'>");
        expect(err.message).toContain('host device 0000:19:00.0 has <rom>');
    });
});

describe('exportFiles with into (what the CLI and the editor command run)', () => {
    const exportInto = (into: string, outDir: string, vm?: string) => exportFiles(createVmtopoServices(NodeFileSystem),
        { files: [path.join(REPO, EXAMPLE)], format: 'libvirt', vm, outDir, into });

    it('writes <vm>.domain.xml in the output folder and leaves the user\'s file alone', async () => {
        const into = path.join(tmp, 'web01.xml');
        fs.writeFileSync(into, fixture('virt-install-default.xml'));
        const outDir = path.join(tmp, 'merged');
        const result = await exportInto(into, outDir, 'infer-b');
        expect(result).toEqual({ ok: true, written: [path.join(outDir, 'infer-b.domain.xml')], problems: [] });
        expect(fs.readFileSync(result.written[0], 'utf8')).toBe(mergeLibvirtDomain(fixture('virt-install-default.xml'), ours('infer-b')));
        expect(fs.readFileSync(into, 'utf8')).toBe(fixture('virt-install-default.xml'));
    }, 60_000);

    it('refuses with file:line:col and writes nothing for a conflicting domain, several VMs, or the user\'s file as output', async () => {
        const conflicting = path.join(tmp, 'conflicting.xml');
        fs.writeFileSync(conflicting, fixture('conflicting-hostdev.xml'));
        const outDir = path.join(tmp, 'refused');
        const bad = await exportInto(conflicting, outDir, 'train-a');
        expect(bad.ok).toBe(false);
        expect(bad.problems).toHaveLength(1);
        expect(bad.problems[0]).toMatch(new RegExp(`^${conflicting.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:85:5: your <hostdev> of host device 0000:19:00.0`));
        const several = await exportInto(conflicting, outDir);
        expect(several.problems[0]).toContain('one domain takes one VM, and 5 VMs are selected');
        const self = path.join(tmp, 'self');
        fs.mkdirSync(self);
        fs.writeFileSync(path.join(self, 'infer-b.domain.xml'), fixture('virt-install-default.xml'));
        const over = await exportInto(path.join(self, 'infer-b.domain.xml'), self, 'infer-b');
        expect(over.problems[0]).toContain('would be written over the domain it merges into');
        expect(fs.readFileSync(path.join(self, 'infer-b.domain.xml'), 'utf8')).toBe(fixture('virt-install-default.xml'));
        expect(fs.existsSync(outDir)).toBe(false);
    }, 60_000);
});

describe('README "Merging into your own libvirt domain"', () => {
    it('shows lines the merge writes (infer-b into virtio-bridge.xml)', () => {
        const section = readRepoFile('README.md').split('### Merging into your own libvirt domain')[1];
        const excerpt = /```xml\n([\s\S]*?)```/.exec(section)![1].split('\n').filter(l => l.trim() !== '' && !l.includes('…'));
        expect(excerpt.length).toBeGreaterThan(15);
        const merged = mergeLibvirtDomain(fixture('virtio-bridge.xml'), ours('infer-b')).split('\n');
        for (const line of excerpt) expect(merged, line).toContain(line);
    });
});
