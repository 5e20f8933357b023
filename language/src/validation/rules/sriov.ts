/**
 * SRIOV — NIC virtual functions (rules.md Part B, "SRIOV").
 *
 * - SRIOV001 (error): more VFs on a PF than the NIC model supports (`maxVfsPerPf`; 127 per PF on
 *   ConnectX in legacy SR-IOV) [DOCA-SRIOV] [CX7-FW-RN].
 * - SRIOV002 (error; vmtopo's reading of "fewer VFs than configured"): a VM uses VF index ≥ the
 *   PF's declared `vfs`, i.e. a VF the PF does not enable [DOCA-SRIOV].
 * - SRIOV003 (error; rules.md: "a special case of GEN001"): a VF is assigned to more than one VM,
 *   told apart by its computed address, not by PF name and index: VF 0 of one NIC that is VF 2 of
 *   another, or the address of a PF another VM passes through, is one function [VFIO]. The claims
 *   are GEN001's ({@link functionClashes}); the VF claims that clash are reported here.
 * - SRIOV004 (warning): a PF is passed through to one VM while its VFs go to other VMs; the VFs
 *   depend on the host's PF driver, which passthrough takes away [DOCA-SRIOV] [VFIO].
 */
import { formatBdf, formatCpuList } from '../../syntax/tokens.js';
import type { NicModel, VmModel } from '../../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from '../rule.js';
import { clashMessage, functionClashes } from './gen.js';

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

export const SRIOV: RuleFamily = {
    rules: [SRIOV001, SRIOV002, SRIOV003, SRIOV004],
    checks: [
        { rules: [SRIOV001], run: checkVfCount },
        { rules: [SRIOV002], run: checkVfIndex },
        { rules: [SRIOV003], run: checkVfOwner },
        { rules: [SRIOV004], run: checkPfAndVfs }
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
            data: { device: clash.claim.label, address: formatBdf(clash.claim.address), vms: [clash.first.vm.name, clash.claim.vm.name] }
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
                message: `${entry.nic.name} is passed through to ${vm.name}; its VFs ${formatCpuList(others.map(u => u.vf))} (given to ${vms.join(', ')}) depend on the host PF driver.`,
                data: { nic: entry.nic.name, vm: vm.name, vms }
            });
        }
    }
}
