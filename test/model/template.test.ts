/**
 * Host templates: `host-template NAME { … }` and `host NAME from TEMPLATE { … }` with overrides,
 * across files; errors inside a template are reported once, at the template, with the hosts made
 * from it as related information; the exports of a templated host equal those of the same host
 * written out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { templateFleet } from '../../bench/harness.js';
import { exportVm } from '../../language/src/features/export/index.js';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { buildWorkspace } from '../support/util.js';

const TEMPLATE = `
host-template hgx {
    platform kvm
    cpu "Xeon Platinum 8480+"
    socket cpu0 { numa 0  cores 0-55,112-167   memory 1024 GiB }
    socket cpu1 { numa 1  cores 56-111,168-223 memory 1024 GiB }
    pcie-switch sw0 at 0000:16:00.0 on cpu0 link 32 GT/s x16 pci-id "1000:c030 1000:0072" {
        gpu gpu0 "H100 SXM5 80GB" at 0000:19:00.0 module 1
        nic mlx5_0 "ConnectX-7" at 0000:1a:00.0 speed 400 Gb/s
    }
    pcie-switch sw1 at 0000:98:00.0 on cpu1 link 32 GT/s x16 {
        gpu gpu1 "H100 SXM5 80GB" at 0000:99:00.0 module 2
        nic mlx5_1 "ConnectX-7" at 0000:9a:00.0 speed 400 Gb/s
    }
}
`;

/** node02 as the template expands it with its overrides, written out by hand. */
const WRITTEN_OUT = `
host node02 {
    platform kvm
    cpu "Xeon Platinum 8480+"
    license nvaie
    socket cpu0 { numa 0  cores 0-55,112-167   memory 1024 GiB }
    socket cpu1 { numa 1  cores 56-111,168-223 memory 1024 GiB }
    pcie-switch sw0 at 0000:16:00.0 on cpu0 link 32 GT/s x16 pci-id "1000:c030 1000:0072" {
        gpu gpu0 "H100 SXM5 80GB" at 0000:19:00.0 module 1
        nic mlx5_0 "ConnectX-7" at 0000:1a:00.0 speed 400 Gb/s
    }
    pcie-switch sw1 at 0000:98:00.0 on cpu1 link 32 GT/s x16 {
        gpu gpu1 "H100 SXM5 80GB" at 0000:99:00.0 module 2
        nic mlx5_1 "ConnectX-7" at 0000:9a:00.0 speed 400 Gb/s vfs 8
    }
}
`;

const VMS = `
vm train on node02 {
    vcpus 8 pin 2-5,114-117
    emulator pin 0,112
    memory 64 GiB on numa 0 hugepages 1 GiB
    gpu gpu0 passthrough
    nic mlx5_0 passthrough
    mmio 256 GiB
}
vm tenant on node02 {
    vcpus 4 pin 60-61,172-173
    memory 32 GiB on numa 1
    gpu gpu1 passthrough
    nic mlx5_1 vf 3
    mmio 256 GiB
}
`;

/** node01 plain; node02 overrides a NIC's VF count (inside a template switch) and adds a licence. */
const HOSTS = `
host node01 from hgx { }
host node02 from hgx {
    license nvaie
    nic mlx5_1 "ConnectX-7" at 0000:9a:00.0 speed 400 Gb/s vfs 8
}
`;

describe('host templates', () => {
    it('expands each host from the template, across files, with its overrides', async () => {
        const ws = await buildWorkspace({ 'fleet.vmtopo': HOSTS, 'templates.vmtopo': TEMPLATE, 'vms.vmtopo': VMS });
        for (const file of ['fleet.vmtopo', 'templates.vmtopo', 'vms.vmtopo']) {
            expect(ws.diagnostics(file).filter(d => d.severity === 1).map(d => `${file}: ${String(d.code)} ${messageText(d)}`)).toEqual([]);
        }
        const { hosts, vms } = ws.resolved().topology;
        expect(hosts.map(h => h.name)).toEqual(['node01', 'node02']);
        const [n1, n2] = hosts;
        expect(n1.devices.map(d => d.name)).toEqual(n2.devices.map(d => d.name));
        expect(n1.devices.map(d => d.name).sort()).toEqual(['gpu0', 'gpu1', 'mlx5_0', 'mlx5_1']);
        const vfs = (h: typeof n1) => h.devices.find(d => d.name === 'mlx5_1' && d.kind === 'nic') as { vfs: number; parentSwitch?: { name: string } };
        expect(vfs(n1).vfs).toBe(0);
        expect(vfs(n2).vfs).toBe(8);
        expect(vfs(n2).parentSwitch?.name).toBe('sw1'); // the override stays where the template has the NIC
        expect(n1.license).toBeUndefined();
        expect(n2.license).toBe('nvaie');
        expect(n1.cpu?.model).toBe('Xeon Platinum 8480+');
        expect(n1.switches[0].pciId).toEqual({ vendor: '1000', device: 'c030', subsystemVendor: '1000', subsystemDevice: '0072' });
        // Each host has its own device models: the VMs get node02's, not node01's.
        expect(vms.map(v => v.gpus[0].gpu.host.name)).toEqual(['node02', 'node02']);
    });

    it('exports of a templated host equal those of the same host written out', async () => {
        const templated = await buildWorkspace({ 'fleet.vmtopo': `${TEMPLATE}${HOSTS}${VMS}` });
        const written = await buildWorkspace({ 'fleet.vmtopo': `${WRITTEN_OUT}${VMS}` });
        for (const ws of [templated, written]) expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        for (const name of ['train', 'tenant']) {
            const a = templated.resolved().topology.vms.find(v => v.name === name)!;
            const b = written.resolved().topology.vms.find(v => v.name === name)!;
            for (const format of ['libvirt', 'nccl'] as const) expect(exportVm(a, format)).toBe(exportVm(b, format));
        }
    });

    it('reports an error inside a template once, at the template, naming the hosts made from it', async () => {
        // gpu1 at mlx5_0's address: wrong in every host made from the template (node02 overrides mlx5_1 only).
        const broken = TEMPLATE.replace('gpu gpu1 "H100 SXM5 80GB" at 0000:99:00.0', 'gpu gpu1 "H100 SXM5 80GB" at 0000:1a:00.0');
        const ws = await buildWorkspace({ 'templates.vmtopo': broken, 'fleet.vmtopo': HOSTS });
        const inTemplate = ws.diagnostics('templates.vmtopo').filter(d => d.code === 'HOST001');
        // HOST001 on both functions at 0000:1a:00.0, once each (not once per host).
        expect(inTemplate).toHaveLength(2);
        for (const d of inTemplate) {
            const hosts = (d.relatedInformation ?? []).filter(r => /made from this template/.test(String(r.message))).map(r => r.message);
            expect(hosts).toEqual(['in host node01, made from this template', 'in host node02, made from this template']);
            expect(d.relatedInformation!.every(r => typeof r.location.uri === 'string')).toBe(true);
        }
        expect(ws.diagnostics('fleet.vmtopo').filter(d => d.severity === 1)).toEqual([]);
    });

    it('a host override of the broken part is checked as the host\'s own: only the hosts keeping the template part are named', async () => {
        const broken = TEMPLATE.replace('nic mlx5_1 "ConnectX-7" at 0000:9a:00.0', 'nic mlx5_1 "ConnectX-7" at 0000:99:00.0');
        const ws = await buildWorkspace({ 'templates.vmtopo': broken, 'fleet.vmtopo': HOSTS });
        const related = ws.diagnostics('templates.vmtopo').filter(d => d.code === 'HOST001')
            .flatMap(d => (d.relatedInformation ?? []).map(r => String(r.message)).filter(m => /made from/.test(m)));
        expect([...new Set(related)]).toEqual(['in host node01, made from this template']);
    });

    it('hover: a templated host names its template and what it expands to; the template names its hosts', async () => {
        const ws = await buildWorkspace({ 'fleet.vmtopo': HOSTS, 'templates.vmtopo': TEMPLATE });
        const hover = async (file: string, text: string, word: string) => {
            const doc = ws.documents[file === 'fleet.vmtopo' ? 0 : 1];
            const result = await ws.services.vmtopo.lsp.HoverProvider!.getHoverContent(doc, {
                textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf(word) + 1)
            });
            return JSON.stringify(result?.contents ?? '');
        };
        expect(await hover('fleet.vmtopo', HOSTS, 'node02')).toContain('Made from template `hgx`: 2 GPUs, 2 NICs, 0 NVSwitches, 2 PCIe switches, 2 NUMA nodes');
        expect(await hover('templates.vmtopo', TEMPLATE, 'hgx')).toContain('Hosts made from this template (2): `node01`, `node02`');
    });

    it('the benchmark\'s 64-host fleet written with one template checks clean, every host and VM resolved', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-template-fleet-'));
        try {
            const t = await templateFleet(dir, 64);
            expect(t.check.results.flatMap(r => r.diagnostics).filter(d => d.severity === 1).map(d => d.message)).toEqual([]);
            expect([t.hosts, t.vms]).toEqual([64, 64]);
            const topology = t.check.services.vmtopo.model.TopologyProvider.get().topology;
            expect(topology.hosts.map(h => h.devices.length)).toEqual(new Array(64).fill(16));
            const vfs = topology.hosts.map(h => h.devices.find(d => d.name === 'mlx5_7' && d.kind === 'nic') as { vfs: number });
            expect(vfs.filter(n => n.vfs === 8)).toHaveLength(7); // node000, node010, …, node060 override it
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('an unknown template is a linking error at the host', async () => {
        const ws = await buildWorkspace({ 'fleet.vmtopo': 'host node09 from nosuch { }\n' });
        expect(ws.diagnostics().some(d => d.severity === 1 && /nosuch/.test(messageText(d)))).toBe(true);
    });
});
