/**
 * SRIOV — NIC virtual functions.
 *
 * - SRIOV001 (error): more VFs on a PF than the NIC model supports (`maxVfsPerPf`; 127 per PF on
 *   ConnectX in legacy SR-IOV) [DOCA-SRIOV] [CX7-FW-RN].
 * - SRIOV002 (error; vmtopo's reading of "fewer VFs than configured"): a VM uses VF index ≥ the
 *   PF's declared `vfs`, i.e. a VF the PF does not enable [DOCA-SRIOV].
 * - SRIOV003 (error; a special case of GEN001): a VF is assigned to more than one VM,
 *   told apart by its computed address, not by PF name and index: VF 0 of one NIC that is VF 2 of
 *   another, or the address of a PF another VM passes through, is one function [VFIO]. The claims
 *   are GEN001's ({@link functionClashes}); the VF claims that clash are reported here.
 * - SRIOV004 (warning): a PF is passed through to one VM while its VFs go to other VMs; the VFs
 *   depend on the host's PF driver, which passthrough takes away [DOCA-SRIOV] [VFIO].
 * - SRIOV005 (warning): a VF inherits its PF's PCIe location, so NIC001's locality applies at the
 *   PF's switch [NCP-PERF]: a VF of a VM with GPUs whose PF shares no switch with them, while a PF
 *   on a GPU's switch has an enabled VF no VM uses. NIC001 reports the distance too (it proposes
 *   only NICs no VM uses at all); this rule proposes that free VF (quick-fix).
 */
import { MAX_NAMED, nameList } from '../kernel/bounds.js';
import { formatBdf, formatCpuList } from '../syntax/tokens.js';
import { PATH_RANK, pathType, type NicModel, type VmModel } from '../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { clashMessage, functionClashes } from '../model/pci-functions.js';
import { combine, referenceNodes, replaceProperty } from './engine/fixes.js';

export const SRIOV001: RuleInfo = {
    id: 'SRIOV001', severity: 'error', summary: 'more VFs than the NIC supports per PF',
    why: 'The NIC\'s firmware enables at most that many VFs per physical function (127 on ConnectX in legacy SR-IOV).',
    fix: 'Lower `vfs` to the model\'s maximum.', quickFix: false, sources: ['DOCA-SRIOV', 'CX7-FW-RN']
};
export const SRIOV002: RuleInfo = {
    id: 'SRIOV002', severity: 'error', summary: 'VF index not enabled on the PF',
    why: 'A VM can only receive a VF the PF enables (`vfs N` enables VF 0 to N-1).',
    fix: 'Raise the PF\'s `vfs`, or use an enabled VF index.', quickFix: false, sources: ['DOCA-SRIOV']
};
export const SRIOV003: RuleInfo = {
    id: 'SRIOV003', severity: 'error', summary: 'a VF (one PCI address) is assigned to more than one VM',
    why: 'A VF is a PCI function of its own, bound to vfio-pci for one VM at a time; the second VM fails to start, or both lose the device.',
    fix: 'Give each VM a VF index of its own (or remove the VF from all but one VM).', quickFix: false, sources: ['VFIO']
};
export const SRIOV004: RuleInfo = {
    id: 'SRIOV004', severity: 'warning', summary: 'PF passed through while its VFs go to other VMs',
    why: 'The VFs depend on the host\'s PF driver, which passthrough of the PF takes away.',
    fix: 'Give the VMs VFs of another PF, or do not pass the PF through.', quickFix: false, sources: ['DOCA-SRIOV', 'VFIO']
};

export const SRIOV005: RuleInfo = {
    id: 'SRIOV005', severity: 'warning', summary: 'VF of a PF far from the VM\'s GPUs while a PF on a GPU\'s switch has a free VF',
    why: 'A VF sits where its PF sits: its PCIe path to the GPUs is the PF\'s, so GPUDirect RDMA through it crosses the host bridge '
        + 'or the sockets although a VF on the GPU\'s own switch is free.',
    fix: 'Use the free VF of the PF on the GPU\'s PCIe switch (quick-fix).', quickFix: true, sources: ['NCP-PERF']
};

export const SRIOV: RuleFamily = {
    rules: [SRIOV001, SRIOV002, SRIOV003, SRIOV004, SRIOV005],
    checks: [
        { rules: [SRIOV001], run: checkVfCount },
        { rules: [SRIOV002], run: checkVfIndex },
        { rules: [SRIOV003], run: checkVfOwner },
        { rules: [SRIOV004], run: checkPfAndVfs },
        { rules: [SRIOV005], run: checkVfLocality }
    ]
};

/** SRIOV001: more VFs on a PF than the model supports. */
function checkVfCount(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        for (const nic of host.devices) {
            if (nic.kind !== 'nic' || nic.vfs <= nic.spec.maxVfsPerPf) continue;
            ctx.report({
                rule: SRIOV001, severity: 'error', target: nic, property: 'vfs',
                message: `${nic.name}: ${nic.vfs} VFs; ${nic.spec.model} supports at most ${nic.spec.maxVfsPerPf} VFs per PF.`,
                data: { nic: nic.name, vfs: nic.vfs, max: nic.spec.maxVfsPerPf }
            });
        }
    }
}

/** SRIOV002: a VM uses a VF index the PF does not enable. */
function checkVfIndex(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        for (const entry of vm.nics) {
            if (entry.mode !== 'vf' || entry.vf < entry.nic.vfs) continue;
            const n = entry.nic.vfs;
            const enabled = n === 0 ? 'has no VFs enabled' : `has only ${n} VF${n > 1 ? 's' : ''} enabled (vfs ${n}: VF 0${n > 1 ? `-${n - 1}` : ''})`;
            ctx.report({
                rule: SRIOV002, severity: 'error', target: entry,
                message: `${vm.name} uses VF ${entry.vf} of ${entry.nic.name}, but ${entry.nic.name} ${enabled}.`,
                data: { vm: vm.name, nic: entry.nic.name, vf: entry.vf, vfs: n }
            });
        }
    }
}

/** SRIOV003: a VF (by address) claimed by a second VM, or a second time, after a GPU, PF or VF claim on that address. */
function checkVfOwner(ctx: RuleContext): void {
    for (const clash of functionClashes(ctx.topology.vms)) {
        if (!clash.claim.vf) continue; // GEN001
        ctx.report({
            rule: SRIOV003, severity: 'error', message: clashMessage(clash), target: clash.claim.entry,
            data: { device: clash.claim.label, address: formatBdf(clash.claim.address), vms: [clash.first.vm.name, clash.claim.vm.name] },
            related: [{ target: clash.first.entry, message: `${clash.first.label} assigned to ${clash.first.vm.name}` }]
        });
    }
}

/** SRIOV004: a PF passed through to one VM while its VFs go to others. */
function checkPfAndVfs(ctx: RuleContext): void {
    const vfUsers = new Map<NicModel, Array<{ vm: VmModel; vf: number }>>();
    for (const vm of ctx.topology.vms) {
        for (const entry of vm.nics) {
            if (entry.mode !== 'vf') continue;
            let users = vfUsers.get(entry.nic);
            if (!users) vfUsers.set(entry.nic, users = []);
            users.push({ vm, vf: entry.vf });
        }
    }
    for (const vm of ctx.topology.vms) {
        for (const entry of vm.nics) {
            if (entry.mode !== 'passthrough') continue;
            const others = (vfUsers.get(entry.nic) ?? []).filter(u => u.vm !== vm);
            if (others.length === 0) continue;
            const vms = [...new Set(others.map(u => u.vm.name))];
            ctx.report({
                rule: SRIOV004, severity: 'warning', target: entry,
                message: `${entry.nic.name} is passed through to ${vm.name}; its VFs ${formatCpuList(others.map(u => u.vf))} (given to ${nameList(vms)}) depend on the host PF driver.`,
                data: { nic: entry.nic.name, vm: vm.name, vms: vms.slice(0, MAX_NAMED) },
                related: others.map(u => ({ target: u.vm, message: `${u.vm.name} uses VF ${u.vf} of ${entry.nic.name}` }))
            });
        }
    }
}

/** SRIOV005's fix: `nic A vf i` becomes `nic B vf k` (a one-NIC VF clause, as SYN007 requires). */
function vfFix(ctx: RuleContext, entry: object, pf: string, vf: number) {
    const where = ctx.resolved.trace.get(entry);
    const ref = where && referenceNodes(where.node, 'nics')[0];
    if (!where || !ref) return [];
    const vfPart = replaceProperty(where.node, 'vf', String(vf));
    const fix = combine(`Use VF ${vf} of ${pf}`, [vfPart && { uri: vfPart.uri, edits: [{ range: { start: ref.range.start, end: ref.range.end }, newText: pf }, ...vfPart.edits] }]);
    return fix ? [fix] : [];
}

/** SRIOV005: a VF far from the VM's GPUs while a PF PIX to one of them has a free VF. */
function checkVfLocality(ctx: RuleContext): void {
    const usedVfs = new Map<NicModel, Set<number>>();
    const passedPfs = new Set<NicModel>();
    for (const vm of ctx.topology.vms) {
        for (const n of vm.nics) {
            if (n.mode === 'vf') {
                let set = usedVfs.get(n.nic);
                if (!set) usedVfs.set(n.nic, set = new Set());
                set.add(n.vf);
            } else passedPfs.add(n.nic);
        }
    }
    const claimed = new Set<string>();
    for (const vm of ctx.topology.vms) {
        const gpus = vm.gpus.map(g => g.gpu);
        if (gpus.length === 0) continue;
        for (const entry of vm.nics) {
            if (entry.mode !== 'vf') continue;
            const best = Math.min(...gpus.map(g => PATH_RANK[pathType(entry.nic, g)]));
            if (best <= PATH_RANK.PXB) continue;
            let found: { pf: NicModel; vf: number; gpu: string } | undefined;
            for (const gpu of gpus) {
                for (const pf of vm.host.devices) {
                    if (pf.kind !== 'nic' || pf.vfs === 0 || passedPfs.has(pf) || pf.management || pathType(pf, gpu) !== 'PIX') continue;
                    for (let k = 0; k < pf.vfs && k < 4096; k++) {
                        if (usedVfs.get(pf)?.has(k) || claimed.has(`${pf.name}|${k}`)) continue;
                        found = { pf, vf: k, gpu: gpu.name };
                        break;
                    }
                    if (found) break;
                }
                if (found) break;
            }
            if (!found) continue;
            claimed.add(`${found.pf.name}|${found.vf}`);
            const type = gpus.map(g => pathType(entry.nic, g)).sort((a, b) => PATH_RANK[a] - PATH_RANK[b])[0];
            ctx.report({
                rule: SRIOV005, severity: 'warning', target: entry,
                message: `VF ${entry.vf} of ${entry.nic.name} sits where ${entry.nic.name} sits, ${type} from the GPUs of ${vm.name}; VF ${found.vf} of ${found.pf.name} on the PCIe switch of ${found.gpu} is free.`,
                data: { vm: vm.name, nic: entry.nic.name, vf: entry.vf, best: found.pf.name, bestVf: found.vf },
                fixes: vfFix(ctx, entry, found.pf.name, found.vf),
                related: [{ target: found.pf, message: `${found.pf.name} is PIX to ${found.gpu}` }]
            });
        }
    }
}
