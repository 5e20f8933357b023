/**
 * NCCL topology export (NVIDIA/nccl src/graph/xml.cc, topo.cc): every VM's file is in the subset NCCL's
 * tokenizer reads, and names the same guest PCI addresses the libvirt export creates — checked
 * against an independent reading of the domain XML (test/support/libvirt-guest.ts), not the address plan.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ExportError, exportFileName, exportVm } from '../../../language/src/features/export/index.js';
import { nicPciClass } from '../../../language/src/model/guest-plan.js';
import { formatBdf } from '../../../language/src/syntax/tokens.js';
import { ESXI_HOST, HOST, Severity, vmOnNode } from '../../support/fixtures.js';
import { expectGolden } from '../../support/golden.js';
import { ancestors, predictGuestAddresses } from '../../support/libvirt-guest.js';
import { build, describeWithReference, SHARED } from '../../support/util.js';
import { exampleVms, HGX_EXAMPLE as EXAMPLE } from '../../support/example-vms.js';

const NAMES = ['train-a', 'infer-b', 'tenant-c', 'tenant-d'];
const { vm } = exampleVms(EXAMPLE);
let tmp: string;

beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-nccl-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** NCCL's link_speed table (topo.cc 545-556): the strings it reads as a PCIe generation. */
const NCCL_SPEEDS = ['2.5 GT/s PCIe', '5.0 GT/s PCIe', '8.0 GT/s PCIe', '16.0 GT/s PCIe', '32.0 GT/s PCIe', '64.0 GT/s PCIe'];

/**
 * The rules of NCCL's topology-file tokenizer (src/graph/xml.cc) as a checker: returns the broken rules (empty when the file is fine).
 * No declaration/DOCTYPE, no BOM, no tabs, `\n` line ends, one element per line with its start tag
 * and attributes on that line (single spaces, double quotes, no entities), `<system version="1">`,
 * lowercase `dddd:bb:dd.f` bus ids, link_speed from NCCL's table, decimal link_width, ≤ 256 elements.
 */
function ncclProblems(text: string): string[] {
    const problems: string[] = [];
    if (text.startsWith('\uFEFF')) problems.push('BOM');
    if (/<\?xml|<!DOCTYPE/.test(text)) problems.push('XML declaration or DOCTYPE');
    if (text.includes('\t')) problems.push('tab');
    if (text.includes('\r')) problems.push('CR line end');
    const lines = text.replace(/\n$/, '').split('\n');
    const startTag = /^( {2})*<([a-z]+)((?: [a-z_]+="[^"<>&]*")*)(\/?)>$/;
    const endTag = /^( {2})*<\/([a-z]+)>$/;
    let elements = 0;
    for (const [i, line] of lines.entries()) {
        const m = startTag.exec(line);
        if (!m && !endTag.test(line)) {
            problems.push(`line ${i + 1} is not one start or end tag: ${line}`);
            continue;
        }
        if (!m) continue;
        elements++;
        const attrs = Object.fromEntries([...m[3].matchAll(/ ([a-z_]+)="([^"]*)"/g)].map(a => [a[1], a[2]]));
        if (Object.keys(attrs).length > 16) problems.push(`line ${i + 1}: more than 16 attributes`);
        if (i === 0 && !(m[2] === 'system' && attrs.version === '1')) problems.push('first element is not <system version="1">');
        if (!['system', 'cpu', 'pci'].includes(m[2])) problems.push(`line ${i + 1}: element <${m[2]}> (only system, cpu, pci)`);
        if ('host_hash' in attrs) problems.push(`line ${i + 1}: host_hash`);
        if (m[2] === 'pci') {
            if (!/^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/.test(attrs.busid ?? '')) problems.push(`line ${i + 1}: busid ${attrs.busid}`);
            if (!/^0x[0-9a-f]{6}$/.test(attrs.class ?? '')) problems.push(`line ${i + 1}: class ${attrs.class}`);
            if (!NCCL_SPEEDS.includes(attrs.link_speed)) problems.push(`line ${i + 1}: link_speed ${attrs.link_speed}`);
            if (!/^[1-9][0-9]*$/.test(attrs.link_width ?? '')) problems.push(`line ${i + 1}: link_width ${attrs.link_width}`);
        }
        if (m[2] === 'cpu') {
            if (!/^-?[0-9]+$/.test(attrs.numaid ?? '')) problems.push(`line ${i + 1}: numaid ${attrs.numaid}`);
            if (!/^[0-9a-f]{8}(,[0-9a-f]{8})*$/.test(attrs.affinity ?? '')) problems.push(`line ${i + 1}: affinity ${attrs.affinity}`);
        }
    }
    if (elements > 256) problems.push(`${elements} elements (NCCL reads 256)`);
    return problems;
}

interface NcclPci { busid: string; class: string; link_speed: string; link_width: string; parent?: NcclPci; cpu: number; children: NcclPci[] }

/** The `<pci>` elements of an NCCL file with their parent switch and `<cpu numaid>`. */
function parseNccl(text: string): NcclPci[] {
    const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true }).parse(text) as any[];
    const out: NcclPci[] = [];
    const walk = (nodes: any[], cpu: number, parent: NcclPci | undefined) => {
        for (const n of nodes) {
            if ('cpu' in n) walk(n.cpu, Number(n[':@'].numaid), undefined);
            if ('pci' in n) {
                const p: NcclPci = { ...n[':@'], parent, cpu, children: [] };
                parent?.children.push(p);
                out.push(p);
                walk(n.pci, cpu, p);
            }
        }
    };
    const system = tree.find(n => 'system' in n);
    walk(system.system, -1, undefined);
    return out;
}

describeWithReference('the NCCL tokenizer checker on the reference files', () => {
    it('accepts the reference file sample-nccl-topo.xml and rejects typical mistakes', () => {
        const sample = fs.readFileSync(path.join(SHARED, 'reference/sample-nccl-topo.xml'), 'utf8');
        expect(ncclProblems(sample)).toEqual([]);
        expect(ncclProblems(`<?xml version="1.0"?>\n${sample}`)).not.toEqual([]);
        expect(ncclProblems(sample.replace('0000:43:00.0', '0000:43:00.0'.toUpperCase().replace('0000', '00000000')))).not.toEqual([]);
        expect(ncclProblems(sample.replace('32.0 GT/s PCIe', '16.0 GT/s'))).not.toEqual([]);
        expect(ncclProblems(sample.replace('  <cpu', '\t<cpu'))).not.toEqual([]);
    });

    it('predicts, from sample-domain.xml alone, the bus ids of sample-nccl-topo.xml (checked by booting QEMU)', () => {
        const guest = predictGuestAddresses(fs.readFileSync(path.join(SHARED, 'reference/sample-domain.xml'), 'utf8'));
        const nccl = parseNccl(fs.readFileSync(path.join(SHARED, 'reference/sample-nccl-topo.xml'), 'utf8'));
        const hostdevs = guest.filter(f => f.element === 'hostdev').map(f => f.bdf).sort();
        const usps = guest.filter(f => f.model === 'pcie-switch-upstream-port').map(f => f.bdf).sort();
        expect(hostdevs).toEqual(nccl.filter(p => p.class !== '0x060400').map(p => p.busid).sort());
        expect(usps).toEqual(nccl.filter(p => p.class === '0x060400').map(p => p.busid).sort());
    });
});

describe(`every VM of ${EXAMPLE}`, () => {
    for (const name of NAMES) {
        it(`${name}: obeys NCCL's tokenizer rules, parses with fast-xml-parser and xmllint, matches its golden file`, () => {
            const text = exportVm(vm(name), 'nccl');
            expect(ncclProblems(text)).toEqual([]);
            expect(() => new XMLParser().parse(text, true)).not.toThrow();
            const file = path.join(tmp, exportFileName(name, 'nccl'));
            fs.writeFileSync(file, text);
            execFileSync('/usr/bin/xmllint', ['--noout', file]);
            expectGolden(exportFileName(name, 'nccl'), text);
        });

        it(`${name}: names exactly the guest addresses of the libvirt export, under the same switches and NUMA nodes`, () => {
            const v = vm(name);
            const guest = predictGuestAddresses(exportVm(v, 'libvirt'));
            const nccl = parseNccl(exportVm(v, 'nccl'));
            const hostClass = new Map<string, string>();
            for (const g of v.gpus) hostClass.set(g.mode === 'passthrough' ? formatBdf(g.gpu.address) : g.gpu.name, g.gpu.spec.pciClass);
            for (const n of v.nics) hostClass.set(formatBdf(n.mode === 'vf' ? n.address : n.nic.address), nicPciClass(n.nic));

            const hostdevs = guest.filter(f => f.element === 'hostdev');
            expect(hostdevs.length).toBe(v.gpus.length + v.nics.length);
            for (const h of hostdevs) {
                const p = nccl.find(e => e.busid === h.bdf);
                expect(p, `NCCL <pci> for ${h.alias} at ${h.bdf}`).toBeDefined();
                // the innermost emulated switch above the device is the NCCL parent switch (by its upstream port)
                const usp = ancestors(guest, h).find(c => c.model === 'pcie-switch-upstream-port');
                expect(p!.parent?.busid).toBe(usp?.bdf);
                expect(p!.cpu).toBe(h.node);
                const mdevGpu = v.gpus.find(g => g.mode !== 'passthrough' && h.alias === `ua-${g.gpu.name}-vgpu`);
                expect(p!.class).toBe(hostClass.get(mdevGpu ? mdevGpu.gpu.name : h.source!));
            }
            const switches = guest.filter(f => f.model === 'pcie-switch-upstream-port').map(f => f.bdf).sort();
            expect(nccl.filter(p => p.class === '0x060400').map(p => p.busid).sort()).toEqual(switches);
            expect(nccl).toHaveLength(hostdevs.length + switches.length);
        });
    }
});

describe('train-a in NCCL terms', () => {
    it('has one <cpu> for guest node 0 with the 96-vCPU cpumap and the host CPU identity', () => {
        const text = exportVm(vm('train-a'), 'nccl');
        const cpus = text.split('\n').filter(l => l.trimStart().startsWith('<cpu '));
        expect(cpus).toHaveLength(1);
        expect(cpus[0]).toContain('numaid="0" affinity="ffffffff,ffffffff,ffffffff"');
        // Xeon Platinum 8592+ (Emerald Rapids): GenuineIntel family 6 model 207 (NCCL's ERP threshold, src/graph/topo.cc)
        expect(cpus[0]).toContain('arch="x86_64" vendor="GenuineIntel" familyid="6" modelid="207"');
    });

    it('gives every switch the host uplink 32.0 GT/s PCIe x16, not the emulated port link', () => {
        const switches = parseNccl(exportVm(vm('train-a'), 'nccl')).filter(p => p.class === '0x060400');
        expect(switches).toHaveLength(4);
        for (const s of switches) expect([s.link_speed, s.link_width]).toEqual(['32.0 GT/s PCIe', '16']);
        expect(switches.map(s => s.children.map(c => c.class))).toEqual(Array(4).fill(['0x030200', '0x020700']));
    });
});

describe('edge cases', () => {
    it('writes one <cpu> per guest cell that holds devices, with its own cpumap', async () => {
        // h with 24 cores (48 threads) per node: siblings c and c+48
        const big = HOST.replace('cores 0-7,16-23', 'cores 0-23,48-71').replace('cores 8-15,24-31', 'cores 24-47,72-95');
        const ws = await build(`${big}
            vm wide on h { vcpus 40 pin 0-9,48-57,24-33,72-81 memory 64 GiB on numa 0,1 gpu gpu0, gpu2 passthrough }`);
        expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        const text = exportVm(ws.resolved().topology.vms[0], 'nccl');
        expect(ncclProblems(text)).toEqual([]);
        const cpus = text.split('\n').filter(l => l.trimStart().startsWith('<cpu '));
        // 40 vCPUs → 2 words; vCPUs 0-19 on cell 0 (host node 0), 20-39 on cell 1 (host node 1)
        expect(cpus.map(l => /numaid="(\d+)" affinity="([^"]+)"/.exec(l)!.slice(1))).toEqual([
            ['0', '00000000,000fffff'], ['1', '000000ff,fff00000']
        ]);
    });

    it('uses the fastest device link for a switch that declares none, and omits unknown CPU identity', async () => {
        const ws = await build(`${HOST}\nvm v on h { vcpus 2 pin 0,16 memory 8 GiB on numa 0 gpu gpu0 passthrough nic nic0 passthrough mmio 512 GiB }`);
        const text = exportVm(ws.resolved().topology.vms[0], 'nccl');
        const [sw] = parseNccl(text).filter(p => p.class === '0x060400');
        // sw0 has no link; H200 SXM5 is PCIe Gen5 x16 in the catalog
        expect([sw.link_speed, sw.link_width]).toEqual(['32.0 GT/s PCIe', '16']);
        expect(text).not.toContain('vendor=');
    });

    it('refuses a VM on an ESXi host', async () => {
        const ws = await build(`${ESXI_HOST}\nvm x on e { vcpus 2 pin 0,16 memory 8 GiB on numa 0 gpu gpu0 passthrough mmio 512 GiB }`);
        expect(() => exportVm(ws.resolved().topology.vms[0], 'nccl')).toThrow(ExportError);
    });
});

describe('NIC link layer: the PCI class the NCCL export writes', () => {
    const nccl = async (layer: string) => {
        const text = HOST.replace('at 0000:13:00.0 vfs 4', `at 0000:13:00.0 vfs 4${layer}`) + vmOnNode('a', '    gpu gpu0 passthrough\n    nic nic0 passthrough');
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.severity === Severity.error)).toEqual([]);
        return exportVm(ws.resolved().topology.vms[0], 'nccl');
    };
    it('Ethernet (RoCE) is 0x020000, InfiniBand 0x020700, and the catalog\'s class without a declared link layer', async () => {
        expect(await nccl(' link-layer ethernet')).toMatch(/<pci busid="[0-9a-f:.]+" class="0x020000"/);
        expect(await nccl(' link-layer ethernet')).not.toContain('0x020700');
        expect(await nccl(' link-layer infiniband')).toMatch(/<pci busid="[0-9a-f:.]+" class="0x020700"/);
        expect(await nccl('')).toContain('class="0x020700"');
    });
});
