/**
 * NCCL — limits of NCCL's topology-file parser (NCCL001): a VM whose NCCL topology file NCCL would
 * reject (its `<cpu affinity>` cpumap is longer than 253 characters above 896 vCPUs) is a warning,
 * and `vmtopo export nccl` refuses it with the same words.
 */
import { describe, it, expect } from 'vitest';
import { ExportError, exportVm } from '../../language/src/features/export/index.js';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

/** A VM `a` with `vcpus` unpinned vCPUs and gpu0 by passthrough, on host `h`. */
const wide = (vcpus: number) => HOST + `vm a on h {\n    vcpus ${vcpus}\n    memory 8 GiB on numa 0\n    gpu gpu0 passthrough\n}\n`;

describe('NCCL001: the NCCL topology file stays within the limits of NCCL\'s parser', () => {
    it('warns on vcpus for 1000 vCPUs (the affinity cpumap is too long), and the NCCL export refuses the VM', async () => {
        const text = wide(1000);
        const ws = await build(text);
        const found = withCode(ws.diagnostics(), 'NCCL001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, '1000'));
        expect(found[0].message).toBe("a: NCCL could not read its topology file, so 'vmtopo export nccl' refuses it: the affinity attribute of <cpu> of guest NUMA cell 0 would be 287 characters long; NCCL reads at most 253.");
        expect(() => exportVm(ws.resolved().topology.vms[0], 'nccl')).toThrow(ExportError);
    });

    it('does not fire at 896 vCPUs, or for a VM without GPUs', async () => {
        expect(withCode((await build(wide(896))).diagnostics(), 'NCCL001')).toEqual([]);
        expect(withCode((await build(wide(1000).replace('    gpu gpu0 passthrough\n', ''))).diagnostics(), 'NCCL001')).toEqual([]);
    });
});
