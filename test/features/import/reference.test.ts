/**
 * `vmtopo import` on every real file of ../shared/reference/{hwloc,nccl-topo,nvidia-smi-topo}: the
 * output parses and `check` finds no error at all; the devices the catalog lacks are written with
 * their PCI id (or `unknown` where the source gives none) and reported as CAT001 warnings naming the
 * id (listed per file below); a source without memory sizes (NCCL, nvidia-smi) gets one LOC004
 * warning per socket (`memory unknown`), never one per VM; a multi-host NCCL dump gives one host per
 * `host_hash`. Per host, the counts of GPUs, NICs, NVSwitches, NUMA nodes and CPUs equal the
 * source's, and every GPU↔NIC relationship (same switch / same top switch / same NUMA node / other
 * node) equals the one computed here, independently of the importer, from the source file itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { expect, it } from 'vitest';
import { importHost, ImportError } from '../../../language/src/features/import/index.js';
import { messageText } from '../../../language/src/kernel/diagnostics.js';
import { build, describeWithReference, SHARED } from '../../support/util.js';
import { astFacts, type Relation, relationKey, type SourceFacts } from '../../support/import-facts.js';

const REF = path.join(SHARED, 'reference');
const files = (dir: string, ext: string) => fs.existsSync(path.join(REF, dir)) ? fs.readdirSync(path.join(REF, dir)).filter(f => f.endsWith(ext)).sort() : [];

/**
 * The devices of each file the catalog lacks, as `check` names them in its CAT001 warnings: the PCI
 * id `vendor:device` (https://pci-ids.ucw.cz names each), or `unknown` where the source gives no id.
 */
const UNKNOWN_MODELS: Record<string, string[]> = {
    '16intel64-manyVFs.xml': ['1137:0043', '8086:1521'], // Cisco VIC Ethernet NIC, Intel I350
    '24em64t-2n6c2t-pci.xml': ['10de:06d2', '15b3:6746', '8086:10c9'], // Tesla M2070, ConnectX VPI (MT26438), Intel 82576
    '32em64t-2n8c2t-pci-normalio.xml': ['10de:1094', '8086:1521'], // Tesla M2075, I350 (ConnectX-4 15b3:1013 and the Xeon E5-2650 are in the catalog)
    '96em64t-4n4d3ca2co-pci.xml': ['14e4:1639'], // Broadcom NetXtreme II BCM5709
    'power8gpudistances.xml': ['10de:15f9'], // Tesla P100 SXM2 16GB (the POWER8 CPU gets no `cpu` clause)
    'aws-g5.48xl-topo.xml': [],
    'aws-p4d-24xl-topo.2020-08-27-superseded.xml': ['unknown'],
    'aws-p4d-24xl-topo.xml': ['1d0f:efa0'], // Amazon EFA; 10de:20b0 is A100 SXM4 40GB
    'aws-p4de-24xl-topo.xml': ['1d0f:efa0'],
    'aws-p5.48xl-topo.2025-06-02-removed.xml': [],
    'aws-p5.48xl-topo.pr1226-unmerged.xml': ['unknown'],
    'azure-ncv4-topo.xml': [], // 10de:20b5 is A100 PCIe 80GB
    'azure-ndv2-topo.xml': ['unknown'],
    'azure-ndv4-topo.2023-06-16-superseded.xml': ['unknown'],
    'azure-ndv4-topo.xml': ['unknown'],
    'azure-ndv5-topo.2023-06-16-superseded.xml': ['unknown'],
    'azure-ndv5-topo.xml': ['unknown'],
    'crusoe-b300-288gb-sxm-ib-cloud-hypervisor.xml': ['10de:3182', '15b3:101e'], // B300 SXM6 AC, ConnectX mlx5Gen VF
    'nccl-pr877-ncv4-topo.xml': [],
    'nccl-pr877-ndv5-topo-new.xml': ['unknown'],
    'oci-bm-gpu-b300-8-B300MP.xml': ['10de:3182'], // its NICs 15b3:1023 are ConnectX-8
    'oci-bm-gpu-b4-8-topo-flattened.xml': ['unknown'],
    'oci-bm-gpu-h100-8-topology-kubernetes.xml': [],
    'oci-bm-gpu-h100-8-topology.xml': [],
    'oci-bm-gpu4-8-topo-flattened.xml': ['unknown'],
    'oci-gb300-mnnvl-2host-GB300MP.xml': ['10de:31c2', '15b3:2100'], // GB300, ConnectX-8 Data Direct function
    '8xh20-sglang-issue-24966.txt': ['unknown'], // topo -m names no model
    '8xh200-sprocket.txt': ['unknown'],
    'dgx-a100-8xa100.txt': ['unknown'],
    'hpe-xd670-8xh100-sxm-80gb.txt': ['unknown']
};

/** Hosts of each multi-host file (one per `host_hash`); every other file is one host. */
const HOSTS: Record<string, number> = { 'oci-gb300-mnnvl-2host-GB300MP.xml': 2 };

/** The NCCL graph file (NCCL_GRAPH_FILE) is not a topology: refused with a message saying so. */
const NOT_TOPOLOGIES = ['azure-ncv4-graph.xml'];

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (_n, _p, _l, isAttr) => !isAttr });

type X = Record<string, any>;

/** hwloc source facts: PCI functions by class, NUMA nodes, PUs, and each device's switch chain from the bridges' `depth` (even depth ≥ 2 = a switch's upstream port). */
function hwlocFacts(text: string): SourceFacts {
    const doc = xml.parse(text) as X;
    const facts: SourceFacts = { gpus: [], nics: [], nvswitches: 0, numaNodes: 0, cpus: 0, place: new Map() };
    const walk = (o: X, bridges: X[], numa: number | undefined) => {
        const type = o.type as string;
        if (type === 'NUMANode') facts.numaNodes++;
        if (type === 'PU') facts.cpus++;
        let here = numa;
        if (!['Bridge', 'PCIDev', 'OSDev'].includes(type) && o.nodeset) {
            const bits = BigInt(`0x${(o.nodeset as string).split(',').map(w => w.replace(/^0x/, '').padStart(8, '0') || '00000000').join('')}`);
            let first = 0;
            while (!((bits >> BigInt(first)) & 1n)) first++;
            here = first;
        }
        if (type === 'PCIDev') {
            const m = /^([0-9a-f]{4}) \[([0-9a-f]{4}):/.exec(o.pci_type);
            const cls = m?.[1] ?? '';
            const vendor = m?.[2];
            const busid = o.pci_busid as string;
            const switches = bridges.filter(b => Number(b.depth) >= 2 && Number(b.depth) % 2 === 0).map(b => b.pci_busid as string);
            const where = { numa: here ?? 0, switches };
            if (cls.startsWith('03') && vendor === '10de') { facts.gpus.push(busid); facts.place.set(busid, where); }
            if (cls.startsWith('02') || cls === '0c06') { facts.nics.push(busid); facts.place.set(busid, where); }
            if (cls === '0680' && vendor === '10de') facts.nvswitches++;
        }
        for (const c of o.object ?? []) walk(c, o.type === 'Bridge' ? [...bridges, o] : bridges, here);
    };
    walk(doc.topology[0].object[0], [], undefined);
    return facts;
}

/** NCCL source facts of one host (the `<cpu>` elements of its `host_hash`): `<pci>` endpoints by class or child element, `<cpu>` nodes and their affinity masks, each device's `<pci>` ancestors. */
function ncclFacts(text: string, hostIndex: number): SourceFacts {
    const doc = xml.parse(text) as X;
    const facts: SourceFacts = { gpus: [], nics: [], nvswitches: 0, numaNodes: 0, cpus: 0, place: new Map() };
    const nvs = new Set<string>();
    const cpuBits = new Set<number>();
    // One host per host_hash (a multi-node NVLink dump holds several), in the order of the file.
    const all = (doc.system[0].cpu ?? []) as X[];
    const hash = [...new Set(all.map(c => c.host_hash))][hostIndex];
    for (const [index, cpu] of all.filter(c => c.host_hash === hash).entries()) {
        facts.numaNodes++;
        if (cpu.affinity) {
            (cpu.affinity as string).split(',').reverse().forEach((w, k) => {
                for (let bit = 0; bit < 32; bit++) if ((parseInt(w, 16) >>> bit) & 1) cpuBits.add(32 * k + bit);
            });
        }
        const walk = (pci: X, ancestors: string[]) => {
            const cls = (pci.class ?? '') as string;
            const isGpu = pci.gpu !== undefined || cls.startsWith('0x03');
            const isNic = pci.nic !== undefined || cls.startsWith('0x02');
            const where = { numa: index, switches: ancestors };
            if (isGpu) { facts.gpus.push(pci.busid); facts.place.set(pci.busid, where); }
            else if (isNic) { facts.nics.push(pci.busid); facts.place.set(pci.busid, where); }
            else if (cls.startsWith('0x0680')) nvs.add(pci.busid);
            for (const g of pci.gpu ?? []) for (const l of g.nvlink ?? []) if (l.tclass === '0x068000' && !/^f{7}:/.test(l.target)) nvs.add(l.target); // fffffff:… = an NVSwitch the host does not show
            for (const c of pci.pci ?? []) walk(c, [...ancestors, pci.busid]);
        };
        for (const pci of cpu.pci ?? []) walk(pci, []);
    }
    facts.nvswitches = nvs.size;
    facts.cpus = cpuBits.size;
    return facts;
}

/** nvidia-smi source facts: columns, NUMA and CPU affinity of the GPU rows, and the matrix itself. */
function smiFacts(text: string): SourceFacts & { matrix: Map<string, string> } {
    const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
    const header = lines.find(l => /^\s*GPU0\t/.test(l))!.split('\t').map(c => c.trim()).filter(c => c);
    const devices = header.filter(h => /^(GPU\d+|NIC\d+|mlx\d+_\d+)$/.test(h));
    const legend = new Map(lines.map(l => /^\s*(NIC\d+): (\S+)/.exec(l)).filter(m => m).map(m => [m![1], m![2]]));
    const name = (col: string) => /^GPU(\d+)$/.test(col) ? `gpu${col.slice(3)}` : legend.get(col) ?? col;
    const facts = { gpus: [] as string[], nics: [] as string[], nvswitches: 0, numaNodes: 0, cpus: 0, place: new Map(), matrix: new Map<string, string>() };
    const numas = new Set<string>();
    const cpus = new Set<number>();
    for (const line of lines) {
        const cells = line.split('\t');
        const row = cells[0].trim();
        if (!devices.includes(row)) continue;
        devices.forEach((col, k) => facts.matrix.set(`${name(row)}|${name(col)}`, (cells[k + 1] ?? '').trim()));
        if (row.startsWith('GPU')) {
            facts.gpus.push(name(row));
            numas.add(cells[devices.length + 2].trim());
            for (const part of cells[devices.length + 1].trim().split(',')) {
                const [a, b] = part.split('-').map(Number);
                for (let c = a; c <= (b ?? a); c++) cpus.add(c);
            }
        } else facts.nics.push(name(row));
    }
    // A NIC that is SYS to every GPU proves a NUMA node without GPUs.
    const lonely = facts.nics.some(n => facts.gpus.every(g => facts.matrix.get(`${g}|${n}`) === 'SYS'));
    facts.numaNodes = numas.size + (lonely ? 1 : 0);
    facts.cpus = cpus.size;
    return facts;
}

const RELATION_OF_CODE: Record<string, Relation> = { PIX: 'same switch', PXB: 'same top switch', PHB: 'same NUMA node', NODE: 'same NUMA node', SYS: 'other NUMA node' };

function relation(a: { numa: number; switches: readonly string[] }, b: { numa: number; switches: readonly string[] }): Relation {
    if (a.switches.length > 0 && a.switches.at(-1) === b.switches.at(-1)) return 'same switch';
    if (a.switches.length > 0 && a.switches[0] === b.switches[0]) return 'same top switch';
    return a.numa === b.numa ? 'same NUMA node' : 'other NUMA node';
}

const TABLE: string[] = [];

for (const [dir, ext] of [['hwloc', '.xml'], ['nccl-topo', '.xml'], ['nvidia-smi-topo', '.txt']] as const) {
    describeWithReference(`vmtopo import of every file in reference/${dir}`, () => {
        for (const file of files(dir, ext)) {
            const text = fs.readFileSync(path.join(REF, dir, file), 'utf8');
            if (NOT_TOPOLOGIES.includes(file)) {
                it(`${file}: refused with a one-line reason`, () => {
                    expect(() => importHost([{ file, text }])).toThrow(ImportError);
                    expect(() => importHost([{ file, text }])).toThrow(/is an NCCL graph file/);
                });
                continue;
            }
            it(`${file}: parses and checks with no error; CAT001 warnings name the devices the catalog lacks; same counts and GPU↔NIC relationships as the source, per host`, async () => {
                const result = importHost([{ file, text }]);
                expect(result.text).toContain(`Imported from ${file}`);
                const ws = await build(result.text);
                const diagnostics = ws.diagnostics();
                expect(diagnostics.filter(d => d.severity === 1).map(d => `${String(d.code)} ${messageText(d)}`)).toEqual([]);
                const cat = diagnostics.filter(d => d.code === 'CAT001');
                expect(cat.every(d => d.severity === 2)).toBe(true);
                const unknown = [...new Set(cat.map(d => /PCI id ([0-9a-f]{4}:[0-9a-f]{4})/.exec(messageText(d))?.[1] ?? (/model not known/.test(messageText(d)) ? 'unknown' : messageText(d))))].sort();
                expect(unknown).toEqual([...(UNKNOWN_MODELS[file] ?? ['(file missing from UNKNOWN_MODELS)'])].sort());

                const model = ws.documents[0].parseResult.value;
                expect(model.hosts).toHaveLength(HOSTS[file] ?? 1);
                // Memory: hwloc gives each node's size; NCCL and nvidia-smi give none, which is said once per socket.
                const sockets = model.hosts.flatMap(h => h.sockets);
                const memoryWarnings = diagnostics.filter(d => d.code === 'LOC004');
                if (dir === 'hwloc') {
                    expect(sockets.every(so => so.memory !== undefined || !/local_memory/.test(text))).toBe(true);
                    expect(memoryWarnings).toEqual([]);
                } else {
                    expect(sockets.every(so => so.memoryUnknown)).toBe(true);
                    expect(memoryWarnings.map(d => d.severity)).toEqual(sockets.map(() => 2));
                }

                const row = { gpus: 0, nics: 0, nvswitches: 0, switches: 0 };
                for (let h = 0; h < model.hosts.length; h++) {
                    const source = dir === 'hwloc' ? hwlocFacts(text) : dir === 'nccl-topo' ? ncclFacts(text, h) : smiFacts(text);
                    const imported = astFacts(model, h);
                    expect(imported.gpus.length).toBe(source.gpus.length);
                    expect(imported.nics.length + imported.vfs).toBe(source.nics.length);
                    expect(imported.nvswitches).toBe(source.nvswitches);
                    expect(imported.numaNodes).toBe(source.numaNodes);
                    expect(imported.cpus).toBe(source.cpus);
                    row.gpus += imported.gpus.length;
                    row.nics += imported.nics.length + imported.vfs;
                    row.nvswitches += imported.nvswitches;
                    row.switches += imported.switches;

                    // GPU↔NIC relationships: imported (from the written structure) vs source.
                    const want = new Map<string, Relation>();
                    const key = dir === 'nvidia-smi-topo' ? (id: string) => id : (id: string) => id.toLowerCase();
                    const byKey = new Map([...imported.devices].map(([name, d]) => [dir === 'nvidia-smi-topo' ? name : d.address, name]));
                    for (const g of source.gpus) {
                        for (const n of source.nics) {
                            const gi = byKey.get(key(g));
                            const ni = byKey.get(key(n));
                            if (!gi || !ni) continue; // a VF folded into its PF
                            want.set(relationKey(gi, ni), dir === 'nvidia-smi-topo'
                                ? RELATION_OF_CODE[(source as ReturnType<typeof smiFacts>).matrix.get(`${g}|${n}`)!]
                                : relation(source.place.get(g)!, source.place.get(n)!));
                        }
                    }
                    const got = new Map([...want.keys()].map(k => [k, imported.relation(...(k.split('|') as [string, string]))]));
                    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
                }
                // The per-file table of the README's import section (written when VMTOPO_IMPORT_TABLE names a file).
                const warnings = diagnostics.filter(d => d.severity === 2);
                const byCode = [...new Set(warnings.map(d => String(d.code)))].sort().map(c => `${warnings.filter(d => String(d.code) === c).length} ${c}`).join(', ');
                TABLE.push(`| ${dir}/${file} | ${result.format} | ${model.hosts.length} | ${row.gpus} | ${row.nics} | ${row.nvswitches} | ${row.switches} | 0 | ${byCode || '0'} | ${(UNKNOWN_MODELS[file] ?? []).join(', ') || '—'} |`);
                if (process.env.VMTOPO_IMPORT_TABLE) fs.appendFileSync(process.env.VMTOPO_IMPORT_TABLE, `${TABLE.at(-1)}\n`);
            });
        }
    });
}
