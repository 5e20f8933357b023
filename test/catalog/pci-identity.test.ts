/**
 * Catalog identity by PCI id (issue 16): every model the importers meet is found by its PCI
 * vendor:device id first (the PCI ID Repository's, https://pci-ids.ucw.cz), the subsystem deciding
 * only where the catalog lists one; then by the names nvidia-smi, NVML and hwloc print; a model
 * string written as a PCI id resolves the same way; a CPU brand string resolves to the catalog CPU.
 */
import { describe, expect, it } from 'vitest';
import { GPUS, NICS, NVSWITCHES, findByPciId, findCpuByBrand, findGpu, findNic, findNvSwitch, parsePciIdModel } from '../../language/src/catalog/index.js';

describe('models by PCI id', () => {
    it('GPUs whose boards share a chip differ in device id: V100 SXM2 32GB 1db5 / SXM3 32GB 1db8, H100 SXM5 2330 / PCIe 2331', () => {
        expect(findByPciId('gpu', '10de', '1db5')?.model).toBe('V100 SXM2 32GB');
        expect(findByPciId('gpu', '10de', '1db8')?.model).toBe('V100 SXM3 32GB');
        expect(findByPciId('gpu', '10de', '2330')?.model).toBe('H100 SXM5 80GB');
        expect(findByPciId('gpu', '10de', '2331')?.model).toBe('H100 PCIe 80GB');
        expect(findByPciId('gpu', '10de', '20b5')?.model).toBe('A100 PCIe 80GB');
        expect(findByPciId('gpu', '10de', '20b2')?.model).toBe('A100 SXM4 80GB');
    });

    it('the DGX-2H subsystem (10de:131d, "Tesla V100-SXM3-32GB-H") is the same model; any subsystem of a listed device matches', () => {
        expect(findByPciId('gpu', '10de', '1db8', '10de:131d')?.model).toBe('V100 SXM3 32GB');
        expect(findByPciId('gpu', '10de', '2330', '10de:16c1')?.model).toBe('H100 SXM5 80GB');
    });

    it('NICs: ConnectX-4/5/5 Ex/6/6 Dx/7/8 and BlueField 1/2/3, each by its own id', () => {
        const byId = (d: string) => findByPciId('nic', '15b3', d)?.model;
        expect(['1013', '1017', '1019', '101b', '101d', '1021', '1023', 'a2d2', 'a2d6', 'a2dc'].map(byId)).toEqual([
            'ConnectX-4', 'ConnectX-5', 'ConnectX-5 Ex', 'ConnectX-6', 'ConnectX-6 Dx', 'ConnectX-7', 'ConnectX-8', 'BlueField', 'BlueField-2', 'BlueField-3'
        ]);
        // A virtual function's id is not a PF model; an id of another kind finds nothing.
        expect(byId('101e')).toBeUndefined();
        expect(findByPciId('gpu', '15b3', '1021')).toBeUndefined();
    });

    it('no id is claimed by two models of one kind', () => {
        for (const specs of [GPUS, NICS, NVSWITCHES]) {
            const ids = specs.flatMap(s => s.pciIds.map(p => `${p.vendor}:${p.device} ${p.subsystem ?? ''}`));
            expect(new Set(ids).size).toBe(ids.length);
        }
    });

    it('a model string written as a PCI id resolves like a name; one the catalog lacks does not', () => {
        expect(findGpu('10de:1db8')?.model).toBe('V100 SXM3 32GB');
        expect(findGpu('10DE:1DB8 10de:131d')?.model).toBe('V100 SXM3 32GB');
        expect(findNic(' 15b3:1023 ')?.model).toBe('ConnectX-8');
        expect(findNvSwitch('10de:1ac2')?.model).toBe('NVSwitch Gen1');
        expect(findGpu('10de:3182')).toBeUndefined();
        expect(parsePciIdModel('10de:1db8 10de:131d')).toEqual({ vendor: '10de', device: '1db8', subsystem: '10de:131d' });
        expect(parsePciIdModel('10de:1db')).toBeUndefined();
        expect(parsePciIdModel('H100 SXM5 80GB')).toBeUndefined();
    });
});

describe('models by the names the host\'s tools print', () => {
    it('nvidia-smi / NVML names (hwloc\'s GPUModel is NVML\'s)', () => {
        expect(findGpu('Tesla V100-SXM3-32GB')?.model).toBe('V100 SXM3 32GB');
        expect(findGpu('Tesla V100-SXM3-32GB-H')?.model).toBe('V100 SXM3 32GB');
        expect(findGpu('Tesla V100-SXM2-32GB')?.model).toBe('V100 SXM2 32GB');
        expect(findGpu('NVIDIA H100 80GB HBM3')?.model).toBe('H100 SXM5 80GB');
        expect(findGpu('NVIDIA A100 80GB PCIe')?.model).toBe('A100 PCIe 80GB');
        expect(findGpu('NVIDIA A100-SXM4-80GB')?.model).toBe('A100 SXM4 80GB');
    });

    it('lspci / pci.ids names', () => {
        expect(findNic('MT27800 Family [ConnectX-5]')?.model).toBe('ConnectX-5');
        expect(findNic('CX8 Family [ConnectX-8]')?.model).toBe('ConnectX-8');
        expect(findNvSwitch('GA100 [A100 NVSwitch]')?.model).toBe('NVSwitch Gen2');
    });

    it('CPU brand strings as the kernel and hwloc print them', () => {
        expect(findCpuByBrand('Intel(R) Xeon(R) CPU E5-2650 0 @ 2.00GHz')?.model).toBe('Xeon E5-2650');
        expect(findCpuByBrand('Intel(R) Xeon(R) Platinum 8480+')?.model).toBe('Xeon Platinum 8480+');
        expect(findCpuByBrand('AMD EPYC 7742 64-Core Processor')?.model).toBe('EPYC 7742');
        expect(findCpuByBrand('Intel(R) Xeon(R) Platinum 8174 CPU @ 3.10GHz')).toBeUndefined();
        expect(findCpuByBrand('POWER8NVL, altivec supported')).toBeUndefined();
    });
});
