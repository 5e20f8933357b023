/**
 * GEN — device ownership: a PCI function belongs to one VM (GEN001; by PCI address, not by name), a
 * passed-through GPU hosts no slices (GEN002), and a GPU's slices share one sharing mode (GEN003).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { describe, it, expect } from 'vitest';
import { exportFiles } from '../../language/src/features/export/index.js';
import { ruleDocUrl } from '../../language/src/rules/engine/links.js';
import { ruleById } from '../../language/src/rules/index.js';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { build, buildWorkspace, withCode } from '../support/util.js';
import { ALIASES, HOST, Severity, at, pinnedVm, vmOnCpu } from '../support/fixtures.js';

const vm = pinnedVm;

describe('GEN001: a GPU or NIC PF is assigned to one VM only (a VF: SRIOV003)', () => {
    it('fires on the second VM that takes gpu0 by passthrough, naming both VMs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
}
vm b on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        const ws = await build(text);
        const found = withCode(ws.diagnostics(), 'GEN001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'gpu0 passthrough', 1));
        expect(found[0].message).toBe('gpu0 is assigned to both a and b; a VFIO device belongs to one VM at a time.');
        expect(found[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(found[0].code))!));
    });

    it('fires for a NIC PF given to two VMs; one VF index given to two VMs is SRIOV003', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
    nic nic0 passthrough
}
vm b on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    gpu gpu1 passthrough
    nic nic0 passthrough
}
vm c on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
    nic nic1 vf 2
}
vm d on h {
    vcpus 2 pin 9,25
    memory 16 GiB on numa 1
    gpu gpu3 passthrough
    nic nic1 vf 2
}
`;
        const diagnostics = (await build(text)).diagnostics();
        const found = withCode(diagnostics, 'GEN001');
        expect(found.map(d => d.message)).toEqual(['nic0 is assigned to both a and b; a VFIO device belongs to one VM at a time.']);
        expect(found[0].range.start).toEqual(at(text, 'nic0 passthrough', 1));
        const vf = withCode(diagnostics, 'SRIOV003');
        expect(vf.map(d => d.message)).toEqual(['VF 2 of nic1 (0000:93:00.3) is assigned to both c and d; a VFIO device belongs to one VM at a time.']);
        expect(vf[0].range.start).toEqual(at(text, 'nic1 vf 2', 1));
    });

    it('does not fire for different GPUs and different VFs of one PF', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
    nic nic1 vf 0
}
vm b on h {
    vcpus 2 pin 9,25
    memory 16 GiB on numa 1
    gpu gpu3 passthrough
    nic nic1 vf 1
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('GEN002: a passed-through GPU cannot also host vGPU/MIG slices', () => {
    it('fires on the slice, naming the GPU and the VM that owns it', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
}
vm t on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
`;
        const found = withCode((await build(text)).diagnostics(), 'GEN002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'gpu0 "H200X-1-18C"'));
        expect(found[0].message).toBe('gpu0 is passed through to a (owned by vfio-pci); it cannot also host vGPU/MIG slices (vGPU H200X-1-18C of t).');
    });

    it('does not fire when the slice is on another GPU', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
}
vm t on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    vgpu gpu1 "H200X-1-18C"
    license nvaie
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('GEN003: the slices of one GPU share one sharing mode', () => {
    it('fires when a time-sliced vGPU joins MIG-backed vGPUs on gpu2', async () => {
        const text = HOST + `
vm t1 on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    vgpu gpu2 "H200X-1-18C"
    license nvaie
}
vm t2 on h {
    vcpus 2 pin 9,25
    memory 16 GiB on numa 1
    vgpu gpu2 "H200X-4C"
    license nvaie
}
`;
        const found = withCode((await build(text)).diagnostics(), 'GEN003');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'gpu2 "H200X-4C"'));
        expect(found[0].message).toContain('gpu2 mixes MIG-backed vGPU (vGPU H200X-1-18C of t1) and time-sliced vGPU (vGPU H200X-4C of t2)');
    });

    it('does not fire for a MIG slice next to the MIG-backed vGPU of the same profile (one mode)', async () => {
        const text = HOST + `
vm t1 on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    vgpu gpu2 "H200X-1-18C"
    license nvaie
}
vm t2 on h {
    vcpus 2 pin 9,25
    memory 16 GiB on numa 1
    mig gpu2 "1g.18gb"
    license nvaie
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('GEN001: ownership by PCI address, not by name', () => {
    it('GEN001: two names for one GPU never reach two VMs', async () => {
        const vms = vmOnCpu('a', 0, '    gpu gpu0 passthrough\n') + vmOnCpu('b', 1, '    gpu gpu1 passthrough\n');
        const ws = await buildWorkspace({ 'hosts.vmtopo': ALIASES, 'vms.vmtopo': vms });
        const found = withCode(ws.diagnostics('vms.vmtopo'), 'GEN001');
        expect(found.map(d => d.message)).toEqual([
            'gpu1 is assigned to b, but its address 0000:11:00.0 is also gpu0, assigned to a; a VFIO device belongs to one VM at a time.'
        ]);
        expect(found[0].range.start).toEqual(at(vms, 'gpu1'));
        expect(withCode(ws.diagnostics('hosts.vmtopo'), 'HOST001')).toHaveLength(2);
    });

    it('GEN001: both names in one VM are one device taken twice; GEN002 sees a slice on the other name', async () => {
        const twice = vmOnCpu('a', 0, '    gpu gpu0, gpu1 passthrough\n');
        expect(withCode((await buildWorkspace({ 'hosts.vmtopo': ALIASES, 'vms.vmtopo': twice })).diagnostics('vms.vmtopo'), 'GEN001').map(d => d.message))
            .toEqual(['gpu1 is gpu0: both are PCI function 0000:11:00.0, assigned to a twice; a VFIO device belongs to one VM at a time.']);
        const slice = vmOnCpu('a', 0, '    gpu gpu0 passthrough\n') + vmOnCpu('b', 1, '    vgpu gpu1 "H200X-1-18C"\n    license nvaie\n');
        expect(withCode((await buildWorkspace({ 'hosts.vmtopo': ALIASES, 'vms.vmtopo': slice })).diagnostics('vms.vmtopo'), 'GEN002').map(d => d.message))
            .toEqual(['gpu1 (which is gpu0, 0000:11:00.0) is passed through to a (owned by vfio-pci); it cannot also host vGPU/MIG slices (vGPU H200X-1-18C of b).']);
    });

    it('GEN001 by address in the VM file (the aliases are in the host file) blocks exportFiles of the VM file', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-host-'));
        try {
            const hosts = path.join(dir, 'hosts.vmtopo');
            const vms = path.join(dir, 'vms.vmtopo');
            fs.writeFileSync(hosts, ALIASES);
            fs.writeFileSync(vms, vmOnCpu('a', 0, '    gpu gpu0 passthrough\n') + vmOnCpu('b', 1, '    gpu gpu1 passthrough\n'));
            // As in the editor: the whole folder is loaded, and one file is exported.
            const services = createVmtopoServices(NodeFileSystem);
            const documents = await Promise.all([hosts, vms].map(f => services.shared.workspace.LangiumDocuments.getOrCreateDocument(URI.file(f))));
            await services.shared.workspace.DocumentBuilder.build(documents, { validation: true });
            const result = await exportFiles(services, { files: [vms], format: 'libvirt' });
            expect(result.ok).toBe(false);
            expect(result.written).toEqual([]);
            expect(result.problems.join('\n')).toContain('error GEN001 gpu1 is assigned to b, but its address 0000:11:00.0 is also gpu0');
            expect(fs.readdirSync(dir).sort()).toEqual(['hosts.vmtopo', 'vms.vmtopo']);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('GEN002: relatedInformation', () => {
    it('GEN002 points at the passthrough', async () => {
        const text = HOST.replace('at 0000:12:00.0', 'at 0000:11:00.0') + vm('a', '    gpu gpu2 passthrough\n    nic nic1 passthrough', '8-9,24-25', '300 GiB on numa 1')
            + vm('b', '    vgpu gpu2 "H200X-141C"\n    nic nic1 vf 0\n    license nvaie', '10-11,26-27', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        expect(withCode(ds, 'GEN002')[0].relatedInformation?.map(r => r.message)).toEqual(['gpu2 passed through to a']);
    });
});
