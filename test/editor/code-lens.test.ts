/**
 * Code lens on each device (language/src/editor/code-lens.ts): who holds it, from the resolved
 * topology of the whole workspace.
 */
import { describe, expect, it } from 'vitest';
import { EDITOR_HGX } from '../support/editor-fixture.js';
import { buildWorkspace } from '../support/util.js';

/** Lens titles by the first word pair of the line they sit on (`gpu gpu0`). */
async function lenses(files: Record<string, string>, name = Object.keys(files)[0]): Promise<Map<string, string>> {
    const ws = await buildWorkspace(files);
    const doc = ws.documents[Object.keys(files).indexOf(name)];
    const result = await ws.services.vmtopo.lsp.CodeLensProvider!.provideCodeLens(doc, { textDocument: { uri: doc.uri.toString() } });
    const lines = doc.textDocument.getText().split('\n');
    return new Map((result ?? []).map(l => [lines[l.range.start.line].trim().split(/\s+/).slice(0, 2).join(' '), l.command!.title]));
}

describe('code lens: who holds each device', () => {
    it('passthrough, MIG slices of one GPU counted, VFs with their index, free devices, NVSwitches', async () => {
        const titles = await lenses({ 'hgx.vmtopo': EDITOR_HGX });
        expect(titles.get('gpu gpu0')).toBe('train-a (passthrough)');
        expect(titles.get('gpu gpu1')).toBe('train-a (passthrough)');
        // tenant-c: vgpu "H200X-1-18C" (MIG-backed on 1g.18gb), tenant-d: mig "1g.18gb"
        expect(titles.get('gpu gpu6')).toBe('tenant-c, tenant-d (MIG 1g.18gb ×2)');
        expect(titles.get('gpu gpu7')).toBe('free');
        expect(titles.get('nic mlx5_8')).toBe('tenant-c, tenant-d (VF 0, 1)');
        expect(titles.get('nic mlx5_3')).toBe('train-a (passthrough)');
        expect(titles.get('nic mlx5_6')).toBe('free');
        expect(titles.get('nvswitch nvs0')).toBe('stays with the host');
        expect(titles.size).toBe(4 + 4 + 2); // GPUs, NICs, NVSwitches
    });

    it('an NVSwitch given to a VM (the Fabric Manager service VM) names it', async () => {
        const titles = await lenses({ 'hgx.vmtopo': EDITOR_HGX + 'vm fm on sprocket {\n    vcpus 2\n    memory 8 GiB\n    nvswitch nvs0, nvs1 passthrough\n}\n' });
        expect(titles.get('nvswitch nvs0')).toBe('fm (passthrough)');
    });

    it('counts VMs of other files, names conflicting holders, and is a label without a command to run', async () => {
        const host = 'host h {\n    socket s { numa 0 cores 0-7 memory 64 GiB }\n    gpu g0 "H200 SXM5 141GB" at 0000:11:00.0 on s\n    gpu g1 "H200 SXM5 141GB" at 0000:12:00.0 on s\n}\n';
        const vms = 'vm a on h {\n    gpu g0 passthrough\n}\nvm b on h {\n    vgpu g0 "H200X-70C"\n}\nvm c on h {\n    vgpu g1 "H200X-35C"\n}\n';
        const ws = await buildWorkspace({ 'host.vmtopo': host, 'vms.vmtopo': vms });
        const doc = ws.documents[0];
        const result = (await ws.services.vmtopo.lsp.CodeLensProvider!.provideCodeLens(doc, { textDocument: { uri: doc.uri.toString() } }))!;
        expect(result.map(l => l.command!.title)).toEqual(['a (passthrough); b (vGPU H200X-70C)', 'c (vGPU H200X-35C)']);
        expect(result.map(l => l.range.start.line)).toEqual([2, 3]);
        expect(result.every(l => l.command!.command === '')).toBe(true);
    });
});
