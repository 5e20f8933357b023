/**
 * cloud-hypervisor export (`cloud-hypervisor` JSON and `cloud-hypervisor-cli` script, one writer,
 * language/src/features/export/cloud-hypervisor.ts): every VM of the HGX example gives a `VmConfig`
 * that cloud-hypervisor's own OpenAPI schema accepts, a script whose command line — parsed back here,
 * independently of the writer — says exactly what the JSON says, and both carry the guest plan's facts:
 * devices, NUMA cells, CPU sets, memory per cell.
 */
import { describe, it, expect } from 'vitest';
import { ExportError, exportFileName, exportVm } from '../../../language/src/features/export/index.js';
import { planGuestAddresses, type GuestPlan } from '../../../language/src/model/guest-plan.js';
import { formatBdf } from '../../../language/src/syntax/tokens.js';
import { ESXI_HOST } from '../../support/fixtures.js';
import { expectGolden } from '../../support/golden.js';
import { ajvErrors, chvValidators } from '../../support/platform-schemas.js';
import { chvFacts, parseChvScript as parseScript } from '../../support/platform-files.js';
import { build, describeWithReference, readRepoFile } from '../../support/util.js';
import { exampleVms, HGX_EXAMPLE as EXAMPLE, HGX_VM_NAMES as NAMES } from '../../support/example-vms.js';

const GIB = 1024 ** 3;
const { vm } = exampleVms(EXAMPLE, 'errors');
const json = (name: string) => JSON.parse(exportVm(vm(name), 'cloud-hypervisor')) as Record<string, any>;

describeWithReference(`every VM of ${EXAMPLE}: cloud-hypervisor's OpenAPI schema`, () => {
    for (const name of NAMES) {
        it(`${name}: the VmConfig is valid (as published, and with unknown keys refused)`, () => {
            const v = chvValidators()!;
            const config = json(name);
            expect(v.vmConfig(config), ajvErrors(v.vmConfig).join('\n')).toBe(true);
            expect(v.vmConfigClosed(config), ajvErrors(v.vmConfigClosed).join('\n')).toBe(true);
        });
    }

    it('refuses a broken VmConfig (the check has teeth)', () => {
        const v = chvValidators()!;
        const config = json('train-a');
        expect(v.vmConfig({ ...config, memory: { ...config.memory, size: '0' } })).toBe(false);
        expect(v.vmConfig({ ...config, devices: [{ ...config.devices[0], pci_segment: 70000 }] })).toBe(false); // int16
        const noPayload = { ...config };
        delete noPayload.payload;
        expect(v.vmConfig(noPayload)).toBe(false);
        expect(v.vmConfigClosed({ ...config, numa: [{ ...config.numa[0], memory_zone: ['mem0'] }] })).toBe(false);
    });
});

describe(`every VM of ${EXAMPLE}: the command line and the JSON`, () => {
    for (const name of NAMES) {
        it(`${name}: the script's options parse back into the JSON's VmConfig, and both match their golden files`, () => {
            const script = exportVm(vm(name), 'cloud-hypervisor-cli');
            const text = exportVm(vm(name), 'cloud-hypervisor');
            expect(parseScript(script).config).toEqual(JSON.parse(text));
            expectGolden(exportFileName(name, 'cloud-hypervisor'), text);
            expectGolden(exportFileName(name, 'cloud-hypervisor-cli'), script);
        });
    }

    for (const name of NAMES) {
        it(`${name}: carries the guest plan's devices, NUMA cells, CPU sets and memory per cell`, () => {
            const plan: GuestPlan = planGuestAddresses(vm(name));
            const c = json(name);
            const facts = chvFacts(c);
            expect(facts.cells).toEqual(plan.cells.map(cell => ({
                vcpus: cell.vcpus, memoryMiB: cell.memoryMiB, ...(plan.bindMemory ? { hostNodes: [cell.memoryNodes[0]] } : {})
            })));
            expect(facts.vcpuPins).toEqual(plan.vcpuPins);
            expect(facts.memoryMiB).toBe(vm(name).memoryMiB);
            expect(facts.devices).toEqual(plan.devices.map(d => (d.mdev ? `mdev:${d.mdev.uuid}` : `pci:${formatBdf(d.hostAddress!)}`)));
            expect(chvFacts(parseScript(exportVm(vm(name), 'cloud-hypervisor-cli')).config)).toEqual(facts);
            // each device's segment belongs to the guest cell of its host node's expander
            for (const d of c.devices ?? []) {
                const device = plan.devices.find(p => p.name === d.id)!;
                const cell = plan.expanders.find(x => x.hostNode === device.location.numa)!.cell;
                expect(c.numa.find((n: any) => n.guest_numa_id === cell).pci_segments).toContain(d.pci_segment);
            }
        });
    }
});

describe('train-a: 4 × H200 + 4 ConnectX-7 on NUMA 0, 96 vCPUs on 48 cores, 768 GiB of 1 GiB pages', () => {
    it('pins each vCPU to one host CPU, SMT pairs on sibling threads (topology 2 threads × 48 cores)', () => {
        const c = json('train-a');
        expect(c.cpus).toMatchObject({ boot_vcpus: 96, max_vcpus: 96, topology: { threads_per_core: 2, cores_per_die: 48, dies_per_package: 1, packages: 1 } });
        expect(c.cpus.affinity.slice(0, 3)).toEqual([{ vcpu: 0, host_cpus: [8] }, { vcpu: 1, host_cpus: [136] }, { vcpu: 2, host_cpus: [9] }]);
    });

    it('binds one 768 GiB zone of 1 GiB hugepages to host node 0, and the guest\'s memory size is 0 (zones only)', () => {
        const c = json('train-a');
        expect(c.memory).toEqual({ size: 0, zones: [{ id: 'mem0', size: 768 * GIB, host_numa_node: 0, hugepages: true, hugepage_size: GIB }] });
        expect(c.numa).toEqual([{ guest_numa_id: 0, cpus: Array.from({ length: 96 }, (_, i) => i), memory_zones: ['mem0'], pci_segments: [1] }]);
    });

    it('puts the eight devices on PCI segment 1 of guest node 0, which gets the 64-bit aperture by the GPUs\' 2048 GiB', () => {
        const c = json('train-a');
        expect(c.platform).toEqual({ num_pci_segments: 2 });
        expect(c.pci_segments).toEqual([{ pci_segment: 1, mmio64_aperture_weight: 2048 }]);
        expect(c.devices.map((d: any) => [d.id, d.path, d.pci_segment])).toEqual([
            ['gpu0', '/sys/bus/pci/devices/0000:19:00.0/', 1], ['gpu1', '/sys/bus/pci/devices/0000:3b:00.0/', 1],
            ['gpu2', '/sys/bus/pci/devices/0000:4c:00.0/', 1], ['gpu3', '/sys/bus/pci/devices/0000:5d:00.0/', 1],
            ['mlx5_3', '/sys/bus/pci/devices/0000:1a:00.0/', 1], ['mlx5_5', '/sys/bus/pci/devices/0000:3c:00.0/', 1],
            ['mlx5_4', '/sys/bus/pci/devices/0000:4d:00.0/', 1], ['mlx5_2', '/sys/bus/pci/devices/0000:5f:00.0/', 1]
        ]);
    });

    it('runs cloud-hypervisor under taskset on the emulator CPUs, passing the user\'s own arguments on', () => {
        const script = exportVm(vm('train-a'), 'cloud-hypervisor-cli');
        expect(script.startsWith('#!/bin/bash\n')).toBe(true);
        expect(parseScript(script).exec).toBe('taskset -c 0-1,128-129 cloud-hypervisor "${args[@]}" "$@"');
        expect(script).toContain('# cloud-hypervisor cannot express:');
    });
});

describe('vGPUs, VFs, unpinned VMs', () => {
    it('tenant-c: the MIG-backed vGPU is its mediated device, the VF its own PCI function, both on node 1\'s segment', () => {
        const c = json('tenant-c');
        const plan = planGuestAddresses(vm('tenant-c'));
        expect(c.devices).toEqual([
            { path: `/sys/bus/mdev/devices/${plan.devices[0].mdev!.uuid}/`, id: 'gpu6-vgpu', pci_segment: 1 },
            { path: '/sys/bus/pci/devices/0000:cc:00.1/', id: 'mlx5_8-vf0', pci_segment: 1 }
        ]);
        expect(c.memory.zones[0].host_numa_node).toBe(1);
        expect(exportVm(vm('tenant-c'), 'cloud-hypervisor-cli')).toContain(`mdevctl start -u ${plan.devices[0].mdev!.uuid} -p 0000:cb:00.4`);
    });

    it('a vGPU delivered as a VF (vgpu-delivery vfio) is the VF\'s PCI device', async () => {
        const host = ESXI_HOST.replace('host e {', 'host h {').replace('platform esxi', 'platform kvm\n    vgpu-delivery vfio');
        const ws = await build(`${host}\nvm t on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 vgpu gpu0 "H200X-70C" license nvaie }\n`);
        expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        const c = JSON.parse(exportVm(ws.resolved().topology.vms[0], 'cloud-hypervisor'));
        expect(c.devices).toEqual([{ path: '/sys/bus/pci/devices/0000:11:00.4/', id: 'gpu0-vgpu', pci_segment: 1 }]);
        expect(exportVm(ws.resolved().topology.vms[0], 'cloud-hypervisor-cli')).toContain('0000:11:00.4/nvidia/current_vgpu_type');
    });

    it('an unpinned VM without NUMA binding gets no affinity and no host node, and no taskset', async () => {
        const text = readRepoFile(EXAMPLE).split('\nvm ')[0] + '\nvm free on sprocket {\n    vcpus 4\n    memory 16 GiB\n}\n';
        const ws = await build(text);
        const free = ws.resolved().topology.vms.find(v => v.name === 'free')!;
        const c = JSON.parse(exportVm(free, 'cloud-hypervisor'));
        expect(c.cpus.affinity).toBeUndefined();
        expect(c.memory.zones).toEqual([{ id: 'mem0', size: 16 * GIB }]);
        expect(c.devices).toBeUndefined();
        expect(parseScript(exportVm(free, 'cloud-hypervisor-cli')).exec).toBe('cloud-hypervisor "${args[@]}" "$@"');
    });

    it('refuses a VM on an ESXi host, saying why', async () => {
        const ws = await build(`${ESXI_HOST}\nvm x on e { vcpus 2 pin 0,16 memory 16 GiB on numa 0 reserve all }`);
        const esxi = ws.resolved().topology.vms[0];
        for (const format of ['cloud-hypervisor', 'cloud-hypervisor-cli'] as const) {
            expect(() => exportVm(esxi, format)).toThrow(ExportError);
            expect(() => exportVm(esxi, format)).toThrow(/x runs on ESXi host e; cloud-hypervisor files are only exported for VMs on KVM hosts/);
        }
    });
});
