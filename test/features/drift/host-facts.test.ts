/**
 * `vmtopo drift` on the host facts beyond devices and domains: NUMA nodes (lstopo, else `virsh
 * capabilities`), BARs (sysfs `resource`) and the kernel command line (IOMMU, boot-time hugepages).
 * Bundles from real outputs (test/support/drift-bundles.ts): a real hwloc capture, libvirt's test
 * driver's `virsh capabilities`, this machine's `/proc/cmdline`; each test perturbs one of them and
 * expects exactly its finding at its range, and the quick-fix (where the file should follow the
 * host) to make it go.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DriftFinding } from '../../../language/src/features/drift/index.js';
import type { HostModel } from '../../../language/src/model/topology.js';
import { buildWorkspace, describeWithReference, readReference, readRepoFile } from '../../support/util.js';
import {
    bundleFiles, driftOf, cmdlineWith, hugepagesTsv, importedHost, libvirtCapabilities, pciTsv, pciTsvOfHost, realCmdline, tempDir, type BundleFiles
} from '../../support/drift-bundles.js';

let tmp: string;
beforeAll(() => { tmp = tempDir(); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The findings of `text` (one file, host.vmtopo) against the bundle made of `files`. */
const drift = (text: string, files: BundleFiles) => driftOf(tmp, text, files);

/** The text after every finding's first quick-fix (the edits do not overlap). */
function fixedAll(document: TextDocument, findings: readonly DriftFinding[]): string {
    for (const f of findings) expect(f.fixes.length, f.code).toBeGreaterThan(0);
    return TextDocument.applyEdits(document, findings.flatMap(f => [...f.fixes[0].edits]));
}

const codesAt = (r: { findings: DriftFinding[]; at: (f: DriftFinding) => string }) => r.findings.map(f => [f.code, r.at(f)]);

/**
 * The quick-fix round trip: applies the first quick-fix of each of `findings` (default: all of `r`'s),
 * expects the fixed text to hold each of `written`, and the fixed file to drift from `files` no more.
 */
async function expectFixedClean(r: Awaited<ReturnType<typeof drift>>, files: BundleFiles, written: readonly string[], findings: readonly DriftFinding[] = r.findings): Promise<void> {
    const after = fixedAll(r.document, findings);
    for (const w of written) expect(after).toContain(w);
    expect((await drift(after, files)).findings).toEqual([]);
}

describeWithReference('NUMA nodes from lstopo (hwloc capture 24em64t: node 0 has the even CPUs, node 1 the odd ones)', () => {
    let host: string;
    let text: string;
    let hwloc: string;
    const base = (parts: { lstopo?: string; cmdline?: string } = {}) => {
        const lstopo = parts.lstopo ?? hwloc;
        return bundleFiles(host, {
            lstopo, pci: pciTsv(importedHost(lstopo, 'lstopo.xml').devices),
            hugepages: hugepagesTsv([{ node: 0, sizeKiB: 1048576, reserved: 8, free: 8 }]),
            capabilities: libvirtCapabilities(), cmdline: parts.cmdline ?? realCmdline()
        });
    };
    /** The capture with NUMA node `id`'s cpuset replaced. */
    const nodeCpuset = (xml: string, id: number, mask: string) => {
        const out = xml.replace(new RegExp(`(<object type="NUMANode" os_index="${id}" cpuset=")0x[0-9a-f]+"`), `$1${mask}"`);
        expect(out).not.toBe(xml);
        return out;
    };

    beforeAll(() => {
        hwloc = readReference('hwloc/24em64t-2n6c2t-pci.xml');
        const imported = importedHost(hwloc, 'lstopo.xml');
        host = imported.name;
        text = `${imported.text.replace(/(socket numa0 \{[^}]*?)\s*\}/, '$1 hugepages 1 GiB count 8 }')}
vm web on ${host} {
    vcpus 4 pin 0,2,4,6
    emulator pin 8
    memory 8 GiB on numa 0 hugepages 1 GiB
}
`;
    });

    it('untouched: no finding — lstopo wins over virsh capabilities (libvirt\'s test driver: other cells, no IOMMU), and no VM assigns a device', async () => {
        expect((await drift(text, base())).findings).toEqual([]);
    });

    it('CPU 0 moved to node 1: DRIFT018 at both sockets\' cores and DRIFT020 at the pin list; accepting the live CPUs removes all three', async () => {
        const moved = nodeCpuset(nodeCpuset(hwloc, 0, '0x00555554'), 1, '0x00aaaaab');
        const r = await drift(text, base({ lstopo: moved }));
        expect(codesAt(r)).toEqual([
            ['DRIFT018', '0,2,4,6,8,10,12,14,16,18,20,22'], ['DRIFT018', '1,3,5,7,9,11,13,15,17,19,21,23'], ['DRIFT020', '0,2,4,6']
        ]);
        expect(r.findings[0].command).toBe('lstopo-no-graphics --of xml -');
        expect(r.findings[0].message).toContain('(0 not on it)');
        expect(r.findings[2].message).toContain('the host puts CPU 0 on node 1, not 0');
        await expectFixedClean(r, base({ lstopo: moved }), ['cores 2,4,6,8,10,12,14,16,18,20,22'], r.findings.filter(f => f.code === 'DRIFT018'));
    });

    it('CPU 6 gone from the host: DRIFT018 at node 0\'s cores, DRIFT020 at the pin list (no fix: the VM needs re-planning)', async () => {
        const r = await drift(text, base({ lstopo: nodeCpuset(hwloc, 0, '0x00555515') }));
        expect(codesAt(r)).toEqual([['DRIFT018', '0,2,4,6,8,10,12,14,16,18,20,22'], ['DRIFT020', '0,2,4,6']]);
        expect(r.findings[1].message).toContain('CPUs 6 are not on the host');
        expect(r.findings[1].fixes).toEqual([]);
    });

    it('node 0 with 4 GiB less memory (local_memory): DRIFT019 at its memory; the fix writes the live size', async () => {
        const less = hwloc.replace('local_memory="19316633600"', `local_memory="${19316633600 - 4 * 1024 ** 3}"`);
        expect(less).not.toBe(hwloc);
        const r = await drift(text, base({ lstopo: less }));
        expect(codesAt(r)).toEqual([['DRIFT019', '18421 MiB']]);
        await expectFixedClean(r, base({ lstopo: less }), ['memory 14325 MiB']);
    });

    it('boot-time hugepages: 4 × 1 GiB on the command line while the file\'s pool has 8: DRIFT024 at the pool\'s count; 8 per node or as the default size: none', async () => {
        const r = await drift(text, base({ cmdline: cmdlineWith('hugepagesz=1G hugepages=4') }));
        expect(codesAt(r)).toEqual([['DRIFT024', '8']]);
        expect(r.findings[0].command).toBe('cat /proc/cmdline');
        expect(r.findings[0].message).toContain('hugepagesz=1G hugepages=0:8');
        for (const ok of ['hugepagesz=1G hugepages=0:8', 'default_hugepagesz=1G hugepages=8', 'hugepagesz=2M hugepages=0 hugepagesz=1G hugepages=8']) {
            expect((await drift(text, base({ cmdline: cmdlineWith(ok) }))).findings, ok).toEqual([]);
        }
    });

    it('boot-time hugepages on node 1 too (per-node form): DRIFT024 at the host name (the file has no pool there)', async () => {
        const r = await drift(text, base({ cmdline: cmdlineWith('hugepagesz=1G hugepages=0:8,1:2') }));
        expect(codesAt(r)).toEqual([['DRIFT024', host]]);
        expect(r.findings[0].message).toContain('reserves 2 hugepages of 1 GiB on NUMA node 1 at boot');
    });
});

describe('NUMA nodes from virsh capabilities (libvirt\'s test driver, no lstopo in the bundle)', () => {
    const HOST = `host capshost {
    socket s0 { numa 0 cores 0-7 memory 2 GiB }
    socket s1 { numa 1 cores 8-15 memory 4 GiB }
}
vm pinned on capshost {
    vcpus 2 pin 6,7
    memory 1 GiB on numa 0
}
`;
    let caps: string;
    const bundle = (capabilities = caps, cmdline?: string) => bundleFiles('capshost', { capabilities, ...(cmdline !== undefined ? { cmdline } : {}) });
    /** The capabilities with CPU `cpu`'s line moved from cell `from` to the end of cell `to`'s CPUs. */
    const moveCpu = (xml: string, cpu: number) => {
        const line = new RegExp(`\\s*<cpu id='${cpu}'[^>]*/>`).exec(xml)![0];
        const out = xml.replace(line, '').replace(/(<cell id='1'>[\s\S]*?)(\s*<\/cpus>)/, `$1${line}$2`);
        expect(out).not.toBe(xml);
        return out;
    };

    beforeAll(() => { caps = libvirtCapabilities(); });

    it('untouched: no finding', async () => {
        expect((await drift(HOST, bundle())).findings).toEqual([]);
    });

    it('CPU 7 on cell 1: DRIFT018 at both sockets, DRIFT020 at the pin list, from virsh capabilities; accepting the live CPUs removes them', async () => {
        const moved = moveCpu(caps, 7);
        const r = await drift(HOST, bundle(moved));
        expect(codesAt(r)).toEqual([['DRIFT018', '0-7'], ['DRIFT018', '8-15'], ['DRIFT020', '6,7']]);
        expect(r.findings.map(f => f.command)).toEqual(['virsh -r capabilities', 'virsh -r capabilities', 'virsh -r capabilities']);
        await expectFixedClean(r, bundle(moved), ['cores 0-6 ', 'cores 7-15 '], r.findings.filter(f => f.code === 'DRIFT018'));
    });

    it('cell 1 with 1 GiB less memory: DRIFT019 at `4 GiB`; the fix writes 3 GiB', async () => {
        const less = caps.replace("<memory unit='KiB'>4194304</memory>", "<memory unit='KiB'>3145728</memory>");
        expect(less).not.toBe(caps);
        const r = await drift(HOST, bundle(less));
        expect(codesAt(r)).toEqual([['DRIFT019', '4 GiB']]);
        await expectFixedClean(r, bundle(less), ['cores 8-15 memory 3 GiB']);
    });

    it('`memory unknown` (an NCCL import) on a host whose cell 1 has 4 GiB: DRIFT019 at `unknown`; the fix writes 4 GiB', async () => {
        const text = HOST.replace('cores 8-15 memory 4 GiB', 'cores 8-15 memory unknown');
        const r = await drift(text, bundle());
        expect(codesAt(r)).toEqual([['DRIFT019', 'unknown']]);
        await expectFixedClean(r, bundle(), ['cores 8-15 memory 4 GiB']);
    });

    it('a node the file lacks (cell 1 also given as cell 2 with CPUs 16-23): DRIFT018 at the host name; a node the host lacks: DRIFT018 at `numa 1`', async () => {
        const cell1 = /<cell id='1'>[\s\S]*?<\/cell>/.exec(caps)![0];
        let cell2 = cell1.replace("<cell id='1'>", "<cell id='2'>");
        for (let c = 8; c < 16; c++) cell2 = cell2.replace(new RegExp(`id='${c}'(.*)siblings='${c}'`), `id='${c + 8}'$1siblings='${c + 8}'`);
        const three = caps.replace(cell1, `${cell1}\n        ${cell2}`).replace("<cells num='2'>", "<cells num='3'>");
        const r = await drift(HOST, bundle(three));
        expect(codesAt(r)).toEqual([['DRIFT018', 'capshost']]);
        expect(r.findings[0].message).toContain('NUMA node 2 (CPUs 16-23, 4 GiB)');
        const one = await drift(HOST, bundle(caps.replace(cell1, '').replace("<cells num='2'>", "<cells num='1'>")));
        expect(codesAt(one)).toEqual([['DRIFT018', '1']]);
    });

    it('SMT siblings: a socket written as two ranges (0-3 paired with 4-7) on a host without SMT: DRIFT018; the fix drops the pairing; a host pairing them: none', async () => {
        const paired = HOST.replace('cores 0-7', 'cores 0-3,4-7');
        const r = await drift(paired, bundle());
        expect(codesAt(r)).toEqual([['DRIFT018', '0-3,4-7']]);
        expect(r.findings[0].message).toContain('CPU 0 with 4; the host\'s core of CPU 0 has threads 0');
        await expectFixedClean(r, bundle(), ['cores 0-7 ']);
        let smt = caps;
        for (let c = 0; c < 4; c++) {
            smt = smt.replace(new RegExp(`(<cpu id='${c}' [^>]*)siblings='${c}'`), `$1siblings='${c},${c + 4}'`)
                .replace(new RegExp(`(<cpu id='${c + 4}' [^>]*)siblings='${c + 4}'`), `$1siblings='${c},${c + 4}'`);
        }
        expect(smt).toContain("siblings='3,7'");
        expect((await drift(paired, bundle(smt))).findings).toEqual([]);
        expect((await drift(HOST, bundle(smt))).findings).toEqual([]);
    });

    const GPU_HOST = HOST.replace('    socket s1', '    gpu g0 "H100 SXM5 80GB" at 0000:19:00.0 on s0\n    socket s1');

    it('a VM given a GPU by passthrough on a host whose libvirt reports no IOMMU: DRIFT023 at the host name, without a fix', async () => {
        const text = `${GPU_HOST}vm gpuvm on capshost {\n    vcpus 2\n    memory 1 GiB\n    gpu g0 passthrough\n}\n`;
        expect(text).toContain('gpu g0 "H100 SXM5 80GB" at 0000:19:00.0 on s0');
        const r = await drift(text, bundle());
        expect(codesAt(r)).toEqual([['DRIFT023', 'capshost']]);
        expect(r.findings[0].message).toContain("(libvirt reports <iommu support='no'/>); gpuvm assigns devices");
        expect(r.findings[0].fixes).toEqual([]);
        expect((await drift(text, bundle(caps.replace("<iommu support='no'/>", "<iommu support='yes'/>")))).findings).toEqual([]);
    });

    it('the IOMMU from the kernel command line (no libvirt in the bundle): intel_iommu=off under a passthrough VM: DRIFT023; intel_iommu=on: none', async () => {
        const text = `${GPU_HOST}vm gpuvm on capshost {\n    vcpus 2\n    memory 1 GiB\n    gpu g0 passthrough\n}\n`;
        const only = (cmdline: string) => bundleFiles('capshost', { cmdline });
        const r = await drift(text, only(cmdlineWith('intel_iommu=off')));
        expect(codesAt(r)).toEqual([['DRIFT023', 'capshost']]);
        expect(r.findings[0].command).toBe('cat /proc/cmdline');
        expect((await drift(text, only(cmdlineWith('intel_iommu=on iommu=pt')))).findings).toEqual([]);
        expect((await drift(text, only(realCmdline()))).findings).toEqual([]);
    });

    it('`iommu enabled` written, no VM assigning devices, the IOMMU off: DRIFT023 at `enabled`; the fix writes `disabled`', async () => {
        const text = HOST.replace('host capshost {', 'host capshost {\n    iommu enabled');
        const r = await drift(text, bundle());
        expect(codesAt(r)).toEqual([['DRIFT023', 'enabled']]);
        await expectFixedClean(r, bundle(), ['iommu disabled']);
    });
});

describe('BARs from sysfs resource: the HGX H200 example (8 × H200, train-a passes 4 through with mmio 2048 GiB)', () => {
    const text = readRepoFile('examples/hgx-h200.vmtopo');
    let host: HostModel;
    /**
     * A BAR column as the collector writes it (`INDEX:SIZE:FLAGS`); FLAGS of a real 64-bit memory BAR
     * (0x140204: IORESOURCE_MEM | IORESOURCE_MEM_64, as this test machine's virtio functions show it).
     */
    const bars = (...sizes: Array<[number, number]>) => sizes.map(([i, bytes]) => `${i}:${bytes}:0x0000000000140204`).join(',');
    const files = (gpu0Bars?: string, pci?: string) => bundleFiles('sprocket', { pci: pci ?? pciTsvOfHost(host, new Map(gpu0Bars ? [['0000:19:00.0', gpu0Bars]] : [])) });

    beforeAll(async () => {
        const ws = await buildWorkspace({ 'host.vmtopo': text });
        host = ws.resolved().topology.hosts.find(h => h.name === 'sprocket')!;
    });

    it('untouched (BARs unknown, or BAR1 256 GiB and BAR3 32 MiB): no finding', async () => {
        expect((await drift(text, files())).findings).toEqual([]);
        expect((await drift(text, files(bars([1, 256 * 1024 ** 3], [3, 32 * 1024 ** 2])))).findings).toEqual([]);
    });

    it('BAR1 of 256 MiB (no large BAR): DRIFT022 at the GPU, from sysfs resource, without a fix', async () => {
        const r = await drift(text, files(bars([1, 256 * 1024 ** 2], [3, 32 * 1024 ** 2])));
        expect(codesAt(r)).toEqual([['DRIFT022', 'gpu0']]);
        expect(r.findings[0].command).toBe('sysfs (/sys/bus/pci/devices/*/resource)');
        expect(r.findings[0].message).toContain('BAR1 is 256 MiB on the host, smaller than its 141 GB of memory');
        expect(r.findings[0].fixes).toEqual([]);
    });

    it('BAR1 of 512 GiB (above the catalog\'s 512 GiB with BAR3): DRIFT021 at train-a\'s `mmio 2048 GiB`; the fix writes 4096 GiB and the finding goes', async () => {
        const big = files(bars([1, 512 * 1024 ** 3], [3, 32 * 1024 ** 2]));
        const r = await drift(text, big);
        expect(codesAt(r)).toEqual([['DRIFT021', '2048 GiB']]);
        expect(r.findings[0].message).toContain('its GPUs\' BARs on the host need 4096 GiB (gpu0: 524320 MiB of 64-bit BARs, the catalog assumes 512 GiB)');
        await expectFixedClean(r, big, ['mmio 4096 GiB']);
    });

    it('no function in an IOMMU group (the IOMMU off) under VMs that assign devices: DRIFT023 at the host name, from sysfs', async () => {
        const pci = pciTsvOfHost(host).replace(/^((?:[^\t\n]*\t){7})\d+\t/gm, '$1-\t');
        const r = await drift(text, files(undefined, pci));
        expect(codesAt(r)).toEqual([['DRIFT023', 'sprocket']]);
        expect(r.findings[0].message).toContain('none of the 22 PCI functions is in an IOMMU group');
    });
});
