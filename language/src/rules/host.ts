/**
 * HOST — host integrity: what a host declares must be a PCI tree and a CPU/NUMA layout that can
 * exist. Topology checks over the resolved hosts; each works on addresses and ranges, never on one
 * entry per CPU or per VF, so the cost does not depend on the numbers written.
 *
 * - HOST001 (error): two PCI functions (GPUs, NIC PFs, NVSwitches, switch upstream ports) at one
 *   address on a host; reported on each [LINUX-PCI-SYSFS] [PCI-BDF].
 * - HOST002 (error): a NIC's SR-IOV VFs (routing id of the PF + vf-offset + n × vf-stride) land on
 *   another function's address, on another NIC's VFs, or on the PF itself (vf-offset 0, or
 *   vf-stride 0 with several VFs) [LINUX-PCI-IOV].
 * - HOST003 (error): two sockets with one NUMA node id [LINUX-NODE-SYSFS] [LIBVIRT-CAPS].
 * - HOST004 (error): two sockets list the same CPU [LINUX-NODE-SYSFS] [LIBVIRT-CAPS].
 * - HOST005 (error): a device or nested switch whose `on SOCKET` contradicts the socket of the
 *   switch it sits under [LINUX-PCI-SYSFS].
 * - HOST006 (warning): a device or nested switch on a bus that cannot be behind its switch: its
 *   switch's own (upstream) bus or a lower one, or another PCI domain [LINUX-PCI-PROBE].
 */
import { MAX_RELATED, nameList } from '../kernel/bounds.js';
import { formatBdf, routingId, fromRoutingId, type CpuList } from '../syntax/tokens.js';
import { addressKey } from '../model/pci-functions.js';
import type { DeviceModel, HostModel, NicModel, NumaNode, PcieSwitchModel } from '../model/topology.js';
import type { Report, RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';

export const HOST001: RuleInfo = {
    id: 'HOST001', severity: 'error', summary: 'two devices or switches at one PCI address on a host',
    why: 'A PCI address names exactly one function (one /sys/bus/pci/devices entry); two names for it let two VMs receive one device, and the exports describe a device that is not there.',
    fix: 'Correct the address of one of them from `lspci -D`.', quickFix: false, sources: ['LINUX-PCI-SYSFS', 'PCI-BDF']
};
export const HOST002: RuleInfo = {
    id: 'HOST002', severity: 'error', summary: 'a NIC\'s SR-IOV VF addresses overlap another function, another NIC\'s VFs or the PF',
    why: 'VF n of a PF sits at the PF\'s routing id + First VF Offset + n × VF Stride; an address already in use cannot also be a VF, and Linux refuses a PF whose offset is 0 or whose stride is 0 with several VFs.',
    fix: 'Correct `vfs`, `vf-offset` or `vf-stride` (`lspci -vvv -s PF`: "First VF Offset", "VF Stride"), or the other device\'s address.', quickFix: false, sources: ['LINUX-PCI-IOV']
};
export const HOST003: RuleInfo = {
    id: 'HOST003', severity: 'error', summary: 'two sockets with the same NUMA node id',
    why: 'Each NUMA node id is one node of the host (/sys/devices/system/node/nodeN, one libvirt <cell id>); two sockets cannot both be it, and memory and pinning rules would add them up.',
    fix: 'Give each socket its own `numa` id, as `numactl -H` lists them.', quickFix: false, sources: ['LINUX-NODE-SYSFS', 'LIBVIRT-CAPS']
};
export const HOST004: RuleInfo = {
    id: 'HOST004', severity: 'error', summary: 'two sockets list the same CPU',
    why: 'A logical CPU belongs to exactly one socket and NUMA node (nodeN/cpulist); a CPU in two lists makes locality and pinning checks answer for the wrong node.',
    fix: 'Copy each socket\'s `cores` from /sys/devices/system/node/nodeN/cpulist.', quickFix: false, sources: ['LINUX-NODE-SYSFS', 'LIBVIRT-CAPS']
};
export const HOST005: RuleInfo = {
    id: 'HOST005', severity: 'error', summary: 'a device\'s `on SOCKET` contradicts the socket of its PCIe switch',
    why: 'A device behind a PCIe switch is attached where the switch is (its numa_node is the switch\'s); two sockets for one path make the locality rules and the exports disagree.',
    fix: 'Remove the device\'s `on`, or move it out of the switch.', quickFix: false, sources: ['LINUX-PCI-SYSFS']
};
export const HOST006: RuleInfo = {
    id: 'HOST006', severity: 'warning', summary: 'a device\'s bus cannot be behind its PCIe switch',
    why: 'The buses behind a switch are numbered above the bus of its upstream port, in the same PCI domain; an address on or below it is not behind that switch, so the address or the nesting is wrong.',
    fix: 'Check the address and the switch with `lspci -tv`.', quickFix: false, sources: ['LINUX-PCI-PROBE']
};

export const HOST: RuleFamily = {
    rules: [HOST001, HOST002, HOST003, HOST004, HOST005, HOST006],
    checks: [
        { rules: [HOST001], run: checkAddresses },
        { rules: [HOST002], run: checkVfRanges },
        { rules: [HOST003, HOST004], run: checkSockets },
        { rules: [HOST005], run: checkSwitchSockets },
        { rules: [HOST006], run: checkBuses }
    ]
};

/** A PCI function the host declares: an endpoint device or a switch (its upstream port). */
type PciFunction = DeviceModel | PcieSwitchModel;

function functionsOf(host: HostModel): PciFunction[] {
    return [...host.switches, ...host.devices];
}

/**
 * The names of the other members of `list` than `self`: `a, b and c`, or past three, `a, b, c and 5
 * more`, and whether there are several. Constant work per call, so a group of k costs O(k) in all.
 */
function othersText<T>(list: readonly T[], self: T, name: (t: T) => string): { text: string; several: boolean } {
    const names = list.slice(0, 4).filter(o => o !== self).slice(0, 3).map(name);
    const total = list.length - 1;
    return { text: nameList(names, { max: 3, total, and: true }), several: total > 1 };
}

/** The first members of `list` other than `self`, as many as a diagnostic's related information holds (constant work). */
function firstOthers<T>(list: readonly T[], self: T): T[] {
    return list.slice(0, MAX_RELATED).filter(o => o !== self).slice(0, MAX_RELATED - 1);
}

/** At most this many HOST002 diagnostics per NIC (then one that counts the rest). */
const MAX_VF_REPORTS = 3;

// ---- HOST001 --------------------------------------------------------------------------------

/** HOST001: functions sharing an address, reported on each of them. */
function checkAddresses(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        const byAddress = new Map<number, PciFunction[]>();
        for (const f of functionsOf(host)) {
            const key = addressKey(f.address);
            const list = byAddress.get(key);
            if (list) list.push(f);
            else byAddress.set(key, [f]);
        }
        for (const list of byAddress.values()) {
            if (list.length < 2) continue;
            const address = formatBdf(list[0].address);
            for (const f of list) {
                const others = othersText(list, f, o => o.name);
                ctx.report({
                    rule: HOST001, target: f, property: 'address',
                    message: `${f.name} is at ${address}, as ${others.several ? 'are' : 'is'} ${others.text} on ${host.name}; a PCI address names exactly one function.`,
                    data: { address },
                    related: firstOthers(list, f).map(o => ({ target: o, property: 'address', message: `${o.name} at ${address}` }))
                });
            }
        }
    }
}

// ---- HOST002 --------------------------------------------------------------------------------

/** The VFs of a NIC as routing ids: `first + n × stride` for n in `[0, count)`, within the domain's 0–ffff. */
interface VfRange {
    readonly nic: NicModel;
    readonly domain: number;
    readonly first: number;
    readonly stride: number;
    /** VFs whose routing id is at most ffff (the others are SYN008 errors). */
    readonly count: number;
}

function vfRange(nic: NicModel): VfRange | undefined {
    if (nic.vfs <= 0) return undefined;
    const first = routingId(nic.address) + nic.vfOffset;
    if (first > 0xffff) return undefined;
    const count = nic.vfStride === 0 ? nic.vfs : Math.min(nic.vfs, Math.floor((0xffff - first) / nic.vfStride) + 1);
    return { nic, domain: nic.address.domain, first, stride: nic.vfStride, count };
}

/** Routing id of the last distinct VF address. */
function lastOf(r: VfRange): number {
    return r.stride === 0 ? r.first : r.first + (r.count - 1) * r.stride;
}

/** The VF index of `r` at routing id `rid`, or -1 (the first index when the stride is 0). */
function vfIndexAt(r: VfRange, rid: number): number {
    if (rid < r.first || rid > lastOf(r)) return -1;
    if (r.stride === 0) return 0;
    return (rid - r.first) % r.stride === 0 ? (rid - r.first) / r.stride : -1;
}

function gcd(a: number, b: number): number {
    while (b !== 0) [a, b] = [b, a % b];
    return a;
}

/** Inverse of `a` modulo `m` (a and m coprime, m ≥ 1). */
function modInverse(a: number, m: number): number {
    let [r0, r1] = [a % m, m];
    let [s0, s1] = [1, 0];
    while (r1 !== 0) {
        const q = Math.floor(r0 / r1);
        [r0, r1] = [r1, r0 - q * r1];
        [s0, s1] = [s1, s0 - q * s1];
    }
    return ((s0 % m) + m) % m;
}

/**
 * The smallest routing id that is a VF of both ranges (same domain), or undefined: the two
 * arithmetic progressions are intersected with the Chinese remainder theorem, whatever their length.
 */
function firstCommon(p: VfRange, q: VfRange): number | undefined {
    if (p.count === 0 || q.count === 0) return undefined;
    if (p.stride === 0 || p.count === 1) return vfIndexAt(q, p.first) >= 0 ? p.first : undefined;
    if (q.stride === 0 || q.count === 1) return vfIndexAt(p, q.first) >= 0 ? q.first : undefined;
    const lo = Math.max(p.first, q.first);
    const hi = Math.min(lastOf(p), lastOf(q));
    if (lo > hi) return undefined;
    const g = gcd(p.stride, q.stride);
    const diff = q.first - p.first;
    if (diff % g !== 0) return undefined;
    // p.first + p.stride × k ≡ q.first (mod q.stride)  ⇔  (p.stride/g) × k ≡ diff/g (mod q.stride/g)
    const m = q.stride / g;
    const k = m === 1 ? 0 : ((((diff / g) % m) + m) % m) * modInverse((p.stride / g) % m, m) % m;
    const lcm = (p.stride / g) * q.stride;
    let x = p.first + p.stride * k;
    if (x < lo) x += Math.ceil((lo - x) / lcm) * lcm;
    return x <= hi ? x : undefined;
}

/** HOST002: VF addresses that are taken (by the PF itself, another function or another NIC's VFs). */
function checkVfRanges(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        const found = new Map<NicModel, Array<Omit<Report, 'rule' | 'target'>>>();
        const report = (nic: NicModel, r: Omit<Report, 'rule' | 'target'>) => {
            const list = found.get(nic);
            if (list) list.push(r);
            else found.set(nic, [r]);
        };
        const functions = functionsOf(host).map(f => ({ f, key: addressKey(f.address) })).sort((a, b) => a.key - b.key);
        const ranges: VfRange[] = [];
        for (const d of host.devices) {
            if (d.kind !== 'nic') continue;
            const r = vfRange(d);
            if (r) ranges.push(r);
        }
        for (const r of ranges) {
            const nic = r.nic;
            const at = (n: number) => formatBdf(fromRoutingId(r.domain, r.stride === 0 ? r.first : r.first + n * r.stride));
            const how = (vf: number) => `(routing id of ${formatBdf(nic.address)} + vf-offset ${nic.vfOffset} + ${vf} × vf-stride ${nic.vfStride})`;
            // The PF itself: First VF Offset 0, or VF Stride 0 with more than one VF.
            if (nic.vfOffset === 0) {
                report(nic, {
                    property: 'vfOffset',
                    message: `VF 0 of ${nic.name} would be at ${formatBdf(nic.address)}, ${nic.name}'s own address: vf-offset 0 puts the first VF on its PF (Linux refuses such a PF).`,
                    data: { nic: nic.name, vf: 0, address: formatBdf(nic.address) }
                });
            }
            if (nic.vfStride === 0 && nic.vfs > 1) {
                report(nic, {
                    property: 'vfStride',
                    message: `VF 1 of ${nic.name} would be at ${at(0)} like VF 0: vf-stride 0 puts all ${nic.vfs} VFs at one address (Linux refuses such a PF).`,
                    data: { nic: nic.name, vf: 1, address: at(0) }
                });
            }
            // Other functions inside the range: binary search for the first address ≥ the first VF.
            const lowKey = r.domain * 0x10000 + r.first;
            const highKey = r.domain * 0x10000 + lastOf(r);
            let lo = 0;
            let hi = functions.length;
            while (lo < hi) {
                const mid = (lo + hi) >> 1;
                if (functions[mid].key < lowKey) lo = mid + 1;
                else hi = mid;
            }
            for (let i = lo; i < functions.length && functions[i].key <= highKey; i++) {
                const other = functions[i].f;
                if (other === nic) continue;
                const vf = vfIndexAt(r, functions[i].key - r.domain * 0x10000);
                if (vf < 0) continue;
                report(nic, {
                    property: 'vfs',
                    message: `VF ${vf} of ${nic.name} would be at ${formatBdf(other.address)}, the address of ${other.name} ${how(vf)}; a VF needs an address of its own.`,
                    data: { nic: nic.name, vf, address: formatBdf(other.address), other: other.name }
                });
            }
        }
        // Two NICs' VFs: only ranges whose spans overlap are compared (sorted by first address).
        const sorted = [...ranges].sort((a, b) => a.domain - b.domain || a.first - b.first);
        for (let i = 0; i < sorted.length; i++) {
            const a = sorted[i];
            for (let j = i + 1; j < sorted.length && sorted[j].domain === a.domain && sorted[j].first <= lastOf(a); j++) {
                const b = sorted[j];
                const rid = firstCommon(a, b);
                if (rid === undefined) continue;
                const address = formatBdf(fromRoutingId(a.domain, rid));
                const va = vfIndexAt(a, rid);
                const vb = vfIndexAt(b, rid);
                for (const [self, vs, other, vo] of [[a, va, b, vb], [b, vb, a, va]] as const) {
                    report(self.nic, {
                        property: 'vfs',
                        message: `VF ${vs} of ${self.nic.name} would be at ${address}, where VF ${vo} of ${other.nic.name} is; the VF ranges of two PFs must not overlap.`,
                        data: { nic: self.nic.name, vf: vs, address, other: other.nic.name, otherVf: vo }
                    });
                }
            }
        }
        for (const [nic, list] of found) {
            for (const r of list.slice(0, MAX_VF_REPORTS)) ctx.report({ rule: HOST002, target: nic, ...r });
            if (list.length > MAX_VF_REPORTS) {
                const more = list.length - MAX_VF_REPORTS;
                ctx.report({
                    rule: HOST002, target: nic, property: 'vfs',
                    message: `${more} more VF address${more > 1 ? 'es' : ''} of ${nic.name} ${more > 1 ? 'are' : 'is'} taken as well.`,
                    data: { nic: nic.name, more }
                });
            }
        }
    }
}

// ---- HOST003, HOST004 -------------------------------------------------------------------------

/** A CPU list for a message: at most four ranges, then how many CPUs in all. */
function cpusText(cpus: CpuList): string {
    const ranges = cpus.sorted.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
    return ranges.length <= 4 ? ranges.join(',') : `${ranges.slice(0, 4).join(',')},… (${cpus.size} CPUs)`;
}

/** HOST003 (one NUMA id, two sockets) and HOST004 (one CPU, two sockets), reported on each socket. */
function checkSockets(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        const byId = new Map<number, NumaNode[]>();
        for (const n of host.numaNodes) {
            if (n.idFrom === 'invalid') continue; // SYN008 at the number
            const list = byId.get(n.id);
            if (list) list.push(n);
            else byId.set(n.id, [n]);
        }
        for (const [id, list] of byId) {
            if (list.length < 2) continue;
            for (const n of list) {
                const others = othersText(list, n, o => o.socket);
                const how = n.idFrom === 'position' ? ` (${n.socket} writes no \`numa\`: its position gives ${id})` : '';
                ctx.report({
                    rule: HOST003, target: n, property: n.idFrom === 'written' ? 'numa' : 'name',
                    message: `${n.socket} is NUMA node ${id}${how}, as ${others.several ? 'are' : 'is'} ${others.text}; each socket is a NUMA node of its own.`,
                    data: { numa: id },
                    related: firstOthers(list, n).map(o => ({ target: o, message: `${o.socket} is NUMA node ${id} too` }))
                });
            }
        }
        // CPU overlaps: a sweep over every socket's ranges, sorted by first CPU; only ranges that
        // overlap are compared. Each socket keeps its first few partners (a message names at most
        // three), each intersected once, as ranges.
        const items = host.numaNodes.flatMap((n, i) => n.cpus.sorted.map(([a, b]) => ({ a, b, i })));
        items.sort((x, y) => x.a - y.a);
        const partners = host.numaNodes.map(() => new Set<number>());
        const more = host.numaNodes.map(() => false);
        const pair = (i: number, j: number) => {
            if (partners[i].has(j)) return;
            if (partners[i].size < 3) partners[i].add(j);
            else more[i] = true;
        };
        let active: typeof items = [];
        for (const item of items) {
            active = active.filter(x => x.b >= item.a);
            for (const other of active) {
                if (other.i === item.i) continue;
                pair(item.i, other.i);
                pair(other.i, item.i);
            }
            active.push(item);
        }
        host.numaNodes.forEach((self, i) => {
            const list = [...partners[i]].sort((x, y) => x - y).map(j => host.numaNodes[j]);
            if (list.length === 0) return;
            const [first, ...rest] = list;
            const shared = self.cpus.intersect(first.cpus);
            const also = rest.map(o => `${o.socket} (${cpusText(self.cpus.intersect(o.cpus))})`);
            if (more[i]) also.push('more');
            ctx.report({
                rule: HOST004, target: self, property: 'cores',
                message: `${self.socket} and ${first.socket} both list CPU${shared.size > 1 ? 's' : ''} ${cpusText(shared)}` +
                    `${also.length > 0 ? ` (${self.socket} also shares CPUs with ${also.join(', ')})` : ''}; a logical CPU belongs to exactly one socket and NUMA node.`,
                data: { sockets: [self.socket, ...list.map(o => o.socket)], cpus: shared.toString() }
            });
        });
    }
}

// ---- HOST005 --------------------------------------------------------------------------------

/** The socket a switch is on: its own `on`, else the nearest switch above it with one, else the host's first socket. */
function socketOf(sw: PcieSwitchModel): { socket: NumaNode | undefined; from?: PcieSwitchModel } {
    for (let s: PcieSwitchModel | undefined = sw; s; s = s.parentSwitch) {
        if (s.declaredSocket) return { socket: s.declaredSocket, from: s };
    }
    return { socket: sw.host.numaNodes[0] };
}

/** HOST005: a device or nested switch declared on another socket than its switch's. */
function checkSwitchSockets(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        for (const child of functionsOf(host)) {
            const parent = child.parentSwitch;
            const declared = child.declaredSocket;
            if (!parent || !declared) continue;
            const { socket, from } = socketOf(parent);
            if (!socket || socket === declared) continue;
            const origin = from === parent ? '' : from ? `, inherited from ${from.name}` : `: no switch above it names a socket, so it is on ${host.name}'s first socket`;
            ctx.report({
                rule: HOST005, target: child, property: 'socket',
                message: `${child.name} is declared on ${declared.socket} (NUMA ${declared.id}), but its switch ${parent.name} is on ${socket.socket} (NUMA ${socket.id}${origin}); a device behind a PCIe switch is attached where the switch is.`,
                data: { name: child.name, declared: declared.socket, switch: parent.name, switchSocket: socket.socket }
            });
        }
    }
}

// ---- HOST006 --------------------------------------------------------------------------------

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** HOST006: a child's address that cannot be behind its switch. */
function checkBuses(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        for (const child of functionsOf(host)) {
            const parent = child.parentSwitch;
            if (!parent) continue;
            const a = child.address;
            const p = parent.address;
            const where = `its switch ${parent.name} (${formatBdf(p)})`;
            const above = p.bus < 0xff ? `buses numbered above its own (${hex2(p.bus + 1)} or more)` : `buses numbered above its own, and none is left above ${hex2(p.bus)}`;
            let message: string | undefined;
            if (a.domain !== p.domain) {
                message = `${child.name} at ${formatBdf(a)} is in PCI domain ${hex4(a.domain)}, but ${where} is in domain ${hex4(p.domain)}; a switch reaches only buses of its own domain.`;
            } else if (a.bus === p.bus) {
                message = `${child.name} at ${formatBdf(a)} is on bus ${hex2(a.bus)}, the upstream bus of ${where}; the devices behind a switch are on ${above}.`;
            } else if (a.bus < p.bus) {
                message = `${child.name} at ${formatBdf(a)} is on bus ${hex2(a.bus)}, below bus ${hex2(p.bus)} of ${where}; the devices behind a switch are on ${above}.`;
            }
            if (message) {
                ctx.report({
                    rule: HOST006, target: child, property: 'address', message,
                    data: { name: child.name, bus: a.bus, switch: parent.name, switchBus: p.bus }
                });
            }
        }
    }
}
