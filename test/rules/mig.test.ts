/**
 * MIG — MIG slices and layouts: MIG001/MIG002 (the GPU model and its profiles), MIG003–MIG006 (counts,
 * placement, start slots, media extensions), MIG008, MIG010, with their quick-fixes, on the fixture
 * host `h` (four H200 SXM5 141GB, [MIG-PROF]: 1g.18gb ×7, 1g.18gb+me ×1, 1g.35gb ×4, 2g.35gb ×3,
 * 3g.71gb ×2, 4g.71gb ×1, 7g.141gb ×1; 7 compute / 8 memory slices), and the placement search
 * against brute force. The MIG layout of MIG-backed vGPU types (VGPU007) is tested in vgpu.test.ts.
 */
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { findGpu } from '../../language/src/catalog/index.js';
import { fitsByEnumeration, largestFittingLayout, migCapacity, placeMig, withinMaxima, type GiRequest } from '../../language/src/model/mig-placement.js';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';
import { fixes } from '../support/quick-fixes.js';

/** A VM `a` on NUMA 0 with the given GPU clauses (licensed, pinned, bound: no other rule fires). */
function vm(clauses: string, extra = ''): string {
    return HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    license nvaie
${clauses.split('\n').map(l => `    ${l.trim()}`).join('\n')}
${extra}}
`;
}

async function diagnostics(text: string) {
    return (await build(text)).diagnostics();
}

describe('MIG003: count of one profile over its maximum', () => {
    it('fires on the second 4g.71gb of gpu0 (at most 1), with the numbers', async () => {
        const text = vm('mig gpu0 "4g.71gb"\nmig gpu0 "4g.71gb"');
        const found = withCode(await diagnostics(text), 'MIG003');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'gpu0 "4g.71gb"', 1));
        expect(found[0].message).toBe('2× 4g.71gb on gpu0 (H200 SXM5 141GB): at most 1 fit.');
        // relatedInformation: the GPU (where it is declared) and the other 4g.71gb
        const related = found[0].relatedInformation ?? [];
        expect(related.map(r => r.message)).toEqual(['gpu0 (H200 SXM5 141GB): 7 compute / 8 memory slices', '4g.71gb (a)']);
        expect(related[0].location.range.start.line).toBe(at(text, 'gpu gpu0 "H200').line);
        expect(related[1].location.range.start).toEqual(at(text, 'gpu0 "4g.71gb"'));
    });
    it('counts across VMs and names them', async () => {
        const text = vm('mig gpu0 "3g.71gb"\nmig gpu0 "3g.71gb"') + `vm b on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    license nvaie
    mig gpu0 "3g.71gb"
}
`;
        const found = withCode(await diagnostics(text), 'MIG003');
        expect(found.map(d => d.message)).toEqual(['3× 3g.71gb on gpu0 (H200 SXM5 141GB): at most 2 fit; VMs a, b.']);
    });
    it('does not fire for one 4g.71gb on each of two GPUs', async () => {
        expect(await diagnostics(vm('mig gpu0 "4g.71gb"\nmig gpu1 "4g.71gb"'))).toEqual([]);
    });
});

describe('MIG003 / MIG006: one diagnostic per profile over its maximum', () => {
    it('nine 1g.18gb (at most 7): one MIG003, at the eighth', async () => {
        const text = vm('mig gpu0, gpu0, gpu0, gpu0, gpu0, gpu0, gpu0, gpu0, gpu0 "1g.18gb"');
        const found = withCode(await diagnostics(text), 'MIG003');
        expect(found.map(d => d.message)).toEqual(['9× 1g.18gb on gpu0 (H200 SXM5 141GB): at most 7 fit.']);
        expect(found[0].range.start).toEqual(at(text, 'gpu0', 8)); // the host declares gpu0 first
    });
    it('three 1g.18gb+me (at most 1): one MIG006, at the second', async () => {
        const text = vm('mig gpu0 "1g.18gb+me"\nmig gpu0 "1g.18gb+me"\nmig gpu0 "1g.18gb+me"');
        const found = withCode(await diagnostics(text), 'MIG006');
        expect(found.map(d => d.message)).toEqual(['Only one media-extension instance (1g.18gb+me, media engines) per GPU: gpu0 has 3 (1g.18gb+me + 1g.18gb+me + 1g.18gb+me).']);
        expect(found[0].range.start).toEqual(at(text, 'gpu0 "1g.18gb+me"', 1));
    });
});

describe('MIG004: no placement', () => {
    it('names the VMs whose instances do not fit together', async () => {
        const text = vm('mig gpu0 "7g.141gb"') + `vm b on h {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    license nvaie
    mig gpu0 "1g.18gb"
}
`;
        const found = withCode(await diagnostics(text), 'MIG004');
        expect(found.map(d => d.message)).toEqual(['MIG layout 7g.141gb + 1g.18gb does not fit on gpu0 (H200 SXM5 141GB): it needs 8 compute slices, the GPU has 7; VMs a, b.']);
    });
    it('fires for 7g.141gb + 1g.18gb (8 compute slices > 7)', async () => {
        const text = vm('mig gpu0 "7g.141gb"\nmig gpu0 "1g.18gb"');
        const found = withCode(await diagnostics(text), 'MIG004');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'gpu0 "1g.18gb"'));
        expect(found[0].message).toBe('MIG layout 7g.141gb + 1g.18gb does not fit on gpu0 (H200 SXM5 141GB): it needs 8 compute slices, the GPU has 7.');
    });
    it('fires for 3g ×2 + 1g (both 3g take slots 0–3 and 4–7): no start slot left', async () => {
        const found = withCode(await diagnostics(vm('mig gpu0 "3g.71gb"\nmig gpu0 "3g.71gb"\nmig gpu0 "1g.18gb"')), 'MIG004');
        expect(found).toHaveLength(1);
        expect(found[0].message).toMatch(/^MIG layout 3g.71gb \+ 3g.71gb \+ 1g.18gb does not fit on gpu0 \(H200 SXM5 141GB\): it needs 9 memory slices, the GPU has 8\.$/);
    });
    it('fires for 1g.18gb written at slot 3 + 4g.71gb (4g starts only at 0): no placement', async () => {
        const found = withCode(await diagnostics(vm('mig gpu0 "1g.18gb" start 3\nmig gpu0 "4g.71gb"')), 'MIG004');
        expect(found).toHaveLength(1);
        expect(found[0].message).toBe('MIG layout 1g.18gb@3 + 4g.71gb does not fit on gpu0 (H200 SXM5 141GB): no assignment of valid start slots leaves the instances without overlap (1g.18gb {0,1,2,3,4,5,6}:1, 4g.71gb {0}:4).');
    });
    it('does not fire for 4g + 3g, nor 2g ×3 + 1g, nor seven 1g', async () => {
        expect(await diagnostics(vm('mig gpu0 "4g.71gb"\nmig gpu0 "3g.71gb"'))).toEqual([]);
        expect(await diagnostics(vm('mig gpu0 "2g.35gb"\nmig gpu0 "2g.35gb"\nmig gpu0 "2g.35gb"\nmig gpu0 "1g.18gb"'))).toEqual([]);
        expect(await diagnostics(vm('mig gpu0, gpu0, gpu0, gpu0, gpu0, gpu0, gpu0 "1g.18gb"'))).toEqual([]);
    });
});

describe('MIG005: written start slots', () => {
    it('fires for 3g.71gb at slot 2 (valid {0,4}), on the start number', async () => {
        const text = vm('mig gpu0 "3g.71gb" start 2');
        const found = withCode(await diagnostics(text), 'MIG005');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, '2\n'));
        expect(found[0].message).toBe('3g.71gb cannot start at slot 2 on gpu0; valid start slots: {0,4}:4.');
    });
    it('fires for two written placements that overlap', async () => {
        const found = withCode(await diagnostics(vm('mig gpu0 "2g.35gb" start 2\nmig gpu0 "1g.18gb" start 3')), 'MIG005');
        expect(found.map(d => d.message)).toEqual(['1g.18gb@3 overlaps 2g.35gb@2 on gpu0 (a).']);
    });
    it('fires for a start slot past the GPU (slot 9 of 8)', async () => {
        const found = withCode(await diagnostics(vm('mig gpu0 "1g.18gb" start 9')), 'MIG005');
        expect(found.map(d => d.message)).toEqual(['1g.18gb cannot start at slot 9 on gpu0; valid start slots: {0,1,2,3,4,5,6}:1.']);
    });
    it('does not fire for valid, disjoint placements', async () => {
        expect(await diagnostics(vm('mig gpu0 "3g.71gb" start 4\nmig gpu0 "2g.35gb" start 0\nmig gpu0 "1g.18gb" start 2'))).toEqual([]);
    });
});

describe('MIG006: one +me instance per GPU', () => {
    it('fires MIG006 for two 1g.18gb+me', async () => {
        const found = withCode(await diagnostics(vm('mig gpu0 "1g.18gb+me"\nmig gpu0 "1g.18gb+me"')), 'MIG006');
        expect(found).toHaveLength(1);
        expect(found[0].message).toBe('Only one media-extension instance (1g.18gb+me, media engines) per GPU: gpu0 has 2 (1g.18gb+me + 1g.18gb+me).');
    });
    it('does not fire for six 1g.18gb + one 1g.18gb+me', async () => {
        expect(await diagnostics(vm('mig gpu0, gpu0, gpu0, gpu0, gpu0, gpu0 "1g.18gb"\nmig gpu0 "1g.18gb+me"'))).toEqual([]);
    });
});

describe('MIG008: no P2P on MIG instances', () => {
    it('fires for a p2p VM with a MIG slice', async () => {
        const found = withCode(await diagnostics(vm('mig gpu0 "3g.71gb"\nmig gpu1 "3g.71gb"', '    p2p\n')), 'MIG008');
        expect(found).toHaveLength(2);
        expect(found[0].message).toBe('MIG instances have no GPU-to-GPU P2P (NVLink or PCIe); 3g.71gb on gpu0 in a cannot use P2P.');
    });
    it('does not fire without p2p', async () => {
        expect(withCode(await diagnostics(vm('mig gpu0 "3g.71gb"')), 'MIG008')).toEqual([]);
    });
});

describe('MIG010: MIG mode on a passed-through A100', () => {
    const a100 = (mode: string) => HOST.replace('gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0', `gpu gpu0 "A100 SXM4 80GB" at 0000:11:00.0${mode}`) + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
}
`;
    it('is info for vgpu-mode mig', async () => {
        const found = withCode(await diagnostics(a100(' vgpu-mode mig')), 'MIG010');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.info);
        expect(found[0].message).toBe('Enabling MIG on A100 SXM4 80GB (gpu0) inside a may need a VM reboot (GPU reset).');
    });
    it('does not fire without MIG mode', async () => {
        expect(withCode(await diagnostics(a100('')), 'MIG010')).toEqual([]);
    });
    it('follows the catalog\'s migModeNeedsReset: fires on an A30, not on an H200 (Hopper changes MIG mode without a reset)', async () => {
        const a30 = a100(' vgpu-mode mig').replace('"A100 SXM4 80GB"', '"A30 24GB"');
        expect(withCode(await diagnostics(a30), 'MIG010').map(d => d.message)).toEqual(['Enabling MIG on A30 24GB (gpu0) inside a may need a VM reboot (GPU reset).']);
        const h200 = a100(' vgpu-mode mig').replace('"A100 SXM4 80GB"', '"H200 SXM5 141GB"');
        expect(withCode(await diagnostics(h200), 'MIG010')).toEqual([]);
    });
});

describe('placeMig agrees with brute-force enumeration of start slots', () => {
    const specs = ['H200 SXM5 141GB', 'A100 SXM4 80GB', 'A30 24GB'].map(m => findGpu(m)).filter(s => s && s.migProfiles.length > 0);
    it('for generated layouts, with and without written start slots', () => {
        expect(specs.length).toBeGreaterThanOrEqual(2);
        const layout = fc.integer({ min: 0, max: specs.length - 1 }).chain(si => {
            const spec = specs[si]!;
            const request = fc.record({
                p: fc.integer({ min: 0, max: spec.migProfiles.length - 1 }),
                start: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined, freq: 3 })
            });
            return fc.tuple(fc.constant(si), fc.array(request, { maxLength: 8 }));
        });
        fc.assert(fc.property(layout, ([si, reqs]) => {
            const spec = specs[si]!;
            const requests: GiRequest[] = reqs.map(r => ({ profile: spec.migProfiles[r.p], start: r.start }));
            const capacity = migCapacity(spec);
            const placed = placeMig(requests, capacity);
            expect(placed !== undefined).toBe(fitsByEnumeration(requests, capacity));
            if (placed) {
                // the placement itself is valid: written starts kept, valid slots, no overlap
                let used = 0;
                placed.forEach((s, i) => {
                    const p = requests[i].profile;
                    if (requests[i].start !== undefined) expect(s).toBe(requests[i].start);
                    expect(p.startSlots).toContain(s);
                    const m = ((1 << p.memorySlices) - 1) << s;
                    expect(used & m).toBe(0);
                    used |= m;
                });
            }
            // the largest fitting layout fits, respects the maxima, and is as large as any other
            const removed = largestFittingLayout(requests, capacity);
            const kept = requests.filter((_, i) => !removed.includes(i));
            expect(withinMaxima(kept) && placeMig(kept, capacity) !== undefined).toBe(true);
        }), { numRuns: 1000 });
    });
});

describe('MIG001 / MIG002: the GPU model and its MIG profiles', () => {
    it('MIG001: a MIG slice on a GPU model without MIG, on the profile', async () => {
        const text = vm('mig gpu0 "1g.12gb"').replace('gpu gpu0 "H200 SXM5 141GB"', 'gpu gpu0 "L40S"');
        const found = withCode(await diagnostics(text), 'MIG001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '"1g.12gb"'));
        expect(found[0].message).toBe('L40S does not support MIG (gpu0).');
    });
    it('MIG002: a profile the model does not have, listing the valid ones', async () => {
        const text = vm('mig gpu0 "1g.10gb"');
        const found = withCode(await diagnostics(text), 'MIG002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '"1g.10gb"'));
        expect(found[0].message).toBe("MIG profile '1g.10gb' does not exist on H200 SXM5 141GB. Valid: 1g.18gb, 1g.18gb+me, 1g.35gb, 2g.35gb, 3g.71gb, 4g.71gb, 7g.141gb.");
    });
    it('neither fires for a profile of the GPU model', async () => {
        const ds = await diagnostics(vm('mig gpu0 "1g.18gb"'));
        expect([...withCode(ds, 'MIG001'), ...withCode(ds, 'MIG002')]).toEqual([]);
    });
});

describe('issue 7, second paragraph: each case is an error with a fix', () => {
    it('two 4g.71gb on one H200 (MIG003): keeps one', async () => {
        const before = vm('mig gpu0 "4g.71gb"\nmig gpu0 "4g.71gb"');
        const { after, titles } = await fixes(before, 'MIG003');
        expect(titles).toEqual(['Keep the largest MIG layout that fits on gpu0: remove 4g.71gb (a)']);
        expect(after).toBe(before.replace('    mig gpu0 "4g.71gb"\n', ''));
    });

    it('7g.141gb + 1g.18gb (MIG004): removes the 1g', async () => {
        const before = vm('mig gpu0 "7g.141gb"\nmig gpu0 "1g.18gb"');
        const { after } = await fixes(before, 'MIG004');
        expect(after).toBe(before.replace('    mig gpu0 "1g.18gb"\n', ''));
    });
});

describe('MIG quick-fixes', () => {
    it('MIG005: moves 3g.71gb from slot 2 to the nearest free valid slot', async () => {
        const before = vm('mig gpu0 "3g.71gb" start 2\nmig gpu0 "3g.71gb" start 4');
        const { after, titles } = await fixes(before, 'MIG005', 'Move 3g.71gb to start slot 0');
        expect(titles[0]).toBe('Move 3g.71gb to start slot 0');
        expect(after).toBe(before.replace('start 2', 'start 0'));
    });
    it('MIG006: changes the extra +me instance to the plain profile', async () => {
        const before = vm('mig gpu0 "1g.18gb+me"\nmig gpu0 "1g.18gb+me"');
        const { after } = await fixes(before, 'MIG006', 'Use 1g.18gb (without media engines)');
        expect(after).toBe(before.replace('mig gpu0 "1g.18gb+me"\n    }', '').replace(/(mig gpu0 "1g.18gb\+me"\n {4}mig gpu0 )"1g.18gb\+me"/, '$1"1g.18gb"'));
    });
    it('one clause with several GPUs loses only the removed reference', async () => {
        const before = vm('mig gpu1, gpu0 "4g.71gb"\nmig gpu0 "4g.71gb"');
        const { after } = await fixes(before, 'MIG003');
        expect(after).toBe(before.replace('    mig gpu0 "4g.71gb"\n', ''));
    });
});

describe('property: "keep the largest MIG layout that fits" always leaves a valid layout', () => {
    const PROFILES = ['1g.18gb', '1g.18gb+me', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb'];
    const MIG_RULES = new Set(['MIG003', 'MIG004', 'MIG005', 'MIG006', 'VGPU007']);
    it('for generated MIG sets on one H200 (with and without start slots), applied as the check computed it', async () => {
        const clause = fc.record({ p: fc.integer({ min: 0, max: PROFILES.length - 1 }), start: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined, freq: 4 }) });
        await fc.assert(fc.asyncProperty(fc.array(clause, { minLength: 1, maxLength: 9 }), async clauses => {
            const before = vm(clauses.map(c => `mig gpu0 "${PROFILES[c.p]}"${c.start !== undefined ? ` start ${c.start}` : ''}`).join('\n'));
            const diagnostics = (await build(before)).diagnostics();
            const mig = diagnostics.filter(d => MIG_RULES.has(String(d.code)));
            if (mig.length === 0) return;
            const fixes = (mig[0].data as { fixes?: Array<{ title: string; edits: Array<{ range: any; newText: string }> }> }).fixes ?? [];
            const keep = fixes.find(f => f.title.startsWith('Keep the largest MIG layout'));
            expect(keep, JSON.stringify(mig.map(d => d.message))).toBeDefined();
            const after = TextDocument.applyEdits(TextDocument.create('file:///ws/main.vmtopo', 'vmtopo', 1, before), keep!.edits);
            const left = (await build(after)).diagnostics();
            expect(left.filter(d => MIG_RULES.has(String(d.code))).map(d => d.message)).toEqual([]);
            const beforeErrors = new Set(diagnostics.filter(d => d.severity === 1).map(d => `${String(d.code)}|${messageText(d)}`));
            expect(left.filter(d => d.severity === 1 && !beforeErrors.has(`${String(d.code)}|${messageText(d)}`))).toEqual([]);
        }), { numRuns: 40, seed: 7 });
    });
});
