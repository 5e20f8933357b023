/**
 * CAT — the hardware catalog: a GPU model that is not in it (CAT001) is an error on the model's
 * name that lists the known models; a model written as a PCI id the catalog lacks, or as
 * `"unknown"` (what `vmtopo import` writes), is a warning naming the id; aliases (nvidia-smi, NVML
 * and hwloc names) and known PCI ids resolve to the catalog model and are not reported.
 */
import { describe, it, expect } from 'vitest';
import { build } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

/** The one error of a document, with its start position. */
async function onlyError(text: string) {
    const errors = (await build(text)).diagnostics().filter(d => d.severity === Severity.error);
    expect(errors).toHaveLength(1);
    return errors[0];
}

describe('CAT001: GPU models come from the catalog', () => {
    it('an unknown GPU model lists the known ones', async () => {
        const text = HOST.replace('gpu gpu3 "H200 SXM5 141GB"', 'gpu gpu3 "H300 SXM"');
        const d = await onlyError(text);
        expect(d.code).toBe('CAT001');
        expect(d.message).toMatch(/^Unknown GPU model "H300 SXM"\. Known: .*H200 SXM5 141GB/);
        expect(d.message).toContain('H100 SXM5 80GB');
        expect(d.range.start).toEqual(at(text, '"H300 SXM"'));
    });
});

describe('CAT001: aliases and PCI ids', () => {
    const withModels = (gpu: string, nic: string) => HOST.replace('gpu gpu3 "H200 SXM5 141GB"', `gpu gpu3 ${gpu}`).replace('nic nic2 "ConnectX-7"', `nic nic2 ${nic}`);

    it('names nvidia-smi, NVML and hwloc print, and known PCI ids, are not reported', async () => {
        for (const [gpu, nic] of [['"NVIDIA H200"', '"MT2910 Family [ConnectX-7]"'], ['"10de:2335"', '"15b3:1021"'], ['"10DE:2335"', '"cx7"']]) {
            const text = withModels(gpu, nic);
            const ws = await build(text);
            expect(ws.diagnostics().filter(d => d.code === 'CAT001'), `${gpu} ${nic}`).toEqual([]);
            const gpu3 = ws.resolved().topology.hosts[0].devices.find(d => d.name === 'gpu3');
            expect(gpu3 && 'spec' in gpu3 ? gpu3.spec?.model : undefined).toBe('H200 SXM5 141GB');
        }
    });

    it('a PCI id the catalog lacks is a warning naming the id, not an error', async () => {
        const text = withModels('"10de:3182"', '"1d0f:efa0"');
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.severity === Severity.error)).toEqual([]);
        const cat = ws.diagnostics().filter(d => d.code === 'CAT001');
        expect(cat.map(d => d.severity)).toEqual([Severity.warning, Severity.warning]);
        expect(cat[0].message).toMatch(/^GPU with PCI id 10de:3182 is not in the catalog/);
        expect(cat[0].message).toContain('https://pci-ids.ucw.cz/read/PC/10de/3182');
        expect(cat[0].range.start).toEqual(at(text, '"10de:3182"'));
        expect(cat[1].message).toMatch(/^NIC with PCI id 1d0f:efa0 is not in the catalog/);
    });

    it('"unknown" (an import whose source names no model) is a warning saying which command identifies it', async () => {
        const text = withModels('"unknown"', '"ConnectX-7"');
        const cat = (await build(text)).diagnostics().filter(d => d.code === 'CAT001');
        expect(cat).toHaveLength(1);
        expect(cat[0].severity).toBe(Severity.warning);
        expect(cat[0].message).toMatch(/^GPU model not known .*nvidia-smi --query-gpu=index,pci\.bus_id,name/);
    });

    it('a misspelt name stays an error', async () => {
        const d = await onlyError(withModels('"NVIDIA H200 SXM"', '"ConnectX-7"'));
        expect(d.code).toBe('CAT001');
        expect(d.message).toMatch(/^Unknown GPU model "NVIDIA H200 SXM"/);
    });
});
