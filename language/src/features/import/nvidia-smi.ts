/**
 * `nvidia-smi topo -m` (the GPU/NIC connection matrix) → an {@link ImportedHost}, with optional extra
 * inputs for what the matrix lacks: PCI addresses (and GPU names) from
 * `nvidia-smi --query-gpu=index,pci.bus_id,name --format=csv`, NIC addresses and their bridge chain
 * from `ls -l /sys/class/infiniband/`.
 *
 * The matrix (legend printed by nvidia-smi itself, https://docs.nvidia.com/deploy/nvidia-smi/):
 * `PIX` = at most a single PCIe bridge, `PXB` = multiple bridges without the host bridge, `PHB` =
 * through a host bridge, `NODE` = between host bridges of one NUMA node, `SYS` = across NUMA nodes,
 * `NV#` = a bonded set of # NVLinks. The importer writes the structure the matrix proves: devices
 * that are `PIX` to each other share a switch; groups that are `PXB` to each other share a top
 * switch with one leaf switch per group; GPUs carry the matrix's CPU and NUMA affinity, NICs the
 * NUMA node of a GPU they are not `SYS` to. Unknown PCI addresses are written as placeholders
 * (`0fff:NN:00.0`, a PCI domain no x86 server uses) with a comment naming the command that gives them.
 */

/** PCI domain of placeholder addresses. */
const PLACEHOLDER_DOMAIN = '0fff';
import type { ImportedDevice, ImportedHost, ImportedSocket, ImportedSwitch } from './host-text.js';
import { hostNameFromFile } from './host-text.js';
import { ImportError } from './errors.js';
import { cpuListText, cpusOfList, modelFor, normalizeBusId } from './pci.js';

const ANSI = /\x1b\[[0-9;]*m/g;

/** Whether a text is `nvidia-smi topo -m` output: a header row of `GPU0 …` columns and a `GPU0` row. */
export function isNvidiaSmiTopo(text: string): boolean {
    const t = text.replace(ANSI, '');
    return /^\s*GPU0(\s|$)/m.test(t) && /^GPU0\s+(X|NV\d+|SYS|NODE|PHB|PXB|PIX)\b/m.test(t);
}

/** Whether a text is `nvidia-smi --query-gpu=…pci.bus_id… --format=csv` output. */
export function isGpuBusIdCsv(text: string): boolean {
    return /^\s*index\s*,.*pci\.bus_id/im.test(text.split('\n')[0] ?? '');
}

/** Whether a text is `ls -l /sys/class/infiniband/` output (symlinks into the PCI device tree). */
export function isInfinibandListing(text: string): boolean {
    return /\S+\s+->\s+\S*devices\/pci[0-9a-f]{4}:[0-9a-f]{2}\/\S*\/infiniband\//i.test(text);
}

/** GPU index → bus id (and name) from the CSV. */
function readGpuCsv(text: string): Map<number, { busId?: string; name?: string }> {
    const lines = text.split(/\r?\n/).filter(l => l.trim());
    const header = lines[0].split(',').map(h => h.trim().toLowerCase());
    const iIndex = header.indexOf('index');
    const iBus = header.indexOf('pci.bus_id');
    const iName = header.findIndex(h => h === 'name' || h === 'gpu_name');
    const result = new Map<number, { busId?: string; name?: string }>();
    for (const line of lines.slice(1)) {
        const cells = line.split(',').map(c => c.trim());
        const index = Number(cells[iIndex]);
        if (!Number.isInteger(index)) continue;
        result.set(index, { busId: iBus >= 0 ? normalizeBusId(cells[iBus] ?? '') : undefined, name: iName >= 0 ? cells[iName] : undefined });
    }
    return result;
}

/** NIC name → PCI path (root port first, the NIC last) from the `ls -l /sys/class/infiniband/` listing. */
function readInfiniband(text: string): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const line of text.split(/\r?\n/)) {
        const m = /(\S+)\s+->\s+(\S+)/.exec(line);
        if (!m) continue;
        const chain = m[2].split('/').map(c => normalizeBusId(c)).filter((c): c is string => !!c && /^[0-9a-f]{4}:/.test(c));
        if (chain.length > 0) result.set(m[1], chain);
    }
    return result;
}

interface Entry {
    readonly label: string;
    readonly kind: 'gpu' | 'nic';
    readonly name: string;
    readonly gpuIndex?: number;
    cpus?: string;
    numa?: number;
    device?: ImportedDevice;
}

type Code = 'X' | 'PIX' | 'PXB' | 'PHB' | 'NODE' | 'SYS' | 'NV' | '?';

/**
 * Imports `nvidia-smi topo -m`.
 * @param text the matrix as nvidia-smi prints it (ANSI underline codes allowed)
 * @param sourceFile the file name for the doc comment
 * @param extras other inputs: the `--query-gpu` CSV and/or the `/sys/class/infiniband` listing
 * @throws ImportError when the header or a row cannot be read
 */
export function importNvidiaSmi(text: string, sourceFile: string, hostName: string | undefined, extras: readonly { file: string; text: string }[] = []): ImportedHost {
    const lines = text.replace(ANSI, '').split(/\r?\n/);
    const headerIndex = lines.findIndex(l => /^\s*GPU0(\t|\s)/.test(l));
    if (headerIndex < 0) throw new ImportError(`${sourceFile} is not nvidia-smi topo -m output: no GPU0 header row`);
    const header = lines[headerIndex].split('\t').map(c => c.trim());
    if (header[0] === '') header.shift();
    const cpuCol = header.indexOf('CPU Affinity');
    const numaCol = header.indexOf('NUMA Affinity');
    const deviceCols = header.slice(0, cpuCol >= 0 ? cpuCol : header.length).filter(h => h.length > 0);
    const legend = new Map<string, string>();
    for (const l of lines) {
        const m = /^\s*(NIC\d+):\s*(\S+)\s*$/.exec(l);
        if (m) legend.set(m[1], m[2]);
    }
    const gpuCsv = new Map<number, { busId?: string; name?: string }>();
    const ibPaths = new Map<string, string[]>();
    const usedExtras: string[] = [];
    for (const extra of extras) {
        if (isGpuBusIdCsv(extra.text)) { for (const [k, v] of readGpuCsv(extra.text)) gpuCsv.set(k, v); usedExtras.push(`${extra.file} (GPU bus ids)`); }
        else if (isInfinibandListing(extra.text)) { for (const [k, v] of readInfiniband(extra.text)) ibPaths.set(k, v); usedExtras.push(`${extra.file} (NIC PCI paths)`); }
        else throw new ImportError(`${extra.file}: neither \`nvidia-smi --query-gpu=index,pci.bus_id --format=csv\` nor \`ls -l /sys/class/infiniband/\` output`);
    }

    const entries: Entry[] = deviceCols.map(label => {
        const gpu = /^GPU(\d+)$/.exec(label);
        return gpu
            ? { label, kind: 'gpu', name: `gpu${gpu[1]}`, gpuIndex: Number(gpu[1]) }
            : { label, kind: 'nic', name: legend.get(label) ?? label };
    });
    const n = entries.length;
    const matrix: Code[][] = entries.map(() => new Array<Code>(n).fill('?'));
    const notRepresented: string[] = [];
    const nvlinks = new Set<string>();
    for (const line of lines.slice(headerIndex + 1)) {
        const cells = line.split('\t');
        const row = entries.findIndex(e => e.label === cells[0]?.trim());
        if (row < 0) continue;
        for (let col = 0; col < n; col++) {
            const cell = (cells[col + 1] ?? '').trim();
            const code: Code = cell === 'X' ? 'X' : /^NV\d+$/.test(cell) ? 'NV' : (['PIX', 'PXB', 'PHB', 'NODE', 'SYS'] as const).find(c => c === cell) ?? '?';
            if (code === '?') throw new ImportError(`${sourceFile}: row ${cells[0].trim()}, column ${entries[col].label}: "${cell}" is not a connection type (X, NV#, PIX, PXB, PHB, NODE, SYS)`);
            matrix[row][col] = code;
            if (code === 'NV') nvlinks.add(cell);
        }
        const e = entries[row];
        if (e.kind === 'gpu') {
            const cpus = cpuCol >= 0 ? (cells[cpuCol + 1] ?? '').trim() : '';
            const numa = numaCol >= 0 ? (cells[numaCol + 1] ?? '').trim() : '';
            if (cpus && cpusOfList(cpus)) e.cpus = cpus;
            const numaId = /^(\d+)/.exec(numa);
            if (numaId) e.numa = Number(numaId[1]);
            if (numa && !/^\d+$/.test(numa)) notRepresented.push(`${e.label} NUMA affinity "${numa}" (written as node ${e.numa ?? 0})`);
        }
    }
    const rel = (i: number, j: number): Code => matrix[i][j] !== '?' ? matrix[i][j] : matrix[j][i];

    // NUMA nodes of NICs: that of a GPU (or NIC) they are not SYS to.
    for (let changed = true; changed;) {
        changed = false;
        for (const [i, e] of entries.entries()) {
            if (e.numa !== undefined) continue;
            const j = entries.findIndex((o, k) => o.numa !== undefined && ['PIX', 'PXB', 'PHB', 'NODE'].includes(rel(i, k)));
            if (j >= 0) { e.numa = entries[j].numa; changed = true; }
        }
    }
    const gpuNumas = new Set(entries.filter(e => e.kind === 'gpu' && e.numa !== undefined).map(e => e.numa!));
    let spare = 0;
    while (gpuNumas.has(spare)) spare++;
    const unknownNuma = entries.filter(e => e.numa === undefined);
    for (const e of unknownNuma) e.numa = spare;
    if (unknownNuma.length > 0) {
        notRepresented.push(`NUMA node of ${unknownNuma.map(e => e.name).join(', ')} is not in the matrix (SYS to every GPU): written on node ${spare}; check \`cat /sys/class/infiniband/<nic>/device/numa_node\``);
    }
    const sockets: ImportedSocket[] = [...new Set(entries.map(e => e.numa!))].sort((a, b) => a - b).map(numa => {
        const cpus = entries.filter(e => e.numa === numa && e.cpus).flatMap(e => cpusOfList(e.cpus!) ?? []);
        return {
            name: `numa${numa}`, numa, cpus: cpus.length > 0 ? cpuListText(cpus) : undefined, memoryUnknown: true,
            note: cpus.length === 0 ? 'CPUs not in the matrix (no GPU on this node): `lscpu -p=CPU,NODE`' : undefined
        };
    });
    const phb: string[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rel(i, j) === 'PHB') phb.push(`${entries[i].name}↔${entries[j].name}`);
    if (phb.length > 0) notRepresented.push(`PHB (same host bridge, no switch) ${phb.join(', ')}: written as the same NUMA node without a common switch (NODE)`);
    if (nvlinks.size > 0) notRepresented.push(`GPU↔GPU NVLink (${[...nvlinks].sort().join(', ')}); the NVSwitches are not listed by topo -m (\`lspci -d 10de: | grep -i bridge\`)`);
    if (numaCol >= 0 && header.includes('GPU NUMA ID')) notRepresented.push('GPU NUMA ID column (GPU memory as its own NUMA node)');

    // Devices.
    let placeholder = 0;
    const nextPlaceholder = () => `${PLACEHOLDER_DOMAIN}:${(++placeholder).toString(16).padStart(2, '0')}:00.0`;
    for (const e of entries) {
        if (e.kind === 'gpu') {
            const csv = gpuCsv.get(e.gpuIndex!);
            const { model, known, note } = modelFor('gpu', undefined, undefined, csv?.name);
            const notes = [csv?.busId ? undefined : 'address: nvidia-smi --query-gpu=index,pci.bus_id --format=csv', known ? undefined : note ?? 'model: nvidia-smi --query-gpu=index,name --format=csv'];
            e.device = { kind: 'gpu', name: e.name, model, address: csv?.busId ?? nextPlaceholder(), note: notes.filter(Boolean).join('; ') || undefined };
        } else {
            const path = ibPaths.get(e.name);
            const address = path?.[path.length - 1];
            const notes = [address ? undefined : 'address: ls -l /sys/class/infiniband/', 'model: lspci -nn -s <address>'];
            e.device = { kind: 'nic', name: e.name, model: 'unknown', address: address ?? nextPlaceholder(), note: notes.filter(Boolean).join('; ') };
        }
    }

    // Switches: PIX components, grouped by PXB components.
    const find = (parent: number[], i: number): number => parent[i] === i ? i : (parent[i] = find(parent, parent[i]));
    const components = (codes: Code[]) => {
        const parent = entries.map((_, i) => i);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && codes.includes(rel(i, j))) parent[find(parent, i)] = find(parent, j);
        return entries.map((_, i) => find(parent, i));
    };
    const pix = components(['PIX']);
    const pxb = components(['PIX', 'PXB']);
    const items: (ImportedSwitch | ImportedDevice)[] = [];
    let sw = 0;
    const switchAddress = (members: Entry[], up: number) => {
        for (const m of members) {
            const path = m.kind === 'nic' ? ibPaths.get(m.name) : undefined;
            // path = [root port, …, upstream, downstream, device]: the upstream port `up` levels of two above the device.
            if (path && path.length - 1 - 2 * up >= 1) return path[path.length - 1 - 2 * up];
        }
        return undefined;
    };
    const makeSwitch = (members: Entry[], children: (ImportedSwitch | ImportedDevice)[], up: number): ImportedSwitch => {
        const address = switchAddress(members, up);
        return { kind: 'switch', name: `sw${sw++}`, address: address ?? nextPlaceholder(), children, note: address ? undefined : 'address: the upstream port above these devices in `lspci -t` or /sys/class/infiniband/<nic>/device' };
    };
    const done = new Set<number>();
    for (let i = 0; i < n; i++) {
        if (done.has(pxb[i])) continue;
        done.add(pxb[i]);
        const group = entries.map((_, k) => k).filter(k => pxb[k] === pxb[i]);
        const leaves = [...new Set(group.map(k => pix[k]))].map(root => group.filter(k => pix[k] === root));
        const socket = `numa${entries[i].numa}`;
        let item: ImportedSwitch | ImportedDevice;
        if (leaves.length === 1 && leaves[0].length === 1) {
            item = entries[leaves[0][0]].device!;
        } else if (leaves.length === 1) {
            item = makeSwitch(leaves[0].map(k => entries[k]), leaves[0].map(k => entries[k].device!), 1);
        } else {
            const leafSwitches = leaves.map(leaf => makeSwitch(leaf.map(k => entries[k]), leaf.map(k => entries[k].device!), 1));
            item = makeSwitch(group.map(k => entries[k]), leafSwitches, 2);
            // The top switch was numbered after its leaves: number it first.
            const names = [item, ...leafSwitches].map(s => s.name).sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
            [item, ...leafSwitches].forEach((s, k) => { s.name = names[k]; });
        }
        item.socket = socket;
        items.push(item);
    }
    const description = ['Structure proven by the matrix: PIX = same switch, PXB = same top switch, NODE = same NUMA node, SYS = other node.'];
    description.push('The matrix gives no memory sizes: `memory unknown` until written (`numactl -H`, or an hwloc import).');
    if (usedExtras.length > 0) description.push(`Addresses from ${usedExtras.join(', ')}.`);
    if (placeholder > 0) description.push(`Addresses ${PLACEHOLDER_DOMAIN}:NN:00.0 are placeholders: replace them with the real ones (see the comment on each line).`);
    return {
        name: hostName ?? hostNameFromFile(sourceFile), sockets, items, notRepresented,
        sourceFile, formatName: 'nvidia-smi topo -m', description
    };
}
