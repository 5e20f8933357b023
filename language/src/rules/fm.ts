/**
 * FM — Fabric Manager and NVSwitch baseboards; the partition table is the catalog's
 * (`catalog/fabric-manager.ts`, [WP-12736]).
 *
 * The rules apply to a host that declares its Fabric Manager model (`fabric-manager
 * shared-nvswitch` or `fabric-manager full-passthrough`); partition checks need the board's table
 * (`catalog/fabric-manager.ts`: HGX H100/H200 8-GPU) and the GPUs' `module` ids.
 *
 * - FM001 (error): shared-NVSwitch mode, a VM passes through ≥ 2 GPUs whose module ids are not a
 *   partition of the table: NVLink is unavailable to it [WP-12736] [FM-UG] [KV-GPU-DP].
 * - FM002 (error): two VMs use partitions that share a GPU; FM refuses to activate the second
 *   (`FM_ST_IN_USE`) [FM-TYPES] [WP-12736]. (The shared GPU is also GEN001.)
 * - FM003 (error): shared-NVSwitch mode and an NVSwitch is passed to a tenant (not the service VM) [FM-UG] [KV-GPU-DP].
 * - FM004 (error): shared-NVSwitch mode with multi-GPU tenants and no service VM, or a service VM
 *   that lacks some NVSwitch of the host [FM-UG] [WP-12736].
 * - FM005 (warning): the service VM also receives GPUs or NICs [FM-UG] [UBICLOUD-B200].
 * - FM006 (error; secondary sources): the service VM's Fabric Manager version differs from the
 *   guest driver of a tenant with a multi-GPU partition [WP-12736] [UBICLOUD-B200].
 * - FM007 (error): full-passthrough mode, a VM with NVSwitches lacks some GPU or NVSwitch of the
 *   board, or a VM with a subset of the GPUs expects NVLink P2P (`p2p`) [FM-UG] [UBICLOUD-B200].
 * - FM008 (info): a tenant's GPU has no module id, so its partition cannot be checked [WP-12736] [FM-TYPES].
 */
import { partitionOf, type FabricPartition } from '../catalog/fabric-manager.js';
import { MAX_NAMED, MAX_NAMED_DEVICES, nameList } from '../kernel/bounds.js';
import { closestFreePartition, hostBoard, passthroughGpus } from '../model/fabric.js';
import { vmsOnHost, type GpuModel, type HostModel, type NvSwitchModel, type VmGpu, type VmModel, type VmNvSwitch } from '../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { combine, replaceProperty, type FixData } from './engine/fixes.js';
import { addToVm, appendToDocument, astOf, gpuListFix, removeReference } from './engine/reference-fixes.js';
import { isNvSwitchAssignment } from '../generated/ast.js';

export const FM001: RuleInfo = {
    id: 'FM001', severity: 'error', summary: 'GPUs of a VM are not a Fabric Manager partition (shared-NVSwitch mode)',
    why: 'In shared-NVSwitch mode Fabric Manager routes NVLink only inside the partitions of its table (by GPU module id); a VM '
        + 'whose GPUs are not one partition gets them without NVLink. The HGX H100/H200 table is read from kubeswift\'s reproduction '
        + 'of NVIDIA\'s WP-12736, unverified against the guide itself, which the messages say.',
    fix: 'Give the VM the GPUs of a free partition of the same size, the one closest to the VM\'s NUMA node first (quick-fix).',
    quickFix: true, sources: ['WP-12736', 'FM-UG', 'KV-GPU-DP']
};
export const FM002: RuleInfo = {
    id: 'FM002', severity: 'error', summary: 'two VMs use Fabric Manager partitions that share a GPU',
    why: 'Fabric Manager activates a partition only when none of its GPUs is in an active partition (`FM_ST_IN_USE`): the second VM cannot start.',
    fix: 'Give the VMs disjoint partitions.', quickFix: false, sources: ['FM-TYPES', 'WP-12736']
};
export const FM003: RuleInfo = {
    id: 'FM003', severity: 'error', summary: 'NVSwitch passed to a tenant VM in shared-NVSwitch mode',
    why: 'In shared-NVSwitch mode the NVSwitches belong to the Fabric Manager service VM, which programs the partitions of all tenants.',
    fix: 'Move the NVSwitch to the service VM (quick-fix, when the service VM is in the same file).',
    quickFix: true, sources: ['FM-UG', 'KV-GPU-DP']
};
export const FM004: RuleInfo = {
    id: 'FM004', severity: 'error', summary: 'no Fabric Manager service VM, or it lacks NVSwitches of the board',
    why: 'Without a service VM owning every NVSwitch of the baseboard, Fabric Manager cannot start and no multi-GPU partition has NVLink.',
    fix: 'Create the service VM with all NVSwitches, or add the missing ones to it (quick-fix).',
    quickFix: true, sources: ['FM-UG', 'WP-12736']
};
export const FM005: RuleInfo = {
    id: 'FM005', severity: 'warning', summary: 'Fabric Manager service VM also holds GPUs or NICs',
    why: 'The service VM runs Fabric Manager only; GPUs or high-speed NICs in it are lost to the tenants (HGX B200 excepted: its ConnectX management functions).',
    fix: 'Give the GPUs and NICs to tenant VMs.', quickFix: false, sources: ['FM-UG', 'UBICLOUD-B200']
};
export const FM006: RuleInfo = {
    id: 'FM006', severity: 'error', summary: 'Fabric Manager version differs from a tenant\'s NVIDIA driver',
    why: 'In shared-NVSwitch mode the guest driver of a tenant with a multi-GPU partition must be the Fabric Manager\'s version '
        + '(secondary sources: kubeswift, Ubicloud; not in NVIDIA\'s guide as read).',
    fix: 'Use the Fabric Manager version as the guest driver (quick-fix), or upgrade Fabric Manager.',
    quickFix: true, sources: ['WP-12736', 'UBICLOUD-B200']
};
export const FM007: RuleInfo = {
    id: 'FM007', severity: 'error', summary: 'full-passthrough mode without the whole baseboard in one VM',
    why: 'In full-passthrough mode a VM with NVSwitches runs Fabric Manager itself and needs every GPU and NVSwitch of the board; '
        + 'a VM with some of the GPUs and no NVSwitch has no NVLink.',
    fix: 'Assign the whole baseboard to one VM, or switch the host to shared-NVSwitch mode.', quickFix: false, sources: ['FM-UG', 'UBICLOUD-B200']
};
export const FM008: RuleInfo = {
    id: 'FM008', severity: 'info', summary: 'GPU of a shared-NVSwitch tenant without a module id (Fabric Manager numbering)',
    why: 'Fabric Manager names GPUs by module id, which is neither the nvidia-smi index nor the PCI order; the partition to '
        + 'activate (`fmpm -a ID`) before the VM starts follows from the module ids.',
    fix: 'Declare `module N` on every GPU of the baseboard (`nvidia-smi -q`, "Module ID").', quickFix: false, sources: ['WP-12736', 'FM-TYPES']
};

function nvswitchesOf(host: HostModel): NvSwitchModel[] {
    return host.devices.filter((d): d is NvSwitchModel => d.kind === 'nvswitch');
}

/** Whether a VM is a tenant of the baseboard: not the service VM, with at least one SXM GPU by passthrough. */
function isTenant(vm: VmModel): boolean {
    return !vm.fabricManagerService && passthroughGpus(vm).some(g => g.spec.formFactor === 'sxm');
}

/** The module ids of the GPUs, or undefined when one has none. */
function modulesOf(gpus: readonly GpuModel[]): number[] | undefined {
    const modules = gpus.map(g => g.module);
    return modules.every((m): m is number => m !== undefined) ? modules : undefined;
}

function firstPassthrough(vm: VmModel): VmGpu | undefined {
    return vm.gpus.find(g => g.mode === 'passthrough');
}

/** Devices (or module ids) of one host for a message: a whole board in full, past that a count. */
const list = (xs: readonly (string | number)[]) => nameList(xs.slice(0, MAX_NAMED_DEVICES).map(String), { max: MAX_NAMED_DEVICES, total: xs.length });

/**
 * Unverified: the partition table was read from kubeswift's reproduction of NVIDIA's guide
 * [WP-12736], not from the guide itself; the messages say so and how to check the board's own table.
 */
const TABLE_NOTE = ' (Table: NVIDIA WP-12736 as reproduced by kubeswift, unverified against the guide; `fmpm -l` lists your board\'s.)';

/** FM001, FM002, FM008: the partitions of the tenants of a shared-NVSwitch host. */
function checkPartitions(ctx: RuleContext): void {
    const used: Array<{ vm: VmModel; partition: FabricPartition; gpus: GpuModel[] }> = [];
    for (const vm of ctx.topology.vms) {
        const host = vm.host;
        if (host.fabricManager !== 'shared-nvswitch' || !isTenant(vm)) continue;
        const board = hostBoard(host);
        const gpus = passthroughGpus(vm).filter(g => g.spec.formFactor === 'sxm');
        const entry = firstPassthrough(vm)!;
        const modules = modulesOf(gpus);
        if (!modules) {
            const missing = gpus.filter(g => g.module === undefined);
            ctx.report({
                rule: FM008, severity: 'info', target: entry,
                message: `${list(missing.map(g => g.name))} of ${vm.name} ${missing.length > 1 ? 'have' : 'has'} no module id; Fabric Manager partitions name GPUs by module id (nvidia-smi -q, "Module ID").`,
                data: { vm: vm.name, gpus: missing.map(g => g.name) },
                related: missing.map(g => ({ target: g, message: `${g.name} (${host.name})` }))
            });
            continue;
        }
        if (!board) continue;
        const partition = partitionOf(board, modules);
        const named = gpus.map(g => `${g.name} (module ${g.module})`);
        if (!partition) {
            if (gpus.length < 2) continue;
            const sameSize = board.partitions.filter(p => p.modules.length === gpus.length);
            const fix = closestFreePartition(ctx.topology, vm, board, gpus.length);
            const listed = sameSize.length > 0 ? sameSize.map(p => `${p.id} {${p.modules.join(',')}}`).join(', ') : 'none';
            ctx.report({
                rule: FM001, severity: 'error', target: entry,
                message: `GPUs ${list(named)} of ${vm.name} (modules {${[...modules].sort((a, b) => a - b).join(',')}}) are not a Fabric Manager partition of ${board.name}; NVLink will be unavailable. Partitions of size ${gpus.length}: ${listed}.`
                    + (fix ? ` Partition ${fix.partition.id} (${list(fix.gpus.map(g => g.name))}) is free.` : '')
                    + TABLE_NOTE,
                data: fix ? { vm: vm.name, partition: fix.partition.id, gpus: fix.gpus.map(g => g.name) } : { vm: vm.name },
                fixes: fix && gpuListFix(ctx.resolved, vm, `Use Fabric Manager partition ${fix.partition.id} (${list(fix.gpus.map(g => g.name))})`, fix.gpus),
                related: gpus.map(g => ({ target: g, message: `${g.name}: module ${g.module}, NUMA ${g.numa}` }))
            });
            continue;
        }
        // Partitions are per host (one Fabric Manager per HGX board): VMs of other hosts never clash.
        const clash = used.find(u => u.vm.host === host && u.partition.modules.some(m => partition.modules.includes(m)));
        if (clash) {
            const shared = partition.modules.filter(m => clash.partition.modules.includes(m));
            ctx.report({
                rule: FM002, severity: 'error', target: entry,
                message: `Partitions ${clash.partition.id} (${clash.vm.name}) and ${partition.id} (${vm.name}) share GPU module${shared.length > 1 ? 's' : ''} ${list(shared)}; they cannot be active together.${TABLE_NOTE}`,
                data: { vm: vm.name, partition: partition.id, other: clash.vm.name, otherPartition: clash.partition.id },
                related: [{ target: clash.vm, message: `${clash.vm.name} uses partition ${clash.partition.id}` }]
            });
        }
        used.push({ vm, partition, gpus });
    }
}

/** The VM's `nvswitch … passthrough` clauses. */
function nvswitchClauses(ctx: RuleContext, vm: VmModel) {
    const node = astOf(ctx.resolved, vm);
    return node && 'nvswitches' in node ? (node.nvswitches as unknown[]).filter(isNvSwitchAssignment) : [];
}

/** A name for a new service VM of `host`: `{host}-fm`, with a number when taken. */
function serviceVmName(ctx: RuleContext, host: HostModel): string {
    const taken = new Set(ctx.resolved.topology.declarations.map(d => d.name.toLowerCase()));
    let name = `${host.name}-fm`;
    for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${host.name}-fm${k}`;
    return name;
}

/** FM003's fix: the NVSwitch leaves the tenant's clause and joins the service VM's (same document only). */
function moveToService(ctx: RuleContext, entry: VmNvSwitch, service: VmModel | undefined): FixData[] {
    const where = ctx.resolved.trace.get(entry);
    const serviceNode = astOf(ctx.resolved, service);
    if (!where || !service || !serviceNode) return [];
    const fix = combine(`Move ${entry.nvswitch.name} to ${service.name}`, [
        removeReference(where.node, 'nvswitches', where.index ?? 0),
        addToVm(serviceNode, nvswitchClauses(ctx, service), 'nvswitches', 'nvswitch', [entry.nvswitch.name])
    ]);
    return fix ? [fix] : [];
}

/** FM003, FM004, FM005, FM006: NVSwitch ownership and the service VM in shared-NVSwitch mode. */
function checkServiceVm(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        if (host.fabricManager !== 'shared-nvswitch') continue;
        const vms = vmsOnHost(ctx.topology, host);
        const services = vms.filter(v => v.fabricManagerService);
        const service = services[0];
        const all = nvswitchesOf(host);
        for (const vm of vms) {
            if (vm.fabricManagerService) continue;
            for (const entry of vm.nvswitches) {
                ctx.report({
                    rule: FM003, severity: 'error', target: entry,
                    message: `${entry.nvswitch.name} is passed to ${vm.name}; in shared NVSwitch mode NVSwitches go only to the Fabric Manager service VM${service ? ` (${service.name})` : ''}.`,
                    data: { vm: vm.name, nvswitch: entry.nvswitch.name, service: service?.name },
                    fixes: moveToService(ctx, entry, service),
                    related: service ? [{ target: service, message: `${service.name} is the Fabric Manager service VM of ${host.name}` }] : []
                });
            }
        }
        const tenants = vms.filter(v => isTenant(v) && passthroughGpus(v).length >= 2);
        if (!service) {
            if (tenants.length === 0) continue;
            for (const vm of tenants) {
                ctx.report({
                    rule: FM004, severity: 'error', target: firstPassthrough(vm)!,
                    message: `${host.name} is in shared NVSwitch mode but has no Fabric Manager service VM; ${vm.name}'s ${passthroughGpus(vm).length} GPUs get no NVLink until a service VM owns all ${all.length} NVSwitches (${list(all.map(s => s.name)) || 'none declared'}).`,
                    data: { vm: vm.name, host: host.name, nvswitches: all.map(s => s.name) },
                    fixes: createService(ctx, vm, host, all),
                    related: all.map(s => ({ target: s, message: `NVSwitch ${s.name}` }))
                });
            }
        } else {
            const owned = new Set(service.nvswitches.map(e => e.nvswitch));
            const missing = all.filter(s => !owned.has(s));
            const board = hostBoard(host);
            if (missing.length > 0) {
                ctx.report({
                    rule: FM004, severity: 'error', target: service, property: 'name',
                    message: `Service VM ${service.name} must own all ${all.length} NVSwitches of ${host.name}${board ? ` (${board.name}: ${board.nvswitches})` : ''}; missing ${list(missing.map(s => s.name))}.`,
                    data: { vm: service.name, host: host.name, nvswitches: missing.map(s => s.name) },
                    // Not when another VM holds one of them (FM003 moves it; adding it here would be GEN001).
                    fixes: [vms.some(v => v !== service && v.nvswitches.some(e => missing.includes(e.nvswitch))) ? undefined : combine(`Give ${list(missing.map(s => s.name))} to ${service.name}`,
                        [addToVm(astOf(ctx.resolved, service)!, nvswitchClauses(ctx, service), 'nvswitches', 'nvswitch', missing.map(s => s.name))])],
                    related: missing.map(s => ({ target: s, message: `NVSwitch ${s.name}` }))
                });
            }
            for (const extra of services.slice(1)) {
                ctx.report({
                    rule: FM004, severity: 'error', target: extra, property: 'name',
                    message: `${host.name} has more than one Fabric Manager service VM (${nameList(services.slice(0, MAX_NAMED).map(s => s.name), { total: services.length })}); one service VM owns all NVSwitches.`,
                    data: { vm: extra.name },
                    related: [{ target: service, message: `${service.name} is the first service VM` }]
                });
            }
            const held = [...new Set([...service.gpus.map(g => g.gpu.name), ...service.nics.map(n => n.nic.name)])];
            if (held.length > 0) {
                ctx.report({
                    rule: FM005, severity: 'warning', target: service, property: 'name',
                    message: `The Fabric Manager service VM ${service.name} should hold only NVSwitches; it also holds ${list(held)}.`,
                    data: { vm: service.name }
                });
            }
            if (service.fabricManagerVersion) {
                for (const vm of tenants) {
                    if (!vm.guestDriver || vm.guestDriver === service.fabricManagerVersion) continue;
                    ctx.report({
                        rule: FM006, severity: 'error', target: vm, property: 'guestDriver',
                        message: `Fabric Manager ${service.fabricManagerVersion} (${service.name}) does not match guest driver ${vm.guestDriver} of ${vm.name}; in shared NVSwitch mode they must be the same version (secondary sources).`,
                        data: { vm: vm.name, version: service.fabricManagerVersion },
                        fixes: [combine(`Use driver ${service.fabricManagerVersion} in ${vm.name}`,
                            [replaceProperty(astOf(ctx.resolved, vm)!, 'guestDriver', `"${service.fabricManagerVersion}"`)])],
                        related: [{ target: service, property: 'fmVersion', message: `Fabric Manager version of ${service.name}` }]
                    });
                }
            }
        }
    }
}

/** FM004's fix without a service VM: a new VM at the end of the tenant's document that owns every NVSwitch. */
function createService(ctx: RuleContext, tenant: VmModel, host: HostModel, nvswitches: readonly NvSwitchModel[]): FixData[] {
    const node = astOf(ctx.resolved, tenant);
    if (!node || nvswitches.length === 0) return [];
    const name = serviceVmName(ctx, host);
    const text = `/** Fabric Manager service VM of ${host.name}: owns the NVSwitches, activates the tenants' partitions. */
`
        + `vm ${name} on ${host.name} {
    vcpus 2
    memory 8 GiB
    fabric-manager service
`
        + `    nvswitch ${nvswitches.map(s => s.name).join(', ')} passthrough
}
`;
    const fix = combine(`Create Fabric Manager service VM ${name} with ${list(nvswitches.map(s => s.name))}`, [appendToDocument(node, text)]);
    return fix ? [fix] : [];
}

/** FM007: full-passthrough mode needs the whole board in the VM with the NVSwitches. */
function checkFullPassthrough(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        if (host.fabricManager !== 'full-passthrough') continue;
        const boardGpus = host.devices.filter((d): d is GpuModel => d.kind === 'gpu' && d.spec.formFactor === 'sxm');
        const all = nvswitchesOf(host);
        for (const vm of vmsOnHost(ctx.topology, host)) {
            const gpus = new Set(passthroughGpus(vm));
            const switches = new Set(vm.nvswitches.map(e => e.nvswitch));
            const missingGpus = boardGpus.filter(g => !gpus.has(g));
            const missingSwitches = all.filter(s => !switches.has(s));
            if (switches.size > 0 && (missingGpus.length > 0 || missingSwitches.length > 0)) {
                const missing = [...missingGpus, ...missingSwitches].map(d => d.name);
                ctx.report({
                    rule: FM007, severity: 'error', target: vm.nvswitches[0],
                    message: `In full-passthrough mode a VM with NVSwitches must own all ${boardGpus.length} GPUs and ${all.length} NVSwitches of ${host.name}; ${vm.name} lacks ${list(missing)}.`,
                    data: { vm: vm.name, missing },
                    related: [...missingGpus, ...missingSwitches].map(d => ({ target: d, message: `${d.name} is not in ${vm.name}` }))
                });
            } else if (switches.size === 0 && vm.p2p && gpus.size >= 2 && [...gpus].some(g => g.spec.formFactor === 'sxm')) {
                ctx.report({
                    rule: FM007, severity: 'error', target: firstPassthrough(vm)!,
                    message: `${vm.name} expects P2P between its ${gpus.size} GPUs, but in full-passthrough mode a VM without the ${all.length} NVSwitches of ${host.name} has no NVLink.`,
                    data: { vm: vm.name }
                });
            }
        }
    }
}

export const FM: RuleFamily = {
    rules: [FM001, FM002, FM003, FM004, FM005, FM006, FM007, FM008],
    checks: [
        { rules: [FM001, FM002, FM008], run: checkPartitions },
        { rules: [FM003, FM004, FM005, FM006], run: checkServiceVm },
        { rules: [FM007], run: checkFullPassthrough }
    ]
};
