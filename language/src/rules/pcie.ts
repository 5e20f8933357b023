/**
 * PCIE — the guest's virtual PCIe topology.
 *
 * On KVM vmtopo does not let the guest's PCIe tree be written: the libvirt export builds it
 * (`export/address-plan.ts`) on machine type q35, mirroring every host switch above the VM's
 * devices with an emulated switch, under one pcie-expander-bus per host NUMA node whose guest node
 * is the cell of the vCPUs pinned on that host node. So PCIE002 (false locality: a virtual switch
 * over devices of different physical switches) and PCIE003 (PCIe controllers on i440fx) cannot be
 * written and have no check, and PCIE001 cannot happen on KVM (the export mirrors the switches, and
 * the NCCL export names them).
 *
 * - PCIE001 (warning, ESXi): two GPUs, or two NICs, of a VM that uses NCCL (`p2p` or `gpudirect-rdma`) share a physical PCIe switch, which
 *   ESXi does not show the guest (separate virtual root ports) [VMCFG-CONF] [NCP-PERF]. GPU–NIC
 *   pairs are RDMA004's.
 * - PCIE004 (warning, KVM): NICs whose host NUMA node holds none of the VM's vCPUs: their expander
 *   bus has no local guest cell and the export attaches it to cell 0, so the guest's locality is
 *   wrong [LIBVIRT-DOM] [VMCFG-CONF]. GPUs in that situation are LOC001's and LOC010's.
 */
import { planGuestAddresses } from '../model/guest-plan.js';
import { pathType, type VmModel } from '../model/topology.js';
import type { RelatedReport, RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';

export const PCIE001: RuleInfo = {
    id: 'PCIE001', severity: 'warning', summary: 'ESXi guest cannot see that two of its devices share a PCIe switch',
    why: 'ESXi places passthrough devices on separate virtual root ports; NCCL in the guest then takes two GPUs (or NICs) behind one '
        + 'physical switch for distant ones and picks worse paths.',
    fix: 'Give NCCL a topology file (NCCL_TOPO_FILE) that puts the devices under one switch, written from the guest\'s PCI addresses.',
    quickFix: false, sources: ['VMCFG-CONF', 'NCP-PERF']
};
export const PCIE004: RuleInfo = {
    id: 'PCIE004', severity: 'warning', summary: 'NIC on a host NUMA node where the VM has no vCPUs (no local guest cell)',
    why: 'The guest sees each device on the NUMA cell of its expander bus; a NIC on a host node without any of the VM\'s vCPUs '
        + 'lands on another cell, so the guest\'s NUMA locality (and NCCL\'s) is wrong for it.',
    fix: 'Pin some vCPUs on the NIC\'s node, or use a NIC on the node of the VM\'s vCPUs.', quickFix: false, sources: ['LIBVIRT-DOM', 'VMCFG-CONF']
};

/** PCIE001: pairs of GPUs or of NICs of an ESXi VM behind one physical switch. */
function checkEsxiSwitches(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        // Only where NCCL is meant to run across the devices: `p2p` or `gpudirect-rdma`.
        if (vm.host.platform !== 'esxi' || !(vm.p2p || vm.gpudirectRdma)) continue;
        const groups = [
            vm.gpus.filter(g => g.mode === 'passthrough').map(g => ({ entry: g, device: g.gpu })),
            vm.nics.map(n => ({ entry: n, device: n.nic }))
        ];
        for (const group of groups) {
            const seen = new Set<object>();
            const devices = group.filter(x => !seen.has(x.device) && seen.add(x.device));
            for (let i = 0; i < devices.length; i++) {
                const partner = devices.slice(i + 1).find(o => ['PIX', 'PXB'].includes(pathType(devices[i].device, o.device)));
                if (!partner) continue;
                const a = devices[i].device;
                const b = partner.device;
                ctx.report({
                    rule: PCIE001, severity: 'warning', target: devices[i].entry,
                    message: `Guest topology of ${vm.name} hides that ${a.name} and ${b.name} share a PCIe switch (${pathType(a, b)}): ESXi places passthrough devices on separate virtual root ports; give NCCL a topology file (NCCL_TOPO_FILE).`,
                    data: { vm: vm.name, a: a.name, b: b.name },
                    related: [{ target: partner.entry, message: `${b.name} shares the switch of ${a.name}` }]
                });
                break;
            }
        }
    }
}

/** PCIE004: NIC-only expander buses without a local guest cell. */
function checkExpanderCells(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        // Unpinned VMs get one cell wherever the export puts it: LOC002's business, not this rule's.
        if (vm.host.platform !== 'kvm' || vm.nics.length === 0 || !vm.pin || vm.pin.isEmpty) continue;
        // Only a NIC on a node without any of the VM's vCPUs can sit on a cell that is not local:
        // the guest plan (the export's) is made for those VMs only.
        const pinned = new Set<number>();
        for (const cpu of vm.pin) { const node = vm.host.numaOfCpu(cpu)?.id; if (node !== undefined) pinned.add(node); }
        if (vm.nics.every(n => n.nic.numa === undefined || pinned.has(n.nic.numa))) continue;
        const plan = guestPlan(vm);
        if (!plan) continue;
        for (const expander of plan.expanders) {
            if (expander.cellIsLocal) continue;
            const devices = plan.devices.filter(d => d.location.numa === expander.hostNode);
            if (devices.length === 0 || devices.some(d => d.location.kind === 'gpu')) continue;
            const nodes = [...new Set(plan.cells.map(c => c.hostNode))];
            const names = [...new Set(devices.map(d => d.location.name))];
            const entries = vm.nics.filter(n => n.nic.numa === expander.hostNode);
            if (entries.length === 0) continue;
            ctx.report({
                rule: PCIE004, severity: 'warning', target: entries[0],
                message: `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} on host NUMA ${expander.hostNode}, but ${vm.name} has no vCPUs there (they are pinned to NUMA ${nodes.join(', ')}); the guest sees ${names.length > 1 ? 'them' : 'it'} on cell ${expander.cell}. Pin vCPUs on NUMA ${expander.hostNode} or use a NIC of NUMA ${nodes.join(', ')}.`,
                data: { vm: vm.name, hostNode: expander.hostNode, cell: expander.cell },
                related: entries.slice(1).map((n): RelatedReport => ({ target: n, message: `${n.nic.name} on host NUMA ${expander.hostNode}` }))
            });
        }
    }
}

/** The export's guest plan of a VM, or undefined where the export would refuse it (other rules say why). */
function guestPlan(vm: VmModel): ReturnType<typeof planGuestAddresses> | undefined {
    try {
        return planGuestAddresses(vm);
    } catch {
        return undefined;
    }
}

export const PCIE: RuleFamily = {
    rules: [PCIE001, PCIE004],
    checks: [
        { rules: [PCIE001], run: checkEsxiSwitches },
        { rules: [PCIE004], run: checkExpanderCells }
    ]
};
