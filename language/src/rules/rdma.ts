/**
 * RDMA — GPUDirect RDMA inside VMs: ATS and ACS.
 *
 * A VM "uses GPUDirect RDMA" when it says so (`gpudirect-rdma`) and has a passthrough GPU and a
 * passthrough NIC PF: ATS and ACS are host settings vmtopo cannot see unless declared, so the rules
 * ask for them only where RDMA is meant. NVIDIA's VM white paper covers PF passthrough on KVM: ATS in the
 * NIC firmware, and on the bridges of the GPU↔NIC path ACS that lets ATS-translated peer requests
 * go direct while untranslated ones stay redirected [VMCFG-APPX] [VMCFG-BU-APPX]. VFs are left out
 * (unverified: the white paper covers PF passthrough only), and so is ESXi (the source is KVM).
 *
 * - RDMA001 (error, KVM): a NIC PF of such a VM is not declared `ats enabled` [VMCFG-APPX].
 * - RDMA002 (error, KVM): a switch on the path between a GPU and a NIC of such a VM (at or below
 *   their common switch) is not declared `acs direct-translated` [VMCFG-APPX] [VMCFG-BU-APPX].
 *   Unverified: the appendix's exact ACS control value (its `setpci` write) is not quoted here;
 *   the rule asks for the setting, not for a register value.
 * - RDMA003 (error, KVM): a switch declares `acs disabled` (the bare-metal NCCL advice) while its
 *   endpoints go to different VMs, or to a VM and the host: without ACS they form one IOMMU group
 *   [NCCL-TS] [ACS-LKML] [VFIO]. Not with `pcie-acs-override` (IOMMU003's case).
 * - RDMA004 (info, ESXi): a GPU and a NIC of an RDMA VM (`gpudirect-rdma`) share a physical PCIe switch, which ESXi does
 *   not show the guest; vmtopo's NCCL export (which mirrors switches) is for KVM guests [VMCFG-CONF].
 */
import { MAX_NAMED, nameList } from '../kernel/bounds.js';
import { formatBdf } from '../syntax/tokens.js';
import { pathType, switchPath, vmsOnHost, type GpuModel, type NicModel, type PcieSwitchModel, type VmModel } from '../model/topology.js';
import type { RelatedReport, RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { endpointOwners, endpointsBelow } from '../model/iommu-groups.js';
import { combine, replaceProperty, type FixData } from './engine/fixes.js';
import { astOf, insertAfterNode, insertBeforeBrace } from './engine/reference-fixes.js';

/** A fix that declares `acs direct-translated` on a switch (replacing a written ACS setting). */
function acsFix(ctx: RuleContext, sw: PcieSwitchModel): FixData[] {
    const node = astOf(ctx.resolved, sw);
    if (!node) return [];
    const part = sw.acs ? replaceProperty(node, 'acs', 'direct-translated') : insertBeforeBrace(node, 'acs direct-translated ');
    const fix = combine(`Allow direct translated P2P on ${sw.name} (acs direct-translated)`, [part]);
    return fix ? [fix] : [];
}

export const RDMA001: RuleInfo = {
    id: 'RDMA001', severity: 'error', summary: 'NIC of a GPUDirect RDMA VM without ATS',
    why: 'Inside a VM, GPUDirect RDMA peer traffic goes direct only as ATS-translated requests; without ATS in the NIC firmware it '
        + 'is redirected through the root complex and the IOMMU.',
    fix: 'Set `mlxconfig -d BDF set ATS_ENABLED=true`, reboot the host, and declare `ats enabled` on the NIC (quick-fix).',
    quickFix: true, sources: ['VMCFG-APPX']
};
export const RDMA002: RuleInfo = {
    id: 'RDMA002', severity: 'error', summary: 'ACS on a GPU↔NIC path bridge blocks translated P2P',
    why: 'ACS redirect sends every peer request of the path\'s downstream ports to the root complex; GPUDirect RDMA in a VM needs '
        + 'ATS-translated requests to go direct (redirect stays on for untranslated ones).',
    fix: 'Configure ACS for direct translated P2P on the bridges of the GPU↔NIC paths only, and declare `acs direct-translated` '
        + 'on those switches (quick-fix).', quickFix: true, sources: ['VMCFG-APPX', 'VMCFG-BU-APPX']
};
export const RDMA003: RuleInfo = {
    id: 'RDMA003', severity: 'error', summary: 'ACS disabled on a switch whose devices go to different VMs',
    why: 'Disabling ACS (bare-metal NCCL advice) puts every device below the switch into one IOMMU group, which VFIO assigns only as '
        + 'a whole: split across VMs (or a VM and the host) the group is not viable.',
    fix: 'Re-enable ACS, with direct translated P2P for GPUDirect RDMA (quick-fix: `acs direct-translated`), and enable ATS on the NICs.',
    quickFix: true, sources: ['NCCL-TS', 'ACS-LKML', 'VFIO']
};
export const RDMA004: RuleInfo = {
    id: 'RDMA004', severity: 'info', summary: 'ESXi guest cannot see that a GPU and a NIC share a PCIe switch',
    why: 'ESXi places passthrough devices on separate virtual root ports: NCCL in the guest sees the GPU and the NIC as distant '
        + 'and may not use GPUDirect RDMA between them.',
    fix: 'Give NCCL a topology file (NCCL_TOPO_FILE) describing the shared switch, written from the guest\'s PCI addresses.',
    quickFix: false, sources: ['VMCFG-CONF']
};

/** Whether a VM uses GPUDirect RDMA (`gpudirect-rdma`, a passthrough GPU and a passthrough NIC PF). */
export function usesRdma(vm: VmModel): boolean {
    return vm.gpudirectRdma === true && vm.gpus.some(g => g.mode === 'passthrough') && vm.nics.some(n => n.mode === 'passthrough');
}

/** RDMA001: ATS on the NIC PFs of RDMA VMs. */
function checkAts(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.host.platform !== 'kvm' || !usesRdma(vm)) continue;
        for (const entry of vm.nics) {
            const nic = entry.nic;
            if (entry.mode !== 'passthrough' || nic.ats === 'enabled') continue;
            const state = nic.ats === 'disabled' ? 'ATS is off' : 'ATS is not declared enabled';
            ctx.report({
                rule: RDMA001, severity: 'error', target: entry,
                message: `${nic.name}: ${state} for GPUDirect RDMA in ${vm.name}; set 'mlxconfig -d ${formatBdf(nic.address)} set ATS_ENABLED=true' and reboot the host (a VM reboot is not enough), then declare 'ats enabled'.`,
                data: { vm: vm.name, nic: nic.name },
                fixes: atsFix(ctx, nic),
                related: [{ target: nic, property: nic.ats ? 'ats' : 'name', message: `${nic.name} on ${vm.host.name}` }]
            });
        }
    }
}

/** RDMA001's fix: `ats enabled` on the NIC declaration. */
function atsFix(ctx: RuleContext, nic: NicModel): FixData[] {
    const node = astOf(ctx.resolved, nic);
    if (!node) return [];
    const fix = combine(`Declare ATS enabled on ${nic.name}`, [nic.ats ? replaceProperty(node, 'ats', 'enabled') : insertAfterNode(node, ' ats enabled')]);
    return fix ? [fix] : [];
}

/** The switches a GPU↔NIC peer request crosses: from their lowest common switch down to each (empty when none is shared). */
export function pathBridges(gpu: GpuModel, nic: NicModel): PcieSwitchModel[] {
    const a = switchPath(gpu);
    const b = switchPath(nic);
    let common = -1;
    while (common + 1 < a.length && common + 1 < b.length && a[common + 1] === b[common + 1]) common++;
    if (common < 0) return [];
    return [...new Set([...a.slice(common), ...b.slice(common)])];
}

/** RDMA002: every path bridge of every GPU↔NIC pair of RDMA VMs allows direct translated P2P. */
function checkPathAcs(ctx: RuleContext): void {
    const bySwitch = new Map<PcieSwitchModel, Array<{ vm: VmModel; gpu: GpuModel; nic: NicModel; entry: object }>>();
    for (const vm of ctx.topology.vms) {
        if (vm.host.platform !== 'kvm' || !usesRdma(vm)) continue;
        for (const g of vm.gpus) {
            if (g.mode !== 'passthrough') continue;
            for (const n of vm.nics) {
                if (n.mode !== 'passthrough') continue;
                for (const sw of pathBridges(g.gpu, n.nic)) {
                    if (sw.acs === 'direct-translated' || sw.acs === 'disabled') continue;
                    let list = bySwitch.get(sw);
                    if (!list) bySwitch.set(sw, list = []);
                    list.push({ vm, gpu: g.gpu, nic: n.nic, entry: n });
                }
            }
        }
    }
    for (const [sw, pairs] of bySwitch) {
        const p = pairs[0];
        const more = pairs.length > 1 ? ` (and ${pairs.length - 1} more GPU–NIC pair${pairs.length > 2 ? 's' : ''})` : '';
        ctx.report({
            rule: RDMA002, severity: 'error', target: sw, property: sw.acs ? 'acs' : 'name',
            message: `ACS on ${sw.name} (${sw.acs ?? 'the kernel default'}) blocks translated P2P between ${p.gpu.name} and ${p.nic.name} of ${p.vm.name}${more}; GPUDirect RDMA will go through the root complex. Allow direct translated P2P on this bridge ('acs direct-translated').`,
            data: { switch: sw.name, host: sw.host.name },
            fixes: acsFix(ctx, sw),
            related: pairs.map((x): RelatedReport => ({ target: x.entry, message: `${x.nic.name} ↔ ${x.gpu.name} in ${x.vm.name}` }))
        });
    }
}

/** RDMA003: a switch with ACS disabled whose endpoints have more than one owner. */
function checkAcsDisabled(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        if (host.platform !== 'kvm' || host.acsOverride) continue;
        const owners = endpointOwners(ctx.topology, host);
        const vfUsers = new Map<NicModel, VmModel[]>();
        for (const vm of vmsOnHost(ctx.topology, host)) {
            for (const n of vm.nics) {
                if (n.mode !== 'vf') continue;
                const users = vfUsers.get(n.nic);
                if (users) users.push(vm); else vfUsers.set(n.nic, [vm]);
            }
        }
        for (const sw of host.switches) {
            if (sw.acs !== 'disabled') continue;
            if (sw.parentSwitch?.acs === 'disabled') continue; // the outer switch reports the whole subtree
            const names = new Set<string>();
            const vms = new Set<VmModel>();
            for (const d of endpointsBelow(sw)) {
                const os = owners.get(d);
                if (os) for (const vm of os) { names.add(vm.name); vms.add(vm); }
                else names.add('the host');
                if (d.kind === 'nic') for (const vm of vfUsers.get(d) ?? []) { names.add(vm.name); vms.add(vm); }
            }
            if (vms.size === 0 || names.size < 2) continue;
            ctx.report({
                rule: RDMA003, severity: 'error', target: sw, property: 'acs',
                message: `ACS is disabled on ${sw.name}; its devices form one IOMMU group and cannot be split across ${nameList([...names])}.`,
                data: { switch: sw.name, host: host.name },
                fixes: acsFix(ctx, sw),
                related: [...vms].map(vm => ({ target: vm, message: `${vm.name} has devices below ${sw.name}` }))
            });
        }
    }
}

/** RDMA004: on ESXi, GPU–NIC pairs of a VM below one physical switch. */
function checkEsxiLocality(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.host.platform !== 'esxi' || !vm.gpudirectRdma) continue;
        const pairs: string[] = [];
        const related: RelatedReport[] = [];
        let first: object | undefined;
        for (const g of vm.gpus) {
            if (g.mode !== 'passthrough') continue;
            for (const n of vm.nics) {
                const t = pathType(g.gpu, n.nic);
                if (t !== 'PIX' && t !== 'PXB') continue;
                pairs.push(`${g.gpu.name}–${n.nic.name} (${t})`);
                related.push({ target: n, message: `${n.nic.name} shares a PCIe switch with ${g.gpu.name}` });
                first ??= g;
            }
        }
        if (!first) continue;
        ctx.report({
            rule: RDMA004, severity: 'info', target: first,
            message: `NCCL in ${vm.name} will not see ${nameList(pairs.slice(0, MAX_NAMED), { total: pairs.length })} locality: ESXi shows passthrough devices without the host's PCIe switches; give NCCL a topology file (NCCL_TOPO_FILE).`,
            data: { vm: vm.name },
            related
        });
    }
}

export const RDMA: RuleFamily = {
    rules: [RDMA001, RDMA002, RDMA003, RDMA004],
    checks: [
        { rules: [RDMA001], run: checkAts },
        { rules: [RDMA002], run: checkPathAcs },
        { rules: [RDMA003], run: checkAcsDisabled },
        { rules: [RDMA004], run: checkEsxiLocality }
    ]
};
