/**
 * Model quirks as fields of the catalog's GPU specs (catalog/types.ts), each cited with its source
 * key: the HGX baseboard (whose Fabric Manager partition table applies, FM001/LOC011), whether
 * changing MIG mode resets the GPU (MIG010), whether unified memory disables vGPU NVLink P2P
 * (VGPU017), whether a MIG profile or MIG-backed type holds the media engines (MIG006, VGPU016).
 */
import { describe, expect, it } from 'vitest';
import { GPUS, findGpu, type GpuSpec } from '../../language/src/catalog/index.js';
import { FABRIC_BASEBOARDS, HGX_H100_H200, baseboardOf, onBaseboard } from '../../language/src/catalog/fabric-manager.js';

const models = (has: (g: GpuSpec) => boolean) => GPUS.filter(has).map(g => g.model);

describe('GPU quirks are catalog fields with their sources', () => {
    it('baseboard: H100 and H200 SXM5 sit on the HGX H100/H200 board of the partition table; no PCIe model has one', () => {
        expect(models(g => g.baseboard !== undefined)).toEqual(['H100 SXM5 80GB', 'H200 SXM5 141GB']);
        expect(findGpu('H100 SXM5 80GB')!.baseboard).toBe('hgx-h100-8');
        expect(findGpu('H200 SXM5 141GB')!.baseboard).toBe('hgx-h200-8');
        for (const g of GPUS) {
            if (g.baseboard === undefined) {
                expect(baseboardOf(g), g.model).toBeUndefined();
                continue;
            }
            expect(g.formFactor, g.model).toBe('sxm');
            expect(g.sources, g.model).toContain('WP-12736');
            // every baseboard a GPU names has its table
            expect(FABRIC_BASEBOARDS.filter(b => onBaseboard(g, b)), g.model).toHaveLength(1);
        }
        expect(baseboardOf(findGpu('H200 SXM5 141GB')!)).toBe(HGX_H100_H200);
        expect(baseboardOf(findGpu('A100 SXM4 80GB')!)).toBeUndefined();
        expect(baseboardOf(findGpu('H200 NVL 141GB')!)).toBeUndefined();
    });

    it('migModeNeedsReset: the Ampere MIG GPUs (A100, A30), cited [MIG-START]; only on models with MIG', () => {
        expect(models(g => g.migModeNeedsReset === true)).toEqual(['A100 SXM4 80GB', 'A100 SXM4 40GB', 'A30 24GB', 'A100 PCIe 80GB']);
        for (const g of GPUS.filter(g => g.migModeNeedsReset)) {
            expect(g.migProfiles.length, g.model).toBeGreaterThan(0);
            expect(g.sm, g.model).toBe(80);
            expect(g.sources, g.model).toContain('MIG-START');
        }
    });

    it('unifiedMemoryDisablesP2p: A100, cited [VGPU-P2P]', () => {
        expect(models(g => g.unifiedMemoryDisablesP2p === true)).toEqual(['A100 SXM4 80GB', 'A100 SXM4 40GB']);
        for (const g of GPUS.filter(g => g.unifiedMemoryDisablesP2p)) expect(g.sources, g.model).toContain('VGPU-P2P');
    });

    it('mediaExtensions: the +me profiles and the …CME types on them, nothing else', () => {
        let profiles = 0;
        for (const g of GPUS) {
            for (const p of g.migProfiles) {
                expect(p.mediaExtensions, `${g.model} ${p.name}`).toBe(p.name.endsWith('+me'));
                if (p.mediaExtensions) profiles++;
            }
            for (const t of g.vgpuTypes) {
                const profile = g.migProfiles.find(p => p.name === t.migProfile);
                expect(t.mediaExtensions === true, `${g.model} ${t.name}`).toBe(t.name.endsWith('CME'));
                if (t.mode === 'mig-backed') expect(t.mediaExtensions, t.name).toBe(profile!.mediaExtensions);
                else expect(t.mediaExtensions, t.name).toBeUndefined();
            }
        }
        expect(profiles).toBeGreaterThanOrEqual(9); // one per 7-slice family, two on A30
    });
});
