/**
 * The hardware catalog checked against NVIDIA's tables as transcribed in ../shared/reference/rules.md
 * Part A (third-party data read in place; skipped when absent), and for internal consistency.
 */
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    CPUS,
    GPUS,
    NICS,
    NVSWITCHES,
    SOURCES,
    findByPciId,
    findCpu,
    findGpu,
    findMigProfile,
    findNic,
    findNvSwitch,
    findVgpuType,
    knownModels,
    migBackedTypeFor,
    requiredMmioGiB,
    sourceUrl,
    type GpuSpec
} from '../../language/src/catalog/index.js';
import { describeWithReference, readReference } from '../support/util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RULES = readReference('rules.md');
const LINES = RULES.split('\n');

/** The first markdown table row (after the heading line starting with `section`) whose first cell is exactly `firstCell`, as trimmed cells. */
function tableRow(firstCell: string, section = '### A1.'): string[] {
    const start = LINES.findIndex((l) => l.startsWith(section));
    const line = LINES.slice(Math.max(start, 0)).find((l) => l.startsWith('|') && l.split('|')[1]?.trim() === firstCell);
    if (!line) {
        throw new Error(`rules.md: no table row '${firstCell}'`);
    }
    return line.split('|').slice(1, -1).map((c) => c.trim());
}

function gpu(model: string): GpuSpec {
    const spec = findGpu(model);
    if (!spec) {
        throw new Error(`catalog has no ${model}`);
    }
    return spec;
}

const H100 = gpu('H100 SXM5 80GB');
const H200 = gpu('H200 SXM5 141GB');
const A100 = gpu('A100 SXM4 80GB');
const L40S = gpu('L40S');

describeWithReference('catalog vs rules.md A1 (identity)', () => {
    it.each([
        ['H100 SXM5 80GB', H100],
        ['H200 SXM5 141GB', H200],
        ['A100 SXM4/HGX 80GB', A100]
    ])('PCI device id and framebuffer of %s', (rowName, spec) => {
        const row = tableRow(rowName);
        const firstId = /^([0-9a-f]{4})/.exec(row[1])?.[1];
        expect(firstId).toBeDefined();
        expect(spec.pciIds.map((p) => p.device)).toContain(firstId);
        expect(spec.pciIds.every((p) => p.vendor === '10de')).toBe(true);
        expect(spec.memoryGB).toBe(Number(/^(\d+) GB/.exec(row[2])?.[1]));
        expect(spec.nvlinks).toBe(Number(/NV(\d+)/.exec(row[7])?.[1]));
    });

    it('H200 lists both device ids 2335 (mig-parted) and 2336 (VM white paper)', () => {
        expect(H200.pciIds.map((p) => p.device)).toEqual(['2335', '2336']);
    });

    it('links, SM and form factor', () => {
        expect([H100.link, H200.link]).toEqual([{ speedGTs: 32, width: 16 }, { speedGTs: 32, width: 16 }]);
        expect(A100.link).toEqual({ speedGTs: 16, width: 16 });
        expect(L40S.link).toEqual({ speedGTs: 16, width: 16 });
        expect([H100.sm, H200.sm, A100.sm, L40S.sm]).toEqual([90, 90, 80, 89]);
        expect([H100.nvlinks, H200.nvlinks, A100.nvlinks, L40S.nvlinks]).toEqual([18, 18, 12, 0]);
        expect(L40S.formFactor).toBe('pcie');
        expect(L40S.pciIds).toEqual([{ vendor: '10de', device: '26b9' }]);
    });
});

describeWithReference('catalog vs rules.md A2 (MIG profiles)', () => {
    /** Profile names of an A2 "Profile names per model" row, in slot order. */
    function a2Names(firstCell: string): string[] {
        return tableRow(firstCell).slice(1).map((c) => c.replace(/`/g, ''));
    }

    it('H200 profile names equal the A2 row', () => {
        expect(H200.migProfiles.map((p) => p.name)).toEqual(a2Names('H200 141GB (SXM5, NVL), H20 141GB'));
    });

    it('H100 80GB and A100 80GB profile names equal the A2 row', () => {
        const names = a2Names('A100 80GB, H100 80GB (SXM5, PCIe), H800 80GB');
        expect(H100.migProfiles.map((p) => p.name)).toEqual(names);
        expect(A100.migProfiles.map((p) => p.name)).toEqual(names);
    });

    it('GI profile ids, slices, start slots and maxima equal the A2 family table', () => {
        const slots = ['1g (1/8 mem)', '1g+me (with media engines)', '1g (2/8 mem)', '2g', '3g', '4g', '7g'];
        for (const [i, slot] of slots.entries()) {
            const [, id, compute, mem, starts, max] = tableRow(slot);
            const startSlots = /\{([\d,]+)\}/.exec(starts)?.[1].split(',').map(Number);
            for (const spec of [H100, H200, A100]) {
                const p = spec.migProfiles[i];
                expect({ id: p.giProfileId, c: p.computeSlices, m: p.memorySlices, s: p.startSlots, max: p.maxPerGpu }).toEqual({
                    id: Number(id),
                    c: Number(compute),
                    m: Number(mem),
                    s: startSlots,
                    max: Number(max)
                });
            }
        }
    });

    it('start slots fit in 8 memory slices and L40S has no MIG', () => {
        for (const spec of [H100, H200, A100]) {
            for (const p of spec.migProfiles) {
                expect(Math.max(...p.startSlots) + p.memorySlices).toBeLessThanOrEqual(8);
                expect(p.startSlots.length).toBeGreaterThanOrEqual(p.maxPerGpu);
            }
        }
        expect(L40S.migProfiles).toEqual([]);
        expect(L40S.vgpuTypes.every((t) => t.mode === 'time-sliced')).toBe(true);
    });
});

describeWithReference('catalog vs rules.md A3 (vGPU C-series types)', () => {
    /** `[size, equal, mixed]` triples of an A3 time-sliced row (`70C` 71 → 2/2; `-16C` 16 → 6/4, bold markers stripped). */
    function a3TimeSliced(firstCell: string): number[][] {
        const cell = tableRow(firstCell, '### A3.')[1].replace(/\*\*/g, '');
        return [...cell.matchAll(/-?(\d+)C`\s*(?:\d+\s*)?→\s*(\d+)\/(\d+)/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
    }

    function catalogTimeSliced(spec: GpuSpec): number[][] {
        return spec.vgpuTypes.filter((t) => t.mode === 'time-sliced').map((t) => [t.framebufferGB, t.maxPerGpu, t.maxPerGpuMixed ?? -1]);
    }

    it('H200X time-sliced types: sizes and equal/mixed maxima', () => {
        const expected = a3TimeSliced('H200 SXM5 141GB');
        expect(expected).toHaveLength(9);
        expect(catalogTimeSliced(H200)).toEqual(expected);
        expect(H200.vgpuTypes[0].name).toBe('H200X-141C');
    });

    it('H100XM time-sliced types (6 × 16C as in NVIDIA\'s table [VGPU-HOPPER], although 6 × 16 GB > 80 GB)', () => {
        const expected = a3TimeSliced('H100 SXM5 80GB');
        expect(expected).toHaveLength(8);
        expect(catalogTimeSliced(H100)).toEqual(expected);
        expect(findVgpuType(H100, 'H100XM-16C')?.maxPerGpu).toBe(6);
    });

    it('A100DX time-sliced types', () => {
        const expected = a3TimeSliced('A100 HGX 80GB');
        expect(expected).toHaveLength(7);
        expect(catalogTimeSliced(A100)).toEqual(expected);
    });

    it('H200X MIG-backed types: names and maxima equal the A3 row', () => {
        const row = LINES.find((l) => l.startsWith('| H200 SXM5 (`H200X-`)'));
        expect(row).toBeDefined();
        const expected = [...(row ?? '').matchAll(/`(-[\dC-]+(?:ME)?)` ×(\d+)/g)].map((m) => [`H200X${m[1]}`, Number(m[2])]);
        expect(expected).toHaveLength(7);
        const actual = H200.vgpuTypes.filter((t) => t.mode === 'mig-backed').map((t) => [t.name, t.maxPerGpu]);
        expect(actual).toEqual(expected);
    });

    it('every MIG-backed type names a MIG profile of its GPU with the same maximum', () => {
        for (const spec of GPUS) {
            for (const t of spec.vgpuTypes.filter((v) => v.mode === 'mig-backed')) {
                const p = spec.migProfiles.find((m) => m.name === t.migProfile);
                expect(p, `${spec.model} ${t.name} → ${t.migProfile}`).toBeDefined();
                expect(t.maxPerGpu).toBe(p?.maxPerGpu);
            }
            for (const t of spec.vgpuTypes.filter((v) => v.mode === 'time-sliced')) {
                expect(t.migProfile).toBeUndefined();
                // every board has a mixed-size column except Volta/Turing (A3: "does not support mixed-size mode")
                if (spec.sm >= 80) expect(t.maxPerGpuMixed).toBeDefined();
                else expect(t.maxPerGpuMixed).toBeUndefined();
            }
        }
    });

    it('framebuffer MB = GB × 1024; full-size type owns the whole board; all C-series need NVAIE', () => {
        for (const spec of GPUS) {
            for (const t of spec.vgpuTypes) {
                expect(t.framebufferMB).toBe(t.framebufferGB * 1024);
                expect(t.license).toBe('nvaie');
            }
            // boards whose C-series table was not part of the research (L4, L40) have no types yet
            if (spec.vgpuTypes.length > 0) expect(spec.vgpuTypes[0].framebufferGB).toBe(spec.memoryGB);
            expect(new Set(spec.vgpuTypes.map((t) => t.name)).size).toBe(spec.vgpuTypes.length);
        }
    });

    it('L40S types as in NVIDIA Table 39 [VGPU-ADA]', () => {
        expect(L40S.vgpuTypes.map((t) => [t.name, t.framebufferMB, t.maxPerGpu, t.maxPerGpuMixed])).toEqual([
            ['L40S-48C', 49152, 1, 1],
            ['L40S-24C', 24576, 2, 2],
            ['L40S-16C', 16384, 3, 2],
            ['L40S-12C', 12288, 4, 4],
            ['L40S-8C', 8192, 6, 4],
            ['L40S-6C', 6144, 8, 8],
            ['L40S-4C', 4096, 12, 8]
        ]);
    });
});

describeWithReference('catalog vs rules.md A4 (MMIO)', () => {
    /** GPU → "NNN GB" pairs of the two-column-pair A4 table. */
    function a4(): Map<string, number> {
        const start = LINES.findIndex((l) => l.startsWith('### A4.'));
        const result = new Map<string, number>();
        for (const line of LINES.slice(start)) {
            if (line.startsWith('### A5.')) {
                break;
            }
            const cells = line.split('|').slice(1, -1).map((c) => c.trim());
            for (let i = 0; i + 1 < cells.length; i += 2) {
                const gb = /^(\d+) GB$/.exec(cells[i + 1]);
                if (gb) {
                    result.set(cells[i], Number(gb[1]));
                }
            }
        }
        return result;
    }

    it('H100, H200 and A100 80GB equal the A4 table', () => {
        const table = a4();
        expect(table.size).toBeGreaterThanOrEqual(22);
        expect(H100.mmioGiB).toBe(table.get('H100 (all variants)'));
        expect(H200.mmioGiB).toBe(table.get('H200 (all variants)'));
        expect(A100.mmioGiB).toBe(table.get('A100 80GB (all variants)'));
        expect([H100.mmioGiB, H200.mmioGiB, A100.mmioGiB]).toEqual([256, 512, 256]);
    });

    it('L40S uses the L40 value (L40S is not in the table: unverified)', () => {
        expect(a4().has('L40S')).toBe(false);
        expect(L40S.mmioGiB).toBe(a4().get('L40'));
    });

    it('requiredMmioGiB = next power of two over the sum (MMIO002/MMIO005)', () => {
        expect(requiredMmioGiB([])).toBe(0);
        expect(requiredMmioGiB([H200])).toBe(512);
        expect(requiredMmioGiB([H200, H200])).toBe(1024);
        expect(requiredMmioGiB(Array<GpuSpec>(8).fill(H200))).toBe(4096);
        expect(requiredMmioGiB(Array<GpuSpec>(8).fill(H100))).toBe(2048);
        expect(requiredMmioGiB(Array<GpuSpec>(3).fill(H100))).toBe(1024);
        expect(requiredMmioGiB([H100, H200])).toBe(1024);
        expect(requiredMmioGiB([L40S])).toBe(L40S.mmioGiB);
        expect(requiredMmioGiB([L40S])).toBe(128);
    });
});

describe('NIC, NVSwitch and CPU entries', () => {
    it('ConnectX-7 and ConnectX-6', () => {
        const cx7 = findNic('ConnectX-7');
        expect(cx7?.pciIds).toEqual([{ vendor: '15b3', device: '1021' }]);
        expect(cx7?.pciClass).toBe('0x020700');
        expect(cx7?.link).toEqual({ speedGTs: 32, width: 16 });
        expect(cx7?.speedsGbps).toEqual([400, 200, 100, 50, 25]);
        expect(cx7?.maxVfsPerPf).toBe(127);
        const cx6 = findNic('connectx-6');
        expect(cx6?.pciIds).toEqual([{ vendor: '15b3', device: '101b' }]);
        expect(cx6?.link).toEqual({ speedGTs: 16, width: 16 });
        expect(Math.max(...(cx6?.speedsGbps ?? []))).toBe(200);
        expect(NICS.every((n) => n.pciClass.startsWith('0x02'))).toBe(true);
    });

    it('NVSwitch: 22a3 (HGX H100) and 22a4 (H200 system), class 0x068000', () => {
        const sw = findNvSwitch('NVSwitch');
        expect(sw?.pciIds.map((p) => `${p.vendor}:${p.device}`)).toEqual(['10de:22a3', '10de:22a4']);
        expect(sw?.pciClass).toBe('0x068000');
        expect(NVSWITCHES.map(n => n.model)).toEqual(['NVSwitch', 'NVSwitch Gen1', 'NVSwitch Gen2']);
    });

    it('NVSwitch generations by PCI id: 1ac2 first (DGX-2), 1af1 second (A100), 22a3 third (H100)', () => {
        expect(findByPciId('nvswitch', '10de', '1ac2')?.model).toBe('NVSwitch Gen1');
        expect(findByPciId('nvswitch', '10de', '1af1')?.model).toBe('NVSwitch Gen2');
        expect(findByPciId('nvswitch', '10de', '22A3')?.model).toBe('NVSwitch');
        expect(findNvSwitch('NVSwitch1')?.model).toBe('NVSwitch Gen1');
        expect(NVSWITCHES.every(n => n.pciClass === '0x068000')).toBe(true);
    });

    it('CPU family/model ids in NCCL\'s formula', () => {
        const ids = (m: string) => {
            const c = findCpu(m);
            return c ? [c.vendor, c.familyId, c.modelId] : undefined;
        };
        expect(ids('Xeon Platinum 8480+')).toEqual(['GenuineIntel', 6, 0x8f]);
        expect(ids('Xeon Platinum 8468')).toEqual(['GenuineIntel', 6, 143]);
        expect(ids('Xeon Platinum 8592+')).toEqual(['GenuineIntel', 6, 0xcf]);
        expect(ids('EPYC 9654')).toEqual(['AuthenticAMD', 175, 17]);
        expect(ids('EPYC 7742')).toEqual(['AuthenticAMD', 143, 49]);
        expect(CPUS.every((c) => c.arch === 'x86_64')).toBe(true);
    });
});

describeWithReference('sources of rules.md', () => {
    const PART_C_KEYS = (() => {
        const start = LINES.findIndex((l) => l.startsWith('## Part C'));
        const end = LINES.findIndex((l, i) => i > start && l.startsWith('## Part D'));
        return LINES.slice(start, end)
            .filter((l) => l.startsWith('| ') && !l.startsWith('| Key') && !l.startsWith('|---'))
            .flatMap((l) => l.split('|')[1].split('/').map((k) => k.trim()));
    })();

    it('every key of rules.md Part C is in SOURCES', () => {
        expect(PART_C_KEYS.length).toBeGreaterThan(40);
        for (const key of PART_C_KEYS) {
            expect(SOURCES[key], key).toBeDefined();
        }
    });

    it('every key cited in rules.md is in SOURCES', () => {
        const cited = [...new Set([...RULES.matchAll(/\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\]/g)].map((m) => m[1]))];
        // rules.md cites 46 keys: a regex that stops matching must not pass as "nothing unknown".
        expect(cited.length).toBeGreaterThan(40);
        expect(cited.filter((key) => !(key in SOURCES))).toEqual([]);
    });
});

describe('sources', () => {
    it('every catalog entry cites only known keys, and every fact comment key is known', () => {
        for (const spec of [...GPUS, ...NICS, ...NVSWITCHES, ...CPUS]) {
            expect(spec.sources.length, spec.model).toBeGreaterThan(0);
            for (const key of spec.sources) {
                expect(() => sourceUrl(key), `${spec.model}: ${key}`).not.toThrow();
            }
        }
        const catalogDir = path.resolve(here, '../../language/src/catalog');
        const cited = fs.readdirSync(catalogDir).filter((f) => f.endsWith('.ts') && f !== 'sources.ts').flatMap((file) =>
            [...fs.readFileSync(path.join(catalogDir, file), 'utf8').matchAll(/\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\]/g)].map((m) => ({ file, key: m[1] })));
        // The catalog's comments cite dozens of keys: a regex that stops matching must not pass as "nothing unknown".
        expect(new Set(cited.map((c) => c.key)).size).toBeGreaterThan(20);
        expect(cited.filter((c) => !(c.key in SOURCES)).map((c) => `${c.file}: [${c.key}]`)).toEqual([]);
    });

    it('sourceUrl resolves and throws on unknown keys', () => {
        expect(sourceUrl('MIG-PROF')).toBe('https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html');
        expect(sourceUrl('VGPU-ADA')).toMatch(/^https:\/\/docs\.nvidia\.com\/ai-enterprise\/release-6\//);
        expect(() => sourceUrl('NO-SUCH-KEY')).toThrow(/NO-SUCH-KEY/);
        expect(() => sourceUrl('toString')).toThrow();
    });
});

describe('lookups', () => {
    it('are case-insensitive and whitespace-normalised, by key or alias', () => {
        expect(findGpu('  h200   sxm5 141gb ')).toBe(H200);
        expect(findGpu('H200 SXM')).toBe(H200);
        expect(findGpu('l40s')).toBe(L40S);
        expect(findNic('cx-7')?.model).toBe('ConnectX-7');
        expect(findNvSwitch('nvswitch')?.model).toBe('NVSwitch');
        expect(findCpu('amd epyc 9654')?.model).toBe('EPYC 9654');
    });

    it('unknown models give undefined; knownModels lists the keys', () => {
        expect(findGpu('H300 SXM')).toBeUndefined();
        expect(findGpu('H200')).toBeUndefined();
        expect(findNic('ConnectX-9')).toBeUndefined();
        expect(findNvSwitch('NVSwitch9')).toBeUndefined();
        expect(findCpu('Xeon Platinum 9999')).toBeUndefined();
        expect(knownModels('gpu')).toEqual([
            'H100 SXM5 80GB', 'H200 SXM5 141GB', 'A100 SXM4 80GB', 'L40S', 'H100 PCIe 80GB', 'H100 NVL 94GB', 'H200 NVL 141GB',
            'H20 96GB', 'B200 180GB', 'A100 SXM4 40GB', 'A30 24GB', 'L4 24GB', 'L40 48GB', 'V100 SXM2 32GB',
            'V100 SXM3 32GB', 'A100 PCIe 80GB'
        ]);
        expect(knownModels('nic')).toEqual(['ConnectX-7', 'ConnectX-6', 'ConnectX-6 Dx', 'BlueField-3', 'ConnectX-4', 'ConnectX-5', 'ConnectX-5 Ex', 'ConnectX-8', 'BlueField', 'BlueField-2']);
        expect(knownModels('nvswitch')).toEqual(['NVSwitch', 'NVSwitch Gen1', 'NVSwitch Gen2']);
        expect(knownModels('cpu')).toHaveLength(6);
    });

    it('aliases do not collide across models', () => {
        for (const specs of [GPUS, NICS, NVSWITCHES, CPUS] as const) {
            const names = specs.flatMap((s) => [s.model, ...s.aliases].map((n) => n.toLowerCase()));
            expect(new Set(names).size).toBe(names.length);
        }
    });

    it('vGPU types, MIG profiles and MIG-backed types', () => {
        expect(findVgpuType(H200, 'h200x-1-18c')?.migProfile).toBe('1g.18gb');
        expect(findVgpuType(H200, 'H100XM-40C')).toBeUndefined();
        expect(findVgpuType(H100, 'H100XM-10C')?.maxPerGpuMixed).toBe(8);
        expect(findMigProfile(H200, '1G.18GB')?.giProfileId).toBe(19);
        expect(findMigProfile(H200, 'MIG 3g.71gb')?.startSlots).toEqual([0, 4]);
        expect(findMigProfile(H200, '1g.10gb')).toBeUndefined();
        expect(findMigProfile(L40S, '1g.10gb')).toBeUndefined();
        expect(migBackedTypeFor(H200, '1g.18gb')?.name).toBe('H200X-1-18C');
        expect(migBackedTypeFor(H200, '1g.18gb+me')?.name).toBe('H200X-1-18CME');
        expect(migBackedTypeFor(H100, '7g.80gb')?.name).toBe('H100XM-7-80C');
        expect(migBackedTypeFor(A100, '1g.20gb')?.name).toBe('A100DX-1-20C');
        expect(migBackedTypeFor(H200, '7g.80gb')).toBeUndefined();
    });
});
