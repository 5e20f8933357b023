/**
 * IOMMU — groups and isolation. VFIO assigns devices by IOMMU group:
 * "the group is the minimum granularity that can be assigned to a user", and a group is only
 * viable when every endpoint in it is bound to vfio-pci for the same user [VFIO].
 *
 * Groups as vmtopo infers them on a KVM host (written groups win):
 * - a device's `iommu-group N` puts it in group N;
 * - otherwise the functions of one multi-function device (same domain:bus:device) share a group,
 *   unless one of them declares ACS (`acs enabled` or `acs direct-translated`) or the host uses
 *   `pcie-acs-override` [VFIO] [ACS-LKML];
 * - every other endpoint is a group of its own (a switch with ACS disabled is RDMA003's).
 * SR-IOV VFs are left out of groups (each VF is its own function behind an ACS-capable PF).
 *
 * - IOMMU001 (error, KVM): the endpoints of one group go to different VMs, or some to a VM and some stay with the host [VFIO].
 * - IOMMU002 (error): device assignment (passthrough, VFs) on a host declared `iommu disabled` [VFIO] [VMCFG-SETUP].
 * - IOMMU003 (warning, KVM): the host uses `pcie-acs-override` while endpoints below one switch
 *   (without declared ACS), or functions of one device, go to different VMs [ACS-LKML] [NCCL-TS].
 */
import { MAX_NAMED, nameList } from '../kernel/bounds.js';
import { formatBdf } from '../syntax/tokens.js';
import { vmsOnHost, type DeviceModel, type VmModel } from '../model/topology.js';
import { endpointOwners, endpointsBelow, iommuGroups, vmsUsing, type Owner } from '../model/iommu-groups.js';
import type { RelatedReport, RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { isNicAssignment, isNvSwitchAssignment, isPassthroughGpus, isVm } from '../generated/ast.js';
import { combine, type FixData } from './engine/fixes.js';
import { addToVm, astOf } from './engine/reference-fixes.js';

export const IOMMU001: RuleInfo = {
    id: 'IOMMU001', severity: 'error', summary: 'an IOMMU group is split between VMs, or between a VM and the host',
    why: 'VFIO assigns whole IOMMU groups: while one endpoint of the group stays with a host driver or goes to another VM, the group '
        + 'is "not viable" and the VM does not start. Functions of one device without ACS share a group.',
    fix: 'Assign the whole group to the VM (quick-fix: add the group\'s other devices kept by the host), declare the device\'s '
        + '`acs enabled` if it has ACS, or use a device of its own.', quickFix: true, sources: ['VFIO']
};
export const IOMMU002: RuleInfo = {
    id: 'IOMMU002', severity: 'error', summary: 'device assignment on a host with the IOMMU disabled',
    why: 'Passthrough and SR-IOV assignment need the IOMMU (`intel_iommu=on` / AMD-Vi, VT-d in the BIOS) to isolate the device\'s DMA.',
    fix: 'Enable VT-d/AMD-Vi in the BIOS and the IOMMU on the kernel command line, then declare `iommu enabled`.', quickFix: false, sources: ['VFIO', 'VMCFG-SETUP']
};
export const IOMMU003: RuleInfo = {
    id: 'IOMMU003', severity: 'warning', summary: 'pcie_acs_override splits a group whose devices go to different VMs',
    why: 'The override only pretends isolation: without real ACS, peer-to-peer DMA between devices below one switch (or functions of '
        + 'one device) bypasses the IOMMU, so the VMs are not isolated from each other.',
    fix: 'Give devices below one switch to one VM, or use hardware with ACS (and declare it).', quickFix: false, sources: ['ACS-LKML', 'NCCL-TS']
};

const ownerName = (o: Owner) => (o === 'host' ? 'the host' : o.name);

/** The owners of an endpoint no VM takes. */
const HOST_ONLY: readonly Owner[] = ['host'];

/** IOMMU001: each multi-endpoint group has one owner. */
function checkGroups(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        if (host.platform !== 'kvm') continue;
        const owners = endpointOwners(ctx.topology, host);
        for (const group of iommuGroups(host)) {
            const by = group.devices.map(d => ({ d, owners: owners.get(d) ?? HOST_ONLY }));
            const distinct = [...new Set(by.flatMap(b => b.owners))];
            if (distinct.length < 2 || !distinct.some(o => o !== 'host')) continue;
            const names = nameList(group.devices.slice(0, MAX_NAMED).map(d => `${d.name} ${formatBdf(d.address)}`), { total: group.devices.length });
            const reported = new Set<VmModel>();
            for (const { d, owners: os } of by) {
                for (const vm of os) {
                    if (vm === 'host' || reported.has(vm)) continue;
                    reported.add(vm);
                    const others = by.filter(b => !b.owners.includes(vm));
                    const hostKept = others.filter(b => b.owners.includes('host')).map(b => b.d);
                    const entry = entryOf(vm, d);
                    if (!entry) continue;
                    const where = nameList(others.slice(0, MAX_NAMED).map(b => `${b.d.name} ${b.owners.includes('host') ? 'stays with the host' : `goes to ${nameList(b.owners.slice(0, MAX_NAMED).map(ownerName), { total: b.owners.length })}`}`), { total: others.length });
                    const related: RelatedReport[] = others.map(b => ({ target: b.d, message: `${b.d.name}: in the same IOMMU group` }));
                    ctx.report({
                        rule: IOMMU001, severity: 'error', target: entry,
                        message: `${group.label[0].toUpperCase()}${group.label.slice(1)} (${names}) must be assigned as a whole to one VM; ${d.name} goes to ${vm.name} but ${where}. The group is VFIO's unit of ownership: ${vm.name} will not start.`,
                        data: { vm: vm.name },
                        // The quick-fix adds the group's host-kept devices, when no other VM holds one.
                        fixes: hostKept.length === others.length ? assignWhole(ctx, vm, hostKept) : [],
                        related
                    });
                }
            }
        }
    }
}

/** IOMMU001's fix: the group's other devices (kept by the host) join the VM's passthrough clauses. */
function assignWhole(ctx: RuleContext, vm: VmModel, devices: readonly DeviceModel[]): FixData[] {
    const node = astOf(ctx.resolved, vm);
    if (!isVm(node)) return [];
    const names = (kind: DeviceModel['kind']) => devices.filter(d => d.kind === kind).map(d => d.name);
    const parts = [
        names('gpu').length > 0 ? addToVm(node, node.gpus.filter(isPassthroughGpus), 'gpus', 'gpu', names('gpu')) : null,
        names('nic').length > 0 ? addToVm(node, node.nics.filter(a => isNicAssignment(a) && a.passthrough), 'nics', 'nic', names('nic')) : null,
        names('nvswitch').length > 0 ? addToVm(node, node.nvswitches.filter(isNvSwitchAssignment), 'nvswitches', 'nvswitch', names('nvswitch')) : null
    ].filter(p => p !== null);
    const fix = combine(`Assign ${nameList(devices.slice(0, MAX_NAMED).map(d => d.name), { total: devices.length })} to ${vm.name} too (whole IOMMU group)`, parts);
    return fix ? [fix] : [];
}

/** The VM's entry that assigns `d` (GPU, NIC PF or NVSwitch). */
function entryOf(vm: VmModel, d: DeviceModel): object | undefined {
    return vm.gpus.find(g => g.gpu === d) ?? vm.nics.find(n => n.nic === d && n.mode === 'passthrough') ?? vm.nvswitches.find(s => s.nvswitch === d);
}

/** IOMMU002: assignment on a host whose IOMMU is declared disabled. */
function checkIommuOn(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        if (host.iommu !== 'disabled') continue;
        const assigning = vmsOnHost(ctx.topology, host).filter(vm =>
            vm.gpus.some(g => g.mode === 'passthrough') || vm.nics.length > 0 || vm.nvswitches.length > 0);
        if (assigning.length === 0) continue;
        ctx.report({
            rule: IOMMU002, severity: 'error', target: host, property: 'iommu',
            message: `${host.name}: IOMMU is off; device assignment needs it (${nameList(assigning.slice(0, MAX_NAMED).map(v => v.name), { total: assigning.length })} ${assigning.length > 1 ? 'assign' : 'assigns'} devices by passthrough or SR-IOV).`,
            data: { host: host.name, vms: assigning.slice(0, MAX_NAMED).map(v => v.name) },
            related: assigning.map(vm => ({ target: vm, message: `${vm.name} assigns devices` }))
        });
    }
}

/** IOMMU003: pcie_acs_override while devices below one switch without declared ACS go to different VMs. */
function checkAcsOverride(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        if (host.platform !== 'kvm' || !host.acsOverride) continue;
        for (const sw of host.switches) {
            if (sw.acs === 'enabled' || sw.acs === 'direct-translated') continue;
            if (sw.parentSwitch && sw.parentSwitch.acs !== 'enabled' && sw.parentSwitch.acs !== 'direct-translated') continue; // the outer switch reports
            const vms = vmsUsing(ctx.topology, host, endpointsBelow(sw));
            if (vms.length < 2) continue;
            ctx.report({
                rule: IOMMU003, severity: 'warning', target: sw, property: sw.acs ? 'acs' : 'name',
                message: `Without real ACS, peer-to-peer DMA below ${sw.name} can bypass the IOMMU; VMs ${nameList(vms.slice(0, MAX_NAMED).map(v => v.name), { total: vms.length })} are not isolated (${host.name} uses pcie_acs_override).`,
                data: { switch: sw.name, vms: vms.slice(0, MAX_NAMED).map(v => v.name) },
                related: vms.map(vm => ({ target: vm, message: `${vm.name} has devices below ${sw.name}` }))
            });
        }
    }
}

export const IOMMU: RuleFamily = {
    rules: [IOMMU001, IOMMU002, IOMMU003],
    checks: [
        { rules: [IOMMU001], run: checkGroups },
        { rules: [IOMMU002], run: checkIommuOn },
        { rules: [IOMMU003], run: checkAcsOverride }
    ]
};
