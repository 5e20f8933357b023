/**
 * What an imported host says, read from its parsed syntax (not the resolved model, which leaves out
 * devices of unknown models): devices with their NUMA node and switch chain, counts, and the
 * GPU↔NIC relationship the written structure gives.
 */
import type { Model } from '../../language/src/generated/ast.js';
import { parseCpuList } from '../../language/src/syntax/tokens.js';

export type Relation = 'same switch' | 'same top switch' | 'same NUMA node' | 'other NUMA node';

/** Facts counted from a source file by a test. */
export interface SourceFacts {
    gpus: string[];
    nics: string[];
    nvswitches: number;
    numaNodes: number;
    cpus: number;
    place: Map<string, { numa: number; switches: readonly string[] }>;
}

export function relationKey(a: string, b: string): string {
    return `${a}|${b}`;
}

interface Placed { kind: string; address: string; numa: number; switches: string[] }

/** Facts of one host (the first by default) of a parsed document. */
export function astFacts(model: Model, hostIndex = 0) {
    const host = model.hosts[hostIndex];
    const numaOf = new Map<string, number>();
    let cpus = 0;
    host.sockets.forEach((s, i) => {
        numaOf.set(s.name, s.numa ?? i);
        if (s.cores !== undefined) {
            const p = parseCpuList(s.cores);
            if (p.ok) cpus += p.value.size;
        }
    });
    const devices = new Map<string, Placed>();
    let vfs = 0;
    let switches = 0;
    const visitDevice = (d: any, numa: number, chain: string[]) => {
        devices.set(d.name, { kind: d.$type, address: d.address, numa: d.socket?.ref ? numaOf.get(d.socket.ref.name)! : numa, switches: chain });
        if (d.$type === 'Nic') vfs += d.vfs ?? 0;
    };
    const visitSwitch = (s: any, numa: number, chain: string[]) => {
        switches++;
        const here = s.socket?.ref ? numaOf.get(s.socket.ref.name)! : numa;
        for (const c of s.switches) visitSwitch(c, here, [...chain, s.name]);
        for (const d of s.devices) visitDevice(d, here, [...chain, s.name]);
    };
    const first = host.sockets[0] ? numaOf.get(host.sockets[0].name)! : 0;
    for (const s of host.switches) visitSwitch(s, first, []);
    for (const d of host.devices) visitDevice(d, first, []);
    const of = (kind: string) => [...devices].filter(([, d]) => d.kind === kind).map(([n]) => n);
    return {
        devices, vfs, switches,
        gpus: of('Gpu'), nics: of('Nic'), nvswitches: of('NvSwitch').length,
        numaNodes: host.sockets.length, cpus,
        relation(a: string, b: string): Relation {
            const da = devices.get(a)!;
            const db = devices.get(b)!;
            if (da.switches.length > 0 && da.switches.at(-1) === db.switches.at(-1)) return 'same switch';
            if (da.switches.length > 0 && da.switches[0] === db.switches[0]) return 'same top switch';
            return da.numa === db.numa ? 'same NUMA node' : 'other NUMA node';
        }
    };
}
