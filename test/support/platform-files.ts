/**
 * Readers of the cloud-hypervisor, Proxmox VE and ESXi files vmtopo writes, written from each
 * platform's syntax (not from the writers), and what each file says of the guest plan — guest NUMA
 * cells, vCPU pins, devices, memory — in one shape ({@link PlanFacts}), so the formats can be compared
 * with the plan and with each other. A format that cannot express a fact leaves it undefined.
 */

/** `0-3,8` or `0-3;8` (with or without brackets) → [0, 1, 2, 3, 8]. */
export function idList(list: string): number[] {
    const body = list.replace(/^\[|\]$/g, '');
    if (body === '') return [];
    return body.split(/[;,]/).flatMap(r => {
        const [a, b] = r.split('-').map(Number);
        return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
    });
}

/** What a file says of the guest plan. */
export interface PlanFacts {
    /** Guest NUMA cells in order: their vCPUs, memory (MiB) and the host nodes their memory is bound to (absent: not bound). */
    readonly cells?: readonly { readonly vcpus: readonly number[]; readonly memoryMiB: number; readonly hostNodes?: readonly number[] }[];
    /** The host CPU of each vCPU (index = vCPU), when the format pins vCPUs one by one. */
    readonly vcpuPins?: readonly number[];
    /** The host CPUs of the whole VM, when that is all the format says (Proxmox `affinity`). */
    readonly cpuSet?: readonly number[];
    /** The host NUMA nodes of the whole VM, when that is all the format says (ESXi `numa.nodeAffinity`). */
    readonly hostNodes?: readonly number[];
    /** Guest memory in MiB. */
    readonly memoryMiB: number;
    /**
     * The devices in order: `pci:<host BDF>` for a PCI function (GPU, PF, VF, NVSwitch, a vGPU's VF),
     * `mdev:<uuid>` for a mediated device (cloud-hypervisor), `mdev-parent:<host BDF>` for one named by its
     * parent (Proxmox), `id:<vendor:device>/<label>` for a Dynamic DirectPath device and `vgpu:<profile>`
     * for a vGPU (ESXi).
     */
    readonly devices: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// cloud-hypervisor

/** A `VmConfig` as JSON (the fields vmtopo writes). */
export type ChvConfig = Record<string, any>;

/**
 * The command line of a `.chv.sh` read back as a VmConfig: the `args=( … )` lines `--option 'value'`
 * (more values of the option on the following `'value'` lines; an option given twice is an error, as
 * for cloud-hypervisor), each value split into `key=value` pairs (commas inside brackets belong to the
 * value), lists and ranges expanded, sizes with K/M/G suffixes turned into bytes (cloud-hypervisor's
 * docs/cpu.md, docs/memory.md, docs/vfio.md). Also the `exec` line.
 */
export function parseChvScript(script: string): { config: ChvConfig; exec: string } {
    const body = /\nargs=\(\n([\s\S]*?)\n\)\n/.exec(script);
    if (!body) throw new Error('no args=( … ) block');
    const options: (readonly [string, string])[] = [];
    const given = new Set<string>();
    let current = '';
    for (const line of body[1].split('\n')) {
        const first = /^ {4}(--[a-z-]+) '([^']*)'$/.exec(line);
        const more = /^ {8}'([^']*)'$/.exec(line);
        if (first) {
            current = first[1];
            if (given.has(current)) throw new Error(`${current} given twice (cloud-hypervisor takes each option once)`);
            given.add(current);
            options.push([current, first[2]]);
        } else if (more && current) {
            options.push([current, more[1]]);
        } else {
            throw new Error(`not "--option 'value'" or "'value'": ${line}`);
        }
    }
    const splitTop = (text: string): string[] => {
        const parts: string[] = [];
        let depth = 0;
        let cur = '';
        for (const ch of text) {
            if (ch === '[') depth++;
            if (ch === ']') depth--;
            if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
        }
        parts.push(cur);
        return parts;
    };
    const pairs = (text: string) => Object.fromEntries(splitTop(text).map(p => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    const bytes = (s: string) => {
        const m = /^(\d+)([KMG]?)$/.exec(s);
        if (!m) throw new Error(`not a size: ${s}`);
        return Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]];
    };
    const config: ChvConfig = { memory: { zones: [] }, numa: [] };
    for (const [option, value] of options) {
        const p = pairs(value);
        switch (option) {
            case '--firmware': config.payload = { firmware: value }; break;
            case '--cpus': {
                const [threads, cores, dies, packages] = p.topology.split(':').map(Number);
                config.cpus = { boot_vcpus: Number(p.boot), max_vcpus: Number(p.max), topology: { threads_per_core: threads, cores_per_die: cores, dies_per_package: dies, packages } };
                if (p.affinity) {
                    config.cpus.affinity = [...p.affinity.matchAll(/(\d+)@\[([^\]]*)\]/g)].map(m => ({ vcpu: Number(m[1]), host_cpus: idList(m[2]) }));
                }
                break;
            }
            case '--memory': config.memory.size = bytes(p.size); break;
            case '--memory-zone': config.memory.zones.push({
                id: p.id, size: bytes(p.size),
                ...(p.host_numa_node !== undefined ? { host_numa_node: Number(p.host_numa_node) } : {}),
                ...(p.hugepages !== undefined ? { hugepages: p.hugepages === 'on' } : {}),
                ...(p.hugepage_size !== undefined ? { hugepage_size: bytes(p.hugepage_size) } : {})
            }); break;
            case '--numa': config.numa.push({
                guest_numa_id: Number(p.guest_numa_id), cpus: idList(p.cpus), memory_zones: p.memory_zones.replace(/^\[|\]$/g, '').split(','),
                ...(p.pci_segments ? { pci_segments: idList(p.pci_segments) } : {})
            }); break;
            case '--platform': config.platform = { num_pci_segments: Number(p.num_pci_segments) }; break;
            case '--pci-segment': (config.pci_segments ??= []).push({ pci_segment: Number(p.pci_segment), mmio64_aperture_weight: Number(p.mmio64_aperture_weight) }); break;
            case '--device': (config.devices ??= []).push({ path: p.path, id: p.id, pci_segment: Number(p.pci_segment) }); break;
            default: throw new Error(`unexpected option ${option}`);
        }
    }
    const exec = /\nexec (.*)\n$/.exec(script)?.[1] ?? '';
    return { config, exec };
}

/** What a cloud-hypervisor `VmConfig` says of the plan. */
export function chvFacts(config: ChvConfig): PlanFacts {
    const zones = new Map<string, any>(config.memory.zones.map((z: any) => [z.id, z]));
    const cells = config.numa.map((n: any) => {
        const own = n.memory_zones.map((id: string) => zones.get(id));
        const nodes = own.filter((z: any) => z.host_numa_node !== undefined).map((z: any) => z.host_numa_node as number);
        return {
            vcpus: n.cpus as number[],
            memoryMiB: own.reduce((s: number, z: any) => s + z.size, 0) / 1024 ** 2,
            ...(nodes.length > 0 ? { hostNodes: nodes } : {})
        };
    });
    const devices = (config.devices ?? []).map((d: any) => {
        const pci = /^\/sys\/bus\/pci\/devices\/([0-9a-f:.]+)\/$/.exec(d.path);
        const mdev = /^\/sys\/bus\/mdev\/devices\/([0-9a-f-]+)\/$/.exec(d.path);
        if (pci) return `pci:${pci[1]}`;
        if (mdev) return `mdev:${mdev[1]}`;
        throw new Error(`unexpected device path ${d.path}`);
    });
    const pins = config.cpus.affinity?.map((a: any) => a.host_cpus);
    return {
        cells,
        ...(pins ? { vcpuPins: pins.map((cpus: number[]) => (cpus.length === 1 ? cpus[0] : NaN)) } : {}),
        memoryMiB: cells.reduce((s: number, c: { memoryMiB: number }) => s + c.memoryMiB, 0),
        devices
    };
}

// ---------------------------------------------------------------------------------------------
// Proxmox VE

/** The `key: value` lines of a `.conf` (comments left out), as a map; `#hostpciN: value` comment lines (a vGPU to complete) apart. */
export function parsePveConf(text: string): { keys: Map<string, string>; commented: Map<string, string>; comments: string[] } {
    const keys = new Map<string, string>();
    const commented = new Map<string, string>();
    const comments: string[] = [];
    for (const line of text.split('\n').filter(l => l !== '')) {
        const c = /^#(hostpci\d+): (.*)$/.exec(line);
        if (c) commented.set(c[1], c[2]);
        else if (line.startsWith('#')) comments.push(line.slice(1));
        else {
            const m = /^([a-z]+\d*): (.*)$/.exec(line);
            if (!m) throw new Error(`not 'key: value': ${line}`);
            keys.set(m[1], m[2]);
        }
    }
    return { keys, commented, comments };
}

/** The sub-keys of a property string: `0000:19:00.0,pcie=1` → { '': '0000:19:00.0', pcie: '1' }. */
export function pveSubKeys(value: string): Record<string, string> {
    return Object.fromEntries(value.split(',').map(p => (p.includes('=') ? [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] : ['', p])));
}

/** What a Proxmox configuration says of the plan (a commented vGPU line counts: it is the device to complete). */
export function pveFacts(text: string): PlanFacts {
    const { keys, commented } = parsePveConf(text);
    const cells = [...keys.keys()].filter(k => /^numa\d+$/.test(k)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))).map(k => {
        const s = pveSubKeys(keys.get(k)!);
        return { vcpus: idList(s.cpus), memoryMiB: Number(s.memory), ...(s.hostnodes ? { hostNodes: idList(s.hostnodes) } : {}) };
    });
    const all = new Map([...keys, ...commented]);
    const devices = [...all.keys()].filter(k => /^hostpci\d+$/.test(k)).sort((a, b) => Number(a.slice(7)) - Number(b.slice(7))).map(k => {
        const s = pveSubKeys(all.get(k)!);
        return s.mdev !== undefined ? `mdev-parent:${s['']}` : `pci:${s['']}`;
    });
    return {
        cells,
        ...(keys.has('affinity') ? { cpuSet: idList(keys.get('affinity')!) } : {}),
        memoryMiB: Number(keys.get('memory')),
        devices
    };
}

// ---------------------------------------------------------------------------------------------
// VMware ESXi

/** The `#` comments and `key = "value"` pairs of a `.vmx` fragment; any other line is a problem. */
export function parseVmx(text: string): { pairs: Map<string, string>; comments: string[]; problems: string[] } {
    const pairs = new Map<string, string>();
    const comments: string[] = [];
    const problems: string[] = [];
    const lines = text.split('\n');
    lines.forEach((line, i) => {
        if (line === '' && i === lines.length - 1) return;
        if (line.startsWith('#')) { comments.push(line); return; }
        const m = /^([A-Za-z][A-Za-z0-9_.]*) = "([^"]*)"$/.exec(line);
        if (!m) { problems.push(`line ${i + 1}: not key = "value": ${line}`); return; }
        if (pairs.has(m[1])) problems.push(`line ${i + 1}: ${m[1]} twice`);
        pairs.set(m[1], m[2]);
    });
    return { pairs, comments, problems };
}

/** What a `.vmx` fragment says of the plan: no cells or pins (ESXi places them), the host nodes, memory, devices. */
export function vmxFacts(text: string): PlanFacts {
    const { pairs } = parseVmx(text);
    const devices: string[] = [];
    for (let n = 0; pairs.has(`pciPassthru${n}.present`); n++) {
        const vgpu = pairs.get(`pciPassthru${n}.vgpu`);
        devices.push(vgpu !== undefined ? `vgpu:${vgpu}` : `id:${pairs.get(`pciPassthru${n}.allowedDevices`)}/${pairs.get(`pciPassthru${n}.customLabel`)}`);
    }
    return {
        ...(pairs.has('numa.nodeAffinity') ? { hostNodes: pairs.get('numa.nodeAffinity')!.split(',').map(Number) } : {}),
        memoryMiB: Number(pairs.get('memSize')),
        devices
    };
}
