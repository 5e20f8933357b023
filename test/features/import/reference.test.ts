/**
 * `vmtopo import` on every real file of ../shared/reference/{hwloc,nccl-topo,nvidia-smi-topo}: the
 * output parses, `check` finds no error but CAT001 for the models the catalog lacks (listed per file
 * below), the counts of GPUs, NICs, NVSwitches, NUMA nodes and CPUs equal the source's, and every
 * GPU↔NIC relationship (same switch / same top switch / same NUMA node / other node) equals the
 * one computed here, independently of the importer, from the source file itself.
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

/** Models each file names that the catalog lacks: `check` reports exactly these (CAT001), nothing else. */
const UNKNOWN_MODELS: Record<string, string[]> = {
    '16intel64-manyVFs.xml': ['I350 Gigabit Network Connection', 'VIC Ethernet NIC'],
    '24em64t-2n6c2t-pci.xml': ['10de:06d2', '82576 Gigabit Network Connection', '15b3:6746'],
    '32em64t-2n8c2t-pci-normalio.xml': ['Intel(R) Xeon(R) CPU E5-2650 0 @ 2.00GHz', '10de:1094', 'Tesla K40m', 'I350 Gigabit Network Connection', 'MT27700 Family [ConnectX-4]'],
    '96em64t-4n4d3ca2co-pci.xml': ['NetXtreme II BCM5709 Gigabit Ethernet'],
    'power8gpudistances.xml': ['POWER8NVL, altivec supported', 'Tesla P100-SXM2-16GB'],
    'aws-g5.48xl-topo.xml': [],
    'aws-p4d-24xl-topo.2020-08-27-superseded.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020000)'],
    'aws-p4d-24xl-topo.xml': ['1d0f:efa0'], // 10de:20b0 is A100 SXM4 40GB (catalog since issue 7)
    'aws-p4de-24xl-topo.xml': ['1d0f:efa0'],
    'aws-p5.48xl-topo.2025-06-02-removed.xml': [],
    'aws-p5.48xl-topo.pr1226-unmerged.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020000)'],
    'azure-ncv4-topo.xml': ['10de:20b5'],
    'azure-ndv2-topo.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020700)'],
    'azure-ndv4-topo.2023-06-16-superseded.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020700)'],
    'azure-ndv4-topo.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020700)'],
    'azure-ndv5-topo.2023-06-16-superseded.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020700)'],
    'azure-ndv5-topo.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020700)'],
    'crusoe-b300-288gb-sxm-ib-cloud-hypervisor.xml': ['10de:3182', '15b3:101e'],
    'nccl-pr877-ncv4-topo.xml': ['10de:20b5'],
    'nccl-pr877-ndv5-topo-new.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020700)'],
    'oci-bm-gpu-b300-8-B300MP.xml': ['10de:3182', '15b3:1023'],
    'oci-bm-gpu-b4-8-topo-flattened.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020000)'],
    'oci-bm-gpu-h100-8-topology-kubernetes.xml': [],
    'oci-bm-gpu-h100-8-topology.xml': [],
    'oci-bm-gpu4-8-topo-flattened.xml': ['unknown GPU (class 0x030200)', 'unknown NIC (class 0x020000)'],
    'oci-gb300-mnnvl-2host-GB300MP.xml': ['10de:31c2', '15b3:2100'],
    '8xh20-sglang-issue-24966.txt': ['unknown'],
    '8xh200-sprocket.txt': ['unknown'],
    'dgx-a100-8xa100.txt': ['unknown'],
    'hpe-xd670-8xh100-sxm-80gb.txt': ['unknown']
};

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

/** NCCL source facts: `<pci>` endpoints by class or child element, `<cpu>` nodes and their affinity masks, each device's `<pci>` ancestors. */
function ncclFacts(text: string): SourceFacts {
    const doc = xml.parse(text) as X;
    const facts: SourceFacts = { gpus: [], nics: [], nvswitches: 0, numaNodes: 0, cpus: 0, place: new Map() };
    const nvs = new Set<string>();
    const cpuBits = new Set<number>();
    // One host per import: the <cpu> elements of the first host_hash (a multi-node NVLink dump holds several).
    const all = (doc.system[0].cpu ?? []) as X[];
    for (const [index, cpu] of all.filter(c => c.host_hash === all[0].host_hash).entries()) {
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
            it(`${file}: parses, checks clean but for CAT001, same counts and GPU↔NIC relationships as the source`, async () => {
                const result = importHost([{ file, text }]);
                expect(result.text).toContain(`Imported from ${file}`);
                const ws = await build(result.text);
                const diagnostics = ws.diagnostics();
                const errors = diagnostics.filter(d => d.severity === 1);
                expect(errors.filter(d => d.code !== 'CAT001').map(d => `${String(d.code)} ${messageText(d)}`)).toEqual([]);
                const unknown = [...new Set(errors.map(d => /model "([^"]*)"/.exec(messageText(d))?.[1]))].sort();
                expect(unknown).toEqual([...(UNKNOWN_MODELS[file] ?? ['(file missing from UNKNOWN_MODELS)'])].sort());

                const source = dir === 'hwloc' ? hwlocFacts(text) : dir === 'nccl-topo' ? ncclFacts(text) : smiFacts(text);
                const imported = astFacts(ws.documents[0].parseResult.value);
                expect(imported.gpus.length).toBe(source.gpus.length);
                expect(imported.nics.length + imported.vfs).toBe(source.nics.length);
                expect(imported.nvswitches).toBe(source.nvswitches);
                expect(imported.numaNodes).toBe(source.numaNodes);
                expect(imported.cpus).toBe(source.cpus);

                // GPU↔NIC relationships: imported (from the written structure) vs source.
                const want = new Map<string, Relation>();
                const key = dir === 'nvidia-smi-topo' ? (id: string) => id : (id: string) => id.toLowerCase();
                const byKey = new Map([...imported.devices].map(([name, d]) => [dir === 'nvidia-smi-topo' ? name : d.address, name]));
                let pairs = 0;
                for (const g of source.gpus) {
                    for (const n of source.nics) {
                        const gi = byKey.get(key(g));
                        const ni = byKey.get(key(n));
                        if (!gi || !ni) continue; // a VF folded into its PF
                        pairs++;
                        want.set(relationKey(gi, ni), dir === 'nvidia-smi-topo'
                            ? RELATION_OF_CODE[(source as ReturnType<typeof smiFacts>).matrix.get(`${g}|${n}`)!]
                            : relation(source.place.get(g)!, source.place.get(n)!));
                    }
                }
                const got = new Map([...want.keys()].map(k => [k, imported.relation(...(k.split('|') as [string, string]))]));
                expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
                TABLE.push(`| ${dir}/${file} | ${imported.gpus.length}/${source.gpus.length} | ${imported.nics.length + imported.vfs}/${source.nics.length} | ${imported.nvswitches}/${source.nvswitches} | ${imported.switches} | ${imported.numaNodes}/${source.numaNodes} | ${imported.cpus}/${source.cpus} | ${pairs} |`);
                if (process.env.VMTOPO_IMPORT_TABLE) fs.appendFileSync(process.env.VMTOPO_IMPORT_TABLE, `${TABLE.at(-1)}\n`);
            });
        }
    });
}
