/**
 * Hover on catalog strings (language/src/editor/catalog-hover.ts): GPU/NIC/CPU models, vGPU types and
 * MIG profiles show the catalog's facts and their sources; an unknown name lists the valid ones.
 * Hover elsewhere (doc comments, device facts) is Langium's and lsp.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import { findGpu, findNic, findVgpuType, findMigProfile, sourceUrl } from '../../language/src/catalog/index.js';
import { at, HOST } from '../support/fixtures.js';
import { EDITOR_HGX } from '../support/editor-fixture.js';
import { buildWorkspace } from '../support/util.js';

/** Hover markdown at the `nth` occurrence of `needle` (one character into it). */
async function hover(text: string, needle: string, nth = 0): Promise<string | undefined> {
    const ws = await buildWorkspace({ 'main.vmtopo': text });
    const doc = ws.documents[0];
    const position = at(text, needle, nth);
    const result = await ws.services.vmtopo.lsp.HoverProvider!.getHoverContent(doc, {
        textDocument: { uri: doc.uri.toString() }, position: { line: position.line, character: position.character + 1 }
    });
    const contents = result?.contents;
    return contents && typeof contents === 'object' && 'value' in contents ? contents.value : undefined;
}

const H200 = findGpu('H200 SXM5 141GB')!;
const EXAMPLE = EDITOR_HGX;

describe('hover on catalog strings', () => {
    it('a GPU model: memory, MMIO, link, MIG, vGPU and linked sources', async () => {
        const md = (await hover(EXAMPLE, '"H200 SXM5 141GB"'))!;
        expect(md).toContain(`**${H200.model}** (GPU)`);
        expect(md).toContain(`Memory ${H200.memoryGB} GB`);
        expect(md).toContain(`64-bit MMIO needed ${H200.mmioGiB} GiB`);
        expect(md).toContain(`[VGPU-HOPPER](${sourceUrl('VGPU-HOPPER')})`);
    });

    it('an alias or a PCI id: says which catalog model it is, then its facts', async () => {
        const text = HOST.replace('gpu gpu0 "H200 SXM5 141GB"', 'gpu gpu0 "Tesla V100-SXM3-32GB"').replace('gpu gpu1 "H200 SXM5 141GB"', 'gpu gpu1 "10de:1db8"');
        for (const written of ['"Tesla V100-SXM3-32GB"', '"10de:1db8"']) {
            const md = (await hover(text, written))!;
            expect(md).toContain(`\`${written.slice(1, -1)}\` is the catalog model **V100 SXM3 32GB**`);
            expect(md).toContain('**V100 SXM3 32GB** (GPU)');
        }
        expect(await hover(EXAMPLE, '"H200 SXM5 141GB"')).not.toContain('is the catalog model');
    });

    it('a NIC model', async () => {
        const md = (await hover(EXAMPLE, '"ConnectX-7"'))!;
        expect(md).toContain('**ConnectX-7** (NIC)');
        expect(md).toContain(`up to ${findNic('ConnectX-7')!.maxVfsPerPf} SR-IOV VFs per PF`);
    });

    it('a vGPU type of the clause\'s GPU: frame buffer, maximum per GPU, mode, licence, sources', async () => {
        const md = (await hover(EXAMPLE, '"H200X-1-18C"'))!;
        const type = findVgpuType(H200, 'H200X-1-18C')!;
        expect(md).toContain(`**${type.name}** — vGPU for Compute type of ${H200.model}`);
        expect(md).toContain(`Frame buffer ${type.framebufferGB} GB`);
        expect(md).toContain(`Max ${type.maxPerGpu} per GPU`);
        expect(md).toContain(`mig-backed on MIG profile \`${type.migProfile}\``);
        expect(md).toContain('NVIDIA AI Enterprise');
        expect(md).toMatch(/Sources: \[VGPU-HOPPER\]\(https?:\/\//);
    });

    it('a MIG profile: slices, start slots, maximum, the MIG-backed vGPU it is delivered as', async () => {
        const md = (await hover(EXAMPLE, '"1g.18gb"'))!;
        const profile = findMigProfile(H200, '1g.18gb')!;
        expect(md).toContain(`profile id ${profile.giProfileId}`);
        expect(md).toContain(`start slots ${profile.startSlots.join(', ')}`);
        expect(md).toContain(`max ${profile.maxPerGpu} per GPU`);
        expect(md).toContain('`H200X-1-18C`');
        expect(md).toMatch(/Sources: .*\[MIG-PROF\]/);
    });

    it('names the valid types when the vGPU type is not one of the GPU\'s', async () => {
        const text = HOST + 'vm a on h {\n    vgpu gpu0 "H100XM-40C"\n}\n';
        const md = (await hover(text, '"H100XM-40C"'))!;
        expect(md).toContain(`is not a vGPU for Compute type of ${H200.model}`);
        expect(md).toContain('`H200X-141C`');
    });

    it('names the catalog models for an unknown model', async () => {
        const md = (await hover('host h {\n    gpu g0 "B999" at 0000:11:00.0\n}\n', '"B999"'))!;
        expect(md).toContain('Unknown GPU model `B999`');
        expect(md).toContain(`\`${H200.model}\``);
    });

    it('a host CPU model', async () => {
        const md = (await hover(EXAMPLE, '"Xeon Platinum 8592+"'))!;
        expect(md).toContain('**Xeon Platinum 8592+** (CPU)');
        expect(md).toContain('familyid');
    });

    it('does not replace the device hover on a device name', async () => {
        const md = (await hover(EXAMPLE, 'gpu0 "H200'))!;
        expect(md).toContain('`gpu0` at `0000:19:00.0`');
    });
});
