/**
 * SYN — what the user wrote: token forms, duplicate names, clauses given twice and the language's
 * bounds (README "Tokens" and "Limits"). Node checks: they run per document as the user types.
 *
 * - SYN001 (error): a PCI address is not `dddd:bb:dd.f` [PCI-BDF].
 * - SYN002 (error): a CPU or NUMA node list is malformed [LINUX-CPULIST].
 * - SYN003 (error): a size unit is not MiB, GiB or TiB [LIBVIRT-DOM].
 * - SYN004 (error): a PCIe link speed or width does not exist [PCIE-LINK].
 * - SYN005 (error): a duplicate name: sockets, switches and devices within a host (node check);
 *   hosts and VMs across the whole workspace, reported on every declaration in every file (a
 *   topology check over the resolved declarations, so one VM in two files is an error in both)
 *   [LIBVIRT-DOM].
 * - SYN006 (error): a host, socket or VM clause given twice [LIBVIRT-DOM].
 * - SYN007 (error): `nic … vf N` names more than one NIC [DOCA-SRIOV].
 * - SYN008 (error): a number, list or name outside the language's bounds [VMTOPO-LIMITS].
 * - SYN009 (warning): two VM names of the workspace differ only in case: their export files collide
 *   on a case-insensitive file system [WIN-CASE].
 * - SYN010 (error): a name (declared or referenced) with characters outside ASCII; the lexer reads
 *   such a word as one name, so the parse goes on [UNICODE-TR36].
 */
import type { AstNode, Reference } from 'langium';
import type * as ast from '../generated/ast.js';
import type { Declaration } from '../model/topology.js';
import { parseSwitchPciId } from '../model/resolve.js';
import { parseBdf, parseCpuList, parseNumaList, sizeToMiB, parseLinkWidth, checkLinkSpeed, vfAddress, formatBdf } from '../syntax/tokens.js';
import {
    checkInteger, MAX_MODULE_ID, MAX_NUMA_ID, MAX_PORT_SPEED_GBPS, MAX_SRIOV_FIELD, MAX_VCPUS, NAME_MAX_BYTES
} from '../syntax/limits.js';
import { directKeywords, written } from '../kernel/cst.js';
import { allDevices, allSwitches } from '../model/host-syntax.js';
import { shortText } from '../kernel/text.js';
import type { NodeCheck, NodeReport, RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';

export const SYN001: RuleInfo = {
    id: 'SYN001', severity: 'error', summary: 'PCI address is not `dddd:bb:dd.f`',
    why: 'libvirt, NCCL and vmtopo identify a device by its full address as `lspci -D` prints it: domain, bus, device (00-1f), function (0-7).',
    fix: 'Write the address as `lspci -D` shows it, e.g. `0000:18:00.0`.', quickFix: false, sources: ['PCI-BDF']
};
export const SYN002: RuleInfo = {
    id: 'SYN002', severity: 'error', summary: 'CPU list is malformed (syntax, duplicate CPU, descending range)',
    why: 'CPU and NUMA node lists use the kernel\'s cpulist form; a duplicate or a descending range has no meaning for libvirt\'s `cpuset`.',
    fix: 'Write ascending ranges and single numbers, each CPU once: `0-15,96-111`.', quickFix: false, sources: ['LINUX-CPULIST']
};
export const SYN003: RuleInfo = {
    id: 'SYN003', severity: 'error', summary: 'size unit is not MiB, GiB or TiB',
    why: 'Sizes are binary (IEC) as libvirt reads them; `GB` would be ambiguous by 7%.',
    fix: 'Use MiB, GiB or TiB, e.g. `512 GiB`.', quickFix: false, sources: ['LIBVIRT-DOM']
};
export const SYN004: RuleInfo = {
    id: 'SYN004', severity: 'error', summary: 'PCIe link speed or width does not exist',
    why: 'Only real PCIe rates (2.5, 5, 8, 16, 32, 64 GT/s) and widths (x1-x32) exist; NCCL reads an unknown rate as Gen3.',
    fix: 'Write the link as `lspci -vv` shows LnkCap, e.g. `32 GT/s x16`.', quickFix: false, sources: ['PCIE-LINK']
};
export const SYN005: RuleInfo = {
    id: 'SYN005', severity: 'error', summary: 'duplicate name (hosts and VMs across the workspace; sockets, switches and devices in a host)',
    why: 'References and export file names use the name: two things of one name make a reference ambiguous and one export overwrite the other.',
    fix: 'Rename one of them.', quickFix: false, sources: ['LIBVIRT-DOM']
};
export const SYN006: RuleInfo = {
    id: 'SYN006', severity: 'error', summary: 'a host, socket or VM clause is given twice',
    why: 'The later clause would silently win over the first.',
    fix: 'Keep one of the two clauses.', quickFix: false, sources: ['LIBVIRT-DOM']
};
export const SYN007: RuleInfo = {
    id: 'SYN007', severity: 'error', summary: '`nic … vf N` names more than one NIC',
    why: 'A VF index belongs to one physical function; the same index on several NICs is several devices.',
    fix: 'Write one `nic NAME vf N` line per NIC.', quickFix: false, sources: ['DOCA-SRIOV']
};
export const SYN008: RuleInfo = {
    id: 'SYN008', severity: 'error', summary: 'a number, list or name is outside the range the language accepts',
    why: 'Each bound is a real ceiling (4096 vCPUs in QEMU\'s q35, 8192 Linux CPUs, 16-bit SR-IOV registers…) or far above any server; the value is treated as not written.',
    fix: 'Write a value inside the bound the message names (README, "Limits").', quickFix: false, sources: ['VMTOPO-LIMITS']
};

export const SYN009: RuleInfo = {
    id: 'SYN009', severity: 'warning', summary: 'two VM names differ only in case',
    why: 'A VM\'s name is its export file name (`<vm>.domain.xml`); on a case-insensitive file system (Windows, macOS by default) the two VMs\' files are one file.',
    fix: 'Rename one of the VMs.', quickFix: false, sources: ['WIN-CASE']
};
export const SYN010: RuleInfo = {
    id: 'SYN010', severity: 'error', summary: 'a name uses characters outside ASCII',
    why: 'Names use ASCII letters, digits, _ and -: they become libvirt domain and file names, and look-alike letters from other scripts (Latin a, Cyrillic а) would make two different names look the same.',
    fix: 'Spell the name with ASCII letters, digits, _ and -.', quickFix: false, sources: ['UNICODE-TR36']
};

export const SYN011: RuleInfo = {
    id: 'SYN011', severity: 'error', summary: "a switch's `pci-id` is not `vvvv:dddd` (optionally followed by the subsystem `ssvv:ssdd`)",
    why: 'The NCCL export writes these ids on the mirrored switch so that NCCL recognises the switch as it does on bare metal (it merges Broadcom PEX switch levels only when it sees their ids); an id it cannot read would be silently lost.',
    fix: 'Write the ids as `lspci -nn` (vendor:device) and `lspci -vnn` ("Subsystem") print them, e.g. `pci-id "1000:c030 1000:0072"`.',
    quickFix: false, sources: ['PCI-IDS', 'NCCL-TOPO']
};

type Report = (report: NodeReport) => void;

/**
 * SYN008: `node[property]` must be a whole number in `[min, max]`; reports it otherwise (with the
 * number as written). Returns the number when it is valid, else undefined.
 */
export function checkBound(report: Report, node: AstNode, property: string, min: number, max: number, what: string): number | undefined {
    const value = (node as unknown as Record<string, unknown>)[property];
    const c = checkInteger(typeof value === 'number' ? value : undefined, min, max, what, written(node, property));
    if (!c.ok) report({ rule: SYN008, message: `${c.message}.`, node, property });
    return c.ok ? c.value : undefined;
}

/** SYN002/SYN008 on a CPU list property. */
function checkCpuList(report: Report, node: AstNode, property: string, value: string | number | undefined): void {
    if (value === undefined) return;
    const p = parseCpuList(value);
    if (!p.ok) report({ rule: p.outOfRange ? SYN008 : SYN002, message: p.message, node, property });
}

/** SYN005 over `nodes` (those without a name yet are skipped). */
function checkDuplicateNames(report: Report, nodes: Array<AstNode & { name?: string }>): void {
    const seen = new Map<string, AstNode>();
    for (const node of nodes) {
        if (typeof node.name !== 'string') continue;
        const first = seen.get(node.name);
        if (first) {
            report({ rule: SYN005, message: `Duplicate name '${node.name}': a ${first.$type.toLowerCase()} of that name is declared before.`, node, property: 'name' });
        } else {
            seen.set(node.name, node);
        }
    }
}

/** SYN006: a clause keyword written twice directly in `node`. */
function checkTwice(report: Report, node: AstNode & { name?: string }, keywords: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const leaf of directKeywords(node)) {
        if (!keywords.includes(leaf)) continue;
        counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
        if (counts.get(leaf) === 2) {
            report({ rule: SYN006, message: `'${leaf}' is given twice in ${node.$type.toLowerCase()} '${node.name ?? ''}'; keep one.`, node, property: 'name' });
        }
    }
}

/** SYN008: a name longer than a file name may hold (names become export file names); SYN010: a name outside ASCII. */
const checkName: NodeCheck<AstNode & { name?: string }> = (node, report, { names }) => {
    if (typeof node.name !== 'string') return;
    if (node.name.length > names.maxLength) {
        report({
            rule: SYN008, node, property: 'name',
            message: `This name has ${node.name.length} characters; names are at most ${names.maxLength}, so that '<name>${names.longestSuffix}' fits a file name (${NAME_MAX_BYTES} bytes).`
        });
    }
    const message = nonAsciiProblem(node.name);
    if (message) report({ rule: SYN010, node, property: 'name', message });
};

/** The SYN010 message for a name with characters outside ASCII, or undefined. */
export function nonAsciiProblem(name: string): string | undefined {
    if (/^[\x00-\x7f]*$/.test(name)) return undefined;
    const bad = [...name].filter(c => c.codePointAt(0)! > 0x7f);
    if (bad.length === 0) return undefined;
    const shown = [...new Set(bad)].slice(0, 3).map(c => `'${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
    return `'${shortText(name, 60)}' is not a valid name: names use ASCII letters, digits, _ and - (it contains ${shown.join(', ')}${new Set(bad).size > 3 ? ', …' : ''}).`;
}

/** SYN010 on the references of a node whose text is not ASCII (`gpu gpü0 passthrough`, `vm a on hö`). */
function checkReferences(report: Report, node: AstNode, property: string, refs: Reference | ReadonlyArray<Reference | undefined> | undefined): void {
    const list = Array.isArray(refs) ? refs as ReadonlyArray<Reference | undefined> : [refs as Reference | undefined];
    list.forEach((ref, index) => {
        const message = typeof ref?.$refText === 'string' ? nonAsciiProblem(ref.$refText) : undefined;
        if (message) report({ rule: SYN010, node, property, index: Array.isArray(refs) ? index : undefined, message });
    });
}

/** SYN010 on an assignment's GPU or NIC references. */
const checkGpuRefs: NodeCheck<ast.PassthroughGpus | ast.VgpuSlice | ast.MigSlice> = (a, report) => checkReferences(report, a, 'gpus', a.gpus);
/** SYN010 on `on SOCKET`. */
const checkSocketRef: NodeCheck<ast.PcieSwitch | ast.Device> = (d, report) => checkReferences(report, d, 'socket', d.socket);

/** `hosts.vmtopo:3`, or `line 3` in the same document. */
function whereDeclared(d: Declaration, from: Declaration): string {
    if (d.uri === from.uri) return `line ${d.line + 1}`;
    const file = d.uri ? decodeURIComponent(d.uri.slice(d.uri.lastIndexOf('/') + 1)) : 'another file';
    return `${file}:${d.line + 1}`;
}

/**
 * SYN005 for hosts and VMs across the workspace (one namespace: a host and a VM may not share a
 * name either), on every declaration, naming the others; SYN009 for VM names equal but for case.
 */
function checkWorkspaceNames(ctx: RuleContext): void {
    const byName = new Map<string, Declaration[]>();
    const byFolded = new Map<string, Declaration[]>();
    for (const d of ctx.topology.declarations) {
        const same = byName.get(d.name);
        if (same) same.push(d);
        else byName.set(d.name, [d]);
        if (d.kind !== 'vm') continue;
        const folded = d.name.toLowerCase();
        const list = byFolded.get(folded);
        if (list) list.push(d);
        else byFolded.set(folded, [d]);
    }
    for (const list of byName.values()) {
        if (list.length < 2) continue;
        for (const d of list) {
            // At most three others named (constant work per declaration, whatever the group size).
            const shown = list.slice(0, 4).filter(o => o !== d).slice(0, 3).map(o => `${o.kind === 'vm' ? 'VM' : 'host'} at ${whereDeclared(o, d)}`);
            if (list.length > 4) shown.push(`${list.length - 4} more`);
            ctx.report({
                rule: SYN005, target: d,
                message: `Duplicate name '${shortText(d.name, 60)}': also declared as ${shown.join(', ')}; host and VM names are unique across the workspace (a VM's name is its export file name).`,
                data: { name: d.name }
            });
        }
    }
    for (const list of byFolded.values()) {
        // Spelling → its declarations; a few first declarations of other spellings are named.
        const spellings = new Map<string, Declaration[]>();
        for (const d of list) {
            const same = spellings.get(d.name);
            if (same) same.push(d);
            else spellings.set(d.name, [d]);
        }
        if (spellings.size < 2) continue;
        const firsts = [...spellings.values()].slice(0, 4).map(l => l[0]);
        for (const d of list) {
            const count = list.length - spellings.get(d.name)!.length;
            const shown = firsts.filter(o => o.name !== d.name).slice(0, 3).map(o => `'${shortText(o.name, 60)}' (${whereDeclared(o, d)})`);
            if (count > shown.length) shown.push(`${count - shown.length} more`);
            ctx.report({
                rule: SYN009, target: d,
                message: `VM '${shortText(d.name, 60)}' differs from ${shown.join(', ')} only in case; their export files (${shortText(d.name, 60)}.domain.xml…) are one file on a case-insensitive file system.`,
                data: { name: d.name }
            });
        }
    }
}

/** SYN001. */
const checkAddress: NodeCheck<ast.PcieSwitch | ast.Device> = (node, report) => {
    if (node.address === undefined) return; // not written yet: the parser reports it
    const p = parseBdf(node.address);
    if (!p.ok) report({ rule: SYN001, message: p.message, node, property: 'address' });
};

const checkNic: NodeCheck<ast.Nic> = (nic, report) => {
    const vfs = nic.vfs !== undefined ? checkBound(report, nic, 'vfs', 0, MAX_SRIOV_FIELD, 'vfs') : 0;
    const offset = nic.vfOffset !== undefined ? checkBound(report, nic, 'vfOffset', 0, MAX_SRIOV_FIELD, 'vf-offset') : 1;
    const stride = nic.vfStride !== undefined ? checkBound(report, nic, 'vfStride', 0, MAX_SRIOV_FIELD, 'vf-stride') : 1;
    if (nic.speed?.value !== undefined && !(nic.speed.value > 0 && nic.speed.value <= MAX_PORT_SPEED_GBPS)) {
        report({
            rule: SYN008, node: nic.speed, property: 'value',
            message: `speed ${written(nic.speed, 'value') ?? nic.speed.value} Gb/s is out of range: expected more than 0 and at most ${MAX_PORT_SPEED_GBPS} Gb/s.`
        });
    }
    const pf = parseBdf(nic.address);
    if (pf.ok && vfs !== undefined && vfs > 0 && offset !== undefined && stride !== undefined && !vfAddress(pf.value, offset, stride, vfs - 1)) {
        report({
            rule: SYN008, node: nic, property: 'vfs',
            message: `${nic.name ?? 'This NIC'}: VF ${vfs - 1} would sit past the last PCI address of domain ${formatBdf(pf.value).slice(0, 4)} ` +
                `(routing id ${formatBdf(pf.value)} + vf-offset ${offset} + ${vfs - 1} × vf-stride ${stride} > ffff); lower vfs, vf-offset or vf-stride.`
        });
    }
};

export const SYN: RuleFamily = {
    rules: [SYN001, SYN002, SYN003, SYN004, SYN005, SYN006, SYN007, SYN008, SYN009, SYN010, SYN011],
    checks: [{ rules: [SYN005, SYN009], run: checkWorkspaceNames, workspace: true }],
    nodeChecks: {
        // Hosts and VMs: SYN005/SYN009 across the workspace (checkWorkspaceNames).
        Host: [
            checkName,
            (host, report) => checkDuplicateNames(report, [...(host.sockets ?? []), ...allSwitches(host), ...allDevices(host)]),
            (host, report) => checkTwice(report, host, ['platform', 'cpu', 'license'])
        ],
        Socket: [
            checkName,
            (socket, report) => checkCpuList(report, socket, 'cores', socket.cores),
            (socket, report) => { if (socket.numa !== undefined) checkBound(report, socket, 'numa', 0, MAX_NUMA_ID, 'NUMA node'); },
            (socket, report) => checkTwice(report, socket, ['numa', 'cores', 'memory'])
        ],
        PcieSwitch: [checkName, checkAddress, checkSocketRef, (sw, report) => {
            if (sw.pciId !== undefined && !parseSwitchPciId(sw.pciId)) {
                report({ rule: SYN011, message: `pci-id "${shortText(sw.pciId, 60)}" is not vendor:device in hex (e.g. "1000:c030"), optionally followed by the subsystem ids ("1000:c030 1000:0072").`, node: sw, property: 'pciId' });
            }
        }],
        Gpu: [
            checkName, checkAddress, checkSocketRef,
            (gpu, report) => { if (gpu.module !== undefined) checkBound(report, gpu, 'module', 0, MAX_MODULE_ID, 'module'); }
        ],
        Nic: [checkName, checkAddress, checkSocketRef, checkNic],
        NvSwitch: [checkName, checkAddress, checkSocketRef],
        Link: [(link, report) => {
            if (link.speed !== undefined) {
                const s = checkLinkSpeed(link.speed);
                if (!s.ok) report({ rule: SYN004, message: s.message, node: link, property: 'speed' });
            }
            if (link.width !== undefined) {
                const w = parseLinkWidth(link.width);
                if (!w.ok) report({ rule: SYN004, message: w.message, node: link, property: 'width' });
            }
        }],
        Size: [(size, report) => {
            if (size.value === undefined || size.unit === undefined) return; // half-typed: the parser reports it
            const p = sizeToMiB(size.value, size.unit);
            if (!p.ok) report({ rule: p.outOfRange ? SYN008 : SYN003, message: p.message, node: size, property: p.outOfRange ? 'value' : 'unit' });
        }],
        Vm: [
            checkName,
            (vm, report) => checkReferences(report, vm, 'host', vm.host),
            (vm, report) => { if (vm.vcpus !== undefined) checkBound(report, vm, 'vcpus', 1, MAX_VCPUS, 'vcpus'); },
            (vm, report) => checkCpuList(report, vm, 'pin', vm.pin),
            (vm, report) => checkCpuList(report, vm, 'emulatorPin', vm.emulatorPin),
            (vm, report) => {
                if (vm.memoryNuma === undefined) return;
                const p = parseNumaList(vm.memoryNuma);
                if (!p.ok) report({ rule: p.outOfRange ? SYN008 : SYN002, message: p.message, node: vm, property: 'memoryNuma' });
            },
            (vm, report) => checkTwice(report, vm, ['vcpus', 'emulator', 'memory', 'mmio', 'license'])
        ],
        PassthroughGpus: [checkGpuRefs],
        VgpuSlice: [checkGpuRefs],
        MigSlice: [checkGpuRefs],
        NicAssignment: [(a, report) => checkReferences(report, a, 'nics', a.nics), (a, report) => {
            if (a.vf === undefined) return;
            if ((a.nics?.length ?? 0) > 1) {
                report({ rule: SYN007, message: `'vf ${written(a, 'vf') ?? a.vf}' names one virtual function; list one NIC per 'nic … vf' line.`, node: a, property: 'nics' });
            }
            checkBound(report, a, 'vf', 0, MAX_SRIOV_FIELD - 1, 'vf');
        }]
    }
};
