/**
 * vGPU — time-sliced and MIG-backed vGPU types: VGPU001–VGPU005, VGPU007 (the MIG layout of
 * MIG-backed types), VGPU009–VGPU012, VGPU014–VGPU017, with their quick-fixes, on the fixture hosts
 * (`h`: KVM, `e`: ESXi; four H200 SXM5 141GB). Maxima from the vGPU type tables ([VGPU-HOPPER]:
 * H200X-141C ×1, -70C ×2, -35C ×4, …).
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { ESXI_HOST, HOST, Severity, at, vmWith } from '../support/fixtures.js';
import { actionsFor, fixes } from '../support/quick-fixes.js';

const vm = vmWith;
/** A VM `a` with 64 GiB on `host` (the quick-fix cases): {@link vmWith}. */
const vmOn = (host: string, clauses: string, extra = '') => vmWith(host, clauses, extra, 64);
const diagnostics = async (text: string) => (await build(text)).diagnostics();
/** The ESXi host with a version and (optionally) the four NVSwitches of an HGX board. */
function esxi(version: string, nvswitch = true): string {
    return ESXI_HOST.replace('platform esxi', `platform esxi ${version}`).replace('    nic nic2', nvswitch
        ? '    nvswitch nvs0 at 0000:05:00.0 on cpu0\n    nvswitch nvs1 at 0000:06:00.0 on cpu0\n    nic nic2' : '    nic nic2');
}

describe('VGPU002: equal-size maximum', () => {
    it('fires for two H200X-141C on gpu0 (at most 1), on the second', async () => {
        const text = vm(HOST, 'vgpu gpu0 "H200X-141C"\nvgpu gpu0 "H200X-141C"');
        const found = withCode(await diagnostics(text), 'VGPU002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '"H200X-141C"', 1));
        expect(found[0].message).toBe('2× H200X-141C on gpu0 (H200 SXM5 141GB): at most 1 in equal-size mode.');
    });
    it('fires for three H200X-70C (at most 2)', async () => {
        const found = withCode(await diagnostics(vm(HOST, 'vgpu gpu0, gpu0, gpu0 "H200X-70C"')), 'VGPU002');
        expect(found.map(d => d.message)).toEqual(['3× H200X-70C on gpu0 (H200 SXM5 141GB): at most 2 in equal-size mode.']);
    });
    it('fires once for five H200X-70C (at most 2), on the clause of the third, naming the VMs', async () => {
        const text = vm(HOST, 'vgpu gpu0, gpu0, gpu0, gpu0 "H200X-70C"') + `vm b on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    license nvaie
    vgpu gpu0 "H200X-70C"
}
`;
        const found = withCode(await diagnostics(text), 'VGPU002');
        expect(found.map(d => d.message)).toEqual(['5× H200X-70C on gpu0 (H200 SXM5 141GB): at most 2 in equal-size mode; VMs a, b.']);
        expect(found[0].range.start).toEqual(at(text, '"H200X-70C"'));
    });
    it('does not fire for two H200X-70C, or one H200X-141C on each of two GPUs', async () => {
        expect(await diagnostics(vm(HOST, 'vgpu gpu0, gpu0 "H200X-70C"'))).toEqual([]);
        expect(await diagnostics(vm(HOST, 'vgpu gpu0, gpu1 "H200X-141C"'))).toEqual([]);
    });
});

describe('VGPU003: one frame buffer in equal-size mode', () => {
    it('fires for H200X-28C beside H200X-35C', async () => {
        const text = vm(HOST, 'vgpu gpu0 "H200X-28C"\nvgpu gpu0 "H200X-35C"');
        const found = withCode(await diagnostics(text), 'VGPU003');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, '"H200X-35C"'));
        expect(found[0].message).toBe('All vGPUs on gpu0 must have the same frame buffer in equal-size mode (found H200X-28C 28 GB, H200X-35C 35 GB).');
    });
    it('fires for a time-sliced vGPU on a GPU declared in MIG mode', async () => {
        const text = vm(HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mig'), 'vgpu gpu0 "H200X-35C"');
        expect(withCode(await diagnostics(text), 'VGPU003').map(d => d.message)).toEqual([
            'gpu0 is declared in MIG mode (vgpu-mode mig) but carries time-sliced vGPU H200X-35C (a); a GPU is in exactly one vGPU mode.'
        ]);
    });
    it('names the VMs when the vGPUs come from several', async () => {
        const b = `vm b on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    license nvaie
    vgpu gpu0 "H200X-35C"
}
`;
        expect(withCode(await diagnostics(vm(HOST, 'vgpu gpu0 "H200X-28C"') + b), 'VGPU003').map(d => d.message)).toEqual([
            'All vGPUs on gpu0 must have the same frame buffer in equal-size mode (found H200X-28C 28 GB, H200X-35C 35 GB; VMs a, b).'
        ]);
        const mig = HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mig');
        expect(withCode(await diagnostics(vm(mig, 'vgpu gpu0 "H200X-35C"') + b), 'VGPU003').map(d => d.message)).toEqual([
            'gpu0 is declared in MIG mode (vgpu-mode mig) but carries time-sliced vGPU H200X-35C (VMs a, b); a GPU is in exactly one vGPU mode.'
        ]);
        const equal = HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode equal-size');
        expect(withCode(await diagnostics(vm(equal, 'mig gpu0 "1g.18gb"') + b.replace('vgpu gpu0 "H200X-35C"', 'vgpu gpu0 "H200X-2-35C"')), 'VGPU003').map(d => d.message)).toEqual([
            'gpu0 is declared in equal-size mode (vgpu-mode equal-size) but carries MIG-backed H200X-1-18C, H200X-2-35C (VMs a, b); a GPU is in exactly one vGPU mode.'
        ]);
    });
    it('does not fire in mixed-size mode', async () => {
        const text = vm(HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mixed-size'), 'vgpu gpu0 "H200X-28C"\nvgpu gpu0 "H200X-35C"');
        expect(await diagnostics(text)).toEqual([]);
    });
});

describe('VGPU004: mixed-size maxima and frame buffer sum', () => {
    const mixed = HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mixed-size');
    it('fires when the frame buffers exceed 141 GB (70 + 70 + 35), on the vGPU to drop', async () => {
        const text = vm(mixed, 'vgpu gpu0, gpu0 "H200X-70C"\nvgpu gpu0 "H200X-35C"');
        const found = withCode(await diagnostics(text), 'VGPU004');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, '"H200X-35C"'));
        expect(found[0].message).toBe('Mixed-size layout on gpu0 (H200 SXM5 141GB) exceeds Σ frame buffer 175 GB > 141 GB.');
    });
    it('fires for a type over its mixed-size maximum (H100XM-16C: 6 equal, 4 mixed)', async () => {
        const h100 = mixed.replace('gpu gpu0 "H200 SXM5 141GB"', 'gpu gpu0 "H100 SXM5 80GB"');
        const found = withCode(await diagnostics(vm(h100, 'vgpu gpu0, gpu0, gpu0, gpu0, gpu0 "H100XM-16C"')), 'VGPU004');
        expect(found.map(d => d.message)).toEqual(['Mixed-size layout on gpu0 (H100 SXM5 80GB) exceeds 5× H100XM-16C, at most 4 in mixed-size mode.']);
    });
    it('does not fire for 70 + 35 + 35', async () => {
        expect(await diagnostics(vm(mixed, 'vgpu gpu0 "H200X-70C"\nvgpu gpu0, gpu0 "H200X-35C"'))).toEqual([]);
    });
});

describe('VGPU005: no mixed-size mode on Volta', () => {
    const v100 = (mode: string) => HOST.replace('gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0', `gpu gpu0 "V100 SXM2 32GB" at 0000:11:00.0${mode}`);
    it('fires for vgpu-mode mixed-size on a V100', async () => {
        const found = withCode(await diagnostics(vm(v100(' vgpu-mode mixed-size'), 'vgpu gpu0 "V100DX-16C"')), 'VGPU005');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.error, 'Mixed-size vGPUs are not supported on V100 SXM2 32GB (gpu0); use equal-size mode.']]);
    });
    it('does not fire in equal-size mode', async () => {
        expect(withCode(await diagnostics(vm(v100(''), 'vgpu gpu0 "V100DX-16C"')), 'VGPU005')).toEqual([]);
    });
});

describe('VGPU009: one board type per VM', () => {
    const mixedBoards = HOST.replace('gpu gpu1 "H200 SXM5 141GB"', 'gpu gpu1 "H100 SXM5 80GB"');
    it('fires for an H200 and an H100 vGPU in one VM', async () => {
        const found = withCode(await diagnostics(vm(mixedBoards, 'vgpu gpu0 "H200X-141C"\nvgpu gpu1 "H100XM-80C"')), 'VGPU009');
        expect(found.map(d => d.message)).toEqual(['All vGPUs of a must be of the same board type and series; found H200X-141C (H200 SXM5 141GB), H100XM-80C (H100 SXM5 80GB).']);
    });
    it('does not fire for two sizes of one board', async () => {
        expect(withCode(await diagnostics(vm(HOST, 'vgpu gpu0 "H200X-141C"\nvgpu gpu1 "H200X-70C"')), 'VGPU009')).toEqual([]);
    });
});

describe('VGPU010: vSphere 7 multi-vGPU only with full-size types', () => {
    it('fires for two H200X-70C vGPUs on ESXi 7.0u3', async () => {
        const found = withCode(await diagnostics(vm(esxi('7.0u3', false), 'vgpu gpu0, gpu1 "H200X-70C"')), 'VGPU010');
        expect(found).toHaveLength(1);
        expect(found[0].message).toBe('vSphere 7.0u3 supports multiple vGPUs per VM only with types that own the whole GPU (H200X-141C); a has 2 vGPUs including H200X-70C.');
    });
    it('does not fire on 8.0, nor with full-size types on 7.0', async () => {
        expect(withCode(await diagnostics(vm(esxi('8.0', false), 'vgpu gpu0, gpu1 "H200X-70C"')), 'VGPU010')).toEqual([]);
        expect(withCode(await diagnostics(vm(esxi('7.0', false), 'vgpu gpu0, gpu1 "H200X-141C"')), 'VGPU010')).toEqual([]);
    });
});

describe('VGPU011 / VGPU012: P2P between vGPUs', () => {
    it('VGPU011 fires for a p2p VM with H200X-70C', async () => {
        const text = vm(HOST, 'vgpu gpu0, gpu1 "H200X-70C"', '    p2p\n');
        const found = withCode(await diagnostics(text), 'VGPU011');
        expect(found).toHaveLength(2);
        expect(found[0].message).toBe('vGPU P2P over NVLink needs full-framebuffer time-sliced vGPUs; H200X-70C on gpu0 (a) cannot use P2P (full size: H200X-141C).');
    });
    it('VGPU012 warns for a p2p VM on GPUs without NVLink (L40S)', async () => {
        const pcie = HOST.replace(/"H200 SXM5 141GB"/g, '"L40S"');
        const found = withCode(await diagnostics(vm(pcie, 'vgpu gpu0, gpu1 "L40S-48C"', '    p2p\n')), 'VGPU012');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.warning, 'vGPU P2P over PCIe is not supported; CUDA P2P between gpu0 and gpu1 (L40S, no NVLink) will be disabled in a.']]);
    });
    it('neither fires for full-size H200X-141C vGPUs over NVLink', async () => {
        const d = await diagnostics(vm(HOST, 'vgpu gpu0, gpu1 "H200X-141C"', '    p2p\n'));
        expect(d).toEqual([]);
    });
});

describe('VGPU014 / VGPU015 / VGPU016: vSphere gates', () => {
    const pt = (version: string, nvswitch = true) => esxi(version, nvswitch) + `
vm p on e {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    gpu gpu2 passthrough
    mmio 512 GiB
    reserve all
}
`;
    it('VGPU014 fires for passthrough of an HGX GPU on ESXi 8.0u3', async () => {
        const text = pt('8.0u3');
        const found = withCode(await diagnostics(text), 'VGPU014');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'gpu2 passthrough'));
        expect(found[0].message).toBe('GPU passthrough of gpu2 (H200 SXM5 141GB, NVSwitch system) is not supported on VMware vSphere 8.0u3; use the full-size vGPU H200X-141C, or vSphere 9.0 (VCF 9) with the NVSwitches in a Fabric Manager service VM.');
    });
    it('VGPU014 does not fire on vSphere 9.0 (VCF 9), nor on a host without NVSwitches', async () => {
        expect(withCode(await diagnostics(pt('9.0')), 'VGPU014')).toEqual([]);
        expect(withCode(await diagnostics(pt('8.0u3', false)), 'VGPU014')).toEqual([]);
    });
    it('VGPU015 fires for vGPU on a Hopper NVSwitch system before 8.0 U2', async () => {
        const found = withCode(await diagnostics(vm(esxi('8.0u1'), 'vgpu gpu0 "H200X-141C"')), 'VGPU015');
        expect(found.map(d => d.message)).toEqual(['Hopper NVSwitch systems need ESXi 8.0 Update 2 or later for vGPU; e runs 8.0u1 (H200X-141C on gpu0).']);
        expect(withCode(await diagnostics(vm(esxi('8.0u2'), 'vgpu gpu0 "H200X-141C"')), 'VGPU015')).toEqual([]);
    });
    it('VGPU016 fires for H200X-1-18CME and H200X-1-35C before 8.0 U3', async () => {
        const found = withCode(await diagnostics(vm(esxi('8.0u2', false), 'vgpu gpu0 "H200X-1-18CME"\nvgpu gpu1 "H200X-1-35C"')), 'VGPU016');
        expect(found.map(d => d.message)).toEqual([
            'H200X-1-18CME is supported on ESXi only from vSphere 8.0 Update 3; e runs 8.0u2.',
            'H200X-1-35C is supported on ESXi only from vSphere 8.0 Update 3; e runs 8.0u2.'
        ]);
        expect(withCode(await diagnostics(vm(esxi('8.0u3', false), 'vgpu gpu0 "H200X-1-18CME"')), 'VGPU016')).toEqual([]);
        expect(withCode(await diagnostics(vm(esxi('8.0u2', false), 'vgpu gpu0 "H200X-1-18C"')), 'VGPU016')).toEqual([]);
    });
});

describe('VGPU017: unified memory', () => {
    it('is info for unified memory with a fractional vGPU', async () => {
        const found = withCode(await diagnostics(vm(HOST, 'vgpu gpu0 "H200X-70C"', '    unified-memory\n')), 'VGPU017');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.info, 'Unified memory is supported only on full-size vGPUs; H200X-70C on gpu0 (a) is not (full size: H200X-141C).']]);
    });
    it('does not fire for a full-size vGPU', async () => {
        expect(withCode(await diagnostics(vm(HOST, 'vgpu gpu0 "H200X-141C"', '    unified-memory\n')), 'VGPU017')).toEqual([]);
    });
    it('is info for unified memory with NVLink P2P on a model where it disables P2P (the catalog\'s unifiedMemoryDisablesP2p: A100), not on H200', async () => {
        const a100 = HOST.replaceAll('"H200 SXM5 141GB"', '"A100 SXM4 80GB"');
        const text = vm(a100, 'vgpu gpu0 "A100DX-80C"\nvgpu gpu1 "A100DX-80C"', '    p2p\n    unified-memory\n');
        const found = withCode(await diagnostics(text), 'VGPU017');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.info, 'A100 SXM4 80GB vGPU NVLink P2P is disabled when unified memory is enabled (a).']]);
        expect(found[0].range.start).toEqual(at(text, 'a on h'));
        expect(withCode(await diagnostics(vm(HOST, 'vgpu gpu0 "H200X-141C"\nvgpu gpu1 "H200X-141C"', '    p2p\n    unified-memory\n')), 'VGPU017')).toEqual([]);
    });
});

describe('platform version syntax', () => {
    it('reads 8.0u3, 8.0 U2 and 9.0', async () => {
        for (const [written, parsed] of [['8.0u3', [8, 0, 3]], ['8.0 U2', [8, 0, 2]], ['9.0', [9, 0, 0]], ['7', [7, 0, 0]]] as const) {
            const ws = await build(ESXI_HOST.replace('platform esxi', `platform esxi ${written}`));
            const v = ws.resolved().topology.hosts[0].platformVersion!;
            expect([v.major, v.minor, v.update], written).toEqual(parsed);
            expect(ws.diagnostics()).toEqual([]);
        }
    });
});

describe('VGPU003: MIG slices on a GPU declared in a time-sliced mode', () => {
    it('fires for a MIG slice on a GPU in vgpu-mode equal-size', async () => {
        const text = vm(HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode equal-size'), 'mig gpu0 "1g.18gb"');
        expect(withCode(await diagnostics(text), 'VGPU003').map(d => d.message)).toEqual([
            'gpu0 is declared in equal-size mode (vgpu-mode equal-size) but carries MIG-backed H200X-1-18C (a); a GPU is in exactly one vGPU mode.'
        ]);
    });
    it('does not fire in vgpu-mode mig, or without a declared mode', async () => {
        expect(await diagnostics(vm(HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mig'), 'mig gpu0 "1g.18gb"'))).toEqual([]);
        expect(await diagnostics(vm(HOST, 'mig gpu0 "1g.18gb"'))).toEqual([]);
    });
});

describe('VGPU007: one +me instance per GPU (MIG-backed vGPU types)', () => {
    it('fires VGPU007 for seven H200X-1-18C + two H200X-1-18CME, naming the vGPU types', async () => {
        const text = vmOn(HOST, 'vgpu gpu0, gpu0, gpu0, gpu0, gpu0, gpu0, gpu0 "H200X-1-18C"\nvgpu gpu0, gpu0 "H200X-1-18CME"');
        const found = withCode(await diagnostics(text), 'VGPU007');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].message).toBe('Only one media-extension instance (1g.18gb+me, media engines) per GPU: gpu0 has 2 (H200X-1-18CME + H200X-1-18CME).');
        expect(withCode(await diagnostics(text), 'MIG006')).toEqual([]);
    });
});

describe('issue 7, second paragraph: each case is an error with a fix', () => {
    it('two H200X-141C (VGPU002): removes the second', async () => {
        const before = vmOn(HOST, 'vgpu gpu0 "H200X-141C"\nvgpu gpu0 "H200X-141C"');
        const { after, titles } = await fixes(before, 'VGPU002');
        expect(titles).toEqual(['Remove 1 × H200X-141C beyond the maximum of 1 on gpu0']);
        expect(after).toBe(before.replace('    vgpu gpu0 "H200X-141C"\n    vgpu', '    vgpu'));
    });

    it('three H200X-70C in one clause (VGPU002): the clause keeps two', async () => {
        const before = vmOn(HOST, 'vgpu gpu0, gpu0, gpu0 "H200X-70C"');
        const { after } = await fixes(before, 'VGPU002');
        expect(after).toBe(before.replace('gpu0, gpu0, gpu0', 'gpu0, gpu0'));
    });

    it('H200X-28C beside H200X-35C in equal-size mode (VGPU003): sets gpu0 to mixed-size', async () => {
        const before = vmOn(HOST, 'vgpu gpu0 "H200X-28C"\nvgpu gpu0 "H200X-35C"');
        const { after, titles } = await fixes(before, 'VGPU003');
        expect(titles).toEqual(['Set gpu0 to vgpu-mode mixed-size']);
        expect(after).toBe(before.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mixed-size'));
    });

    it('seven H200X-1-18C + two H200X-1-18CME (VGPU007): drops both CME (the largest layout that fits)', async () => {
        const before = vmOn(HOST, 'vgpu gpu0, gpu0, gpu0, gpu0, gpu0, gpu0, gpu0 "H200X-1-18C"\nvgpu gpu0, gpu0 "H200X-1-18CME"');
        const { after } = await fixes(before, 'VGPU007');
        expect(after).toBe(before.replace('    vgpu gpu0, gpu0 "H200X-1-18CME"\n', ''));
    });
});

describe('vGPU quick-fixes', () => {
    it('VGPU001: one action per valid type, same frame buffer first', async () => {
        const before = vmOn(HOST, 'vgpu gpu0 "H100XM-70C"');
        const { actions } = await actionsFor(before, 'VGPU001');
        expect(actions[0].title).toBe('Use H200X-70C (70 GB, time-sliced)');
        expect(actions.length).toBeGreaterThan(1);
        const { after } = await fixes(before, 'VGPU001', 'Use H200X-70C (70 GB, time-sliced)');
        expect(after).toBe(before.replace('"H100XM-70C"', '"H200X-70C"'));
    });
    it('VGPU004: removes the last vGPU that overflows the mixed-size layout', async () => {
        const before = vmOn(HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 vgpu-mode mixed-size'), 'vgpu gpu0, gpu0 "H200X-70C"\nvgpu gpu0 "H200X-35C"');
        const { after } = await fixes(before, 'VGPU004');
        expect(after).toBe(before.replace('    vgpu gpu0 "H200X-35C"\n', ''));
    });
    it('VGPU011: changes a P2P VM\'s vGPU to the full-size type', async () => {
        const before = vmOn(HOST, 'vgpu gpu0 "H200X-141C"\nvgpu gpu1 "H200X-70C"', '    p2p\n');
        const { after } = await fixes(before, 'VGPU011');
        expect(after).toBe(before.replace('"H200X-70C"', '"H200X-141C"'));
    });
    it('VGPU014: converts ESXi passthrough of an HGX GPU into the full-size vGPU', async () => {
        const host = ESXI_HOST.replace('platform esxi', 'platform esxi 8.0u3').replace('    nic nic2', '    nvswitch nvs0 at 0000:05:00.0 on cpu0\n    nic nic2');
        const before = host + `
vm p on e {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    gpu gpu2 passthrough
    mmio 512 GiB
    reserve all
}
`;
        const { after } = await fixes(before, 'VGPU014');
        expect(after).toBe(before.replace('gpu gpu2 passthrough', 'vgpu gpu2 "H200X-141C"').replace('    reserve all\n', '    reserve all\n    license nvaie\n'));
    });
});
