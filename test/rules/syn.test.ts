/**
 * Located errors for vmtopo's value tokens (PCI addresses, CPU lists, sizes, link widths), catalog
 * models, references and names, and linking across the files of one workspace.
 */
import { describe, it, expect } from 'vitest';
import { build, buildWorkspace, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

/** The one error of a document, with its start position. */
async function onlyError(text: string) {
    const errors = (await build(text)).diagnostics().filter(d => d.severity === Severity.error);
    expect(errors).toHaveLength(1);
    return errors[0];
}

describe('token errors are located on the token', () => {
    it('a BDF without function: 0000:18:00', async () => {
        const text = HOST.replace('gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0', 'gpu gpu0 "H200 SXM5 141GB" at 0000:18:00');
        const d = await onlyError(text);
        expect(d.code).toBe('SYN001');
        expect(d.message).toMatch(/^0000:18:00 is not a PCI address: expected dddd:bb:dd\.f/);
        expect(d.range.start).toEqual(at(text, '0000:18:00'));
        expect(d.range.end).toEqual({ ...d.range.start, character: d.range.start.character + '0000:18:00'.length });
    });

    it('SYN011: a switch pci-id that is not vendor:device hex, and the nearest one that is', async () => {
        const text = HOST.replace(/(pcie-switch \S+ at \S+)/, '$1 pci-id "1000:c03"');
        const d = await onlyError(text);
        expect(d.code).toBe('SYN011');
        expect(d.message).toBe('pci-id "1000:c03" is not vendor:device in hex (e.g. "1000:c030"), optionally followed by the subsystem ids ("1000:c030 1000:0072").');
        expect(d.range.start).toEqual(at(text, '"1000:c03"'));
        const good = HOST.replace(/(pcie-switch \S+ at \S+)/, '$1 pci-id "1000:c030 1000:0072"');
        expect(withCode((await build(good)).diagnostics(), 'SYN011')).toEqual([]);
    });

    it('a CPU list with a descending range', async () => {
        const text = HOST + `
vm a on h {
    vcpus 3 pin 4-2
    memory 8 GiB on numa 0
}
`;
        const d = await onlyError(text);
        expect(d.code).toBe('SYN002');
        expect(d.message).toContain('4-2 is not a CPU list');
        expect(d.range.start).toEqual(at(text, '4-2'));
    });

    it('a decimal size unit: 64 GB', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GB on numa 0
}
`;
        const d = await onlyError(text);
        expect(d.code).toBe('SYN003');
        expect(d.message).toContain("'GB' is not a vmtopo size unit; write GiB");
        const unit = at(text, '64 GB');
        expect(d.range.start).toEqual({ line: unit.line, character: unit.character + '64 '.length });
    });

    it('a PCIe link width that does not exist: x3', async () => {
        const text = HOST.replace('pcie-switch sw0 at 0000:10:00.0 on cpu0', 'pcie-switch sw0 at 0000:10:00.0 on cpu0 link 32 GT/s x3');
        const d = await onlyError(text);
        expect(d.code).toBe('SYN004');
        expect(d.message).toContain('x3 is not a PCIe link width');
        expect(d.range.start).toEqual(at(text, 'x3'));
    });

    it('an unknown GPU model lists the known ones', async () => {
        const text = HOST.replace('gpu gpu3 "H200 SXM5 141GB"', 'gpu gpu3 "H300 SXM"');
        const d = await onlyError(text);
        expect(d.code).toBe('CAT001');
        expect(d.message).toMatch(/^Unknown GPU model "H300 SXM"\. Known: .*H200 SXM5 141GB/);
        expect(d.message).toContain('H100 SXM5 80GB');
        expect(d.range.start).toEqual(at(text, '"H300 SXM"'));
    });
});

describe('references and names', () => {
    it('an unresolved device reference is a linking error on the name', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    gpu gpuX passthrough
}
`;
        const d = await onlyError(text);
        expect(d.message).toContain("Could not resolve reference to Gpu named 'gpuX'");
        expect(d.range.start).toEqual(at(text, 'gpuX'));
    });

    it("a device name resolves among the devices of the VM's own host", async () => {
        const text = HOST + HOST.replace('host h {', 'host h2 {') + `
vm a on h2 {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.severity === Severity.error)).toEqual([]);
        expect(ws.resolved().topology.vms[0].gpus[0].gpu.host.name).toBe('h2');
    });

    it('duplicate names are errors on the second name', async () => {
        const text = HOST.replace('gpu gpu1 "H200 SXM5 141GB"', 'gpu gpu0 "H200 SXM5 141GB"');
        const found = withCode((await build(text)).diagnostics(), 'SYN005');
        expect(found).toHaveLength(1);
        expect(found[0].message).toContain("Duplicate name 'gpu0'");
        expect(found[0].range.start).toEqual(at(text, 'gpu0', 1));
    });
});

describe('several files link to each other', () => {
    const VM_A = `vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    gpu gpu0 passthrough
}
`;
    const VM_B = `vm b on h {
    vcpus 2 pin 1,17
    memory 8 GiB on numa 0
    gpu gpu0 passthrough
}
`;

    it('VMs in one file resolve the host and its devices of another', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST, 'vms.vmtopo': VM_A });
        expect(ws.diagnostics('hosts.vmtopo')).toEqual([]);
        expect(ws.diagnostics('vms.vmtopo')).toEqual([]);
        const [vm] = ws.resolved().topology.vms;
        expect(vm.host.name).toBe('h');
        expect(vm.gpus.map(g => `${g.mode} ${g.gpu.name} NUMA ${g.gpu.numa}`)).toEqual(['passthrough gpu0 NUMA 0']);
    });

    it('a rule sees VMs of every file: GEN001 for gpu0 given in two files, reported in the later one', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST, 'team-a.vmtopo': VM_A, 'team-b.vmtopo': VM_B });
        expect(ws.diagnostics('team-a.vmtopo')).toEqual([]);
        const found = withCode(ws.diagnostics('team-b.vmtopo'), 'GEN001');
        expect(found).toHaveLength(1);
        expect(found[0].message).toBe('gpu0 is assigned to both a and b; a VFIO device belongs to one VM at a time.');
        expect(found[0].range.start).toEqual(at(VM_B, 'gpu0'));
    });
});
