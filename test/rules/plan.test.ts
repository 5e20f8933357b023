/**
 * PLAN — requests for the placement planner: an unknown GPU model, vGPU type or MIG profile
 * (PLAN001) and a request that contradicts itself (PLAN002) are one error each, on the clause.
 */
import { describe, it, expect } from 'vitest';
import { build } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

async function errors(request: string) {
    const text = `${HOST}\n${request}\n`;
    const list = (await build(text)).diagnostics().filter(d => d.severity === Severity.error);
    return { text, list };
}

describe('PLAN001: requests name catalog GPUs, vGPU types and MIG profiles', () => {
    it('a well-formed request has no diagnostics', async () => {
        const { list } = await errors('request trainer { gpu 2 "H200 SXM5 141GB" passthrough nic 1 per-gpu passthrough same-switch vcpus 16 memory 64 GiB hugepages 1 GiB locality required count 2 }');
        expect(list).toEqual([]);
    });

    it('an unknown GPU model is one error on the model, listing the known ones', async () => {
        const { text, list } = await errors('request r { gpu 1 "H300" passthrough vcpus 8 memory 8 GiB }');
        expect(list).toHaveLength(1);
        expect(list[0].code).toBe('PLAN001');
        expect(list[0].message).toMatch(/^Unknown GPU model "H300"\. Known: .*H200 SXM5 141GB/);
        expect(list[0].range.start).toEqual(at(text, '"H300"'));
    });

    it('a MIG profile the model does not have is one error on the profile', async () => {
        const { text, list } = await errors('request r { gpu 1 "H200 SXM5 141GB" mig "1g.10gb" vcpus 8 memory 8 GiB }');
        expect(list.map(d => d.code)).toEqual(['PLAN001']);
        expect(list[0].message).toContain('1g.18gb');
        expect(list[0].range.start).toEqual(at(text, '"1g.10gb"'));
    });

    it('with any GPU, a vGPU type no catalog GPU offers is an error', async () => {
        const { list } = await errors('request r { gpu 1 any vgpu "Z9-99C" vcpus 8 memory 8 GiB }');
        expect(list.map(d => d.code)).toEqual(['PLAN001']);
        expect(list[0].message).toContain('no GPU of the catalog');
    });
});

describe('PLAN002: contradictory requests', () => {
    it('locality required with NICs anywhere', async () => {
        const { text, list } = await errors('request r { gpu 1 any passthrough nic 1 per-gpu vf any vcpus 8 memory 8 GiB locality required }');
        expect(list.map(d => d.code)).toEqual(['PLAN002']);
        expect(list[0].range.start).toEqual(at(text, 'any vcpus'));
    });

    it('NICs per GPU without GPUs', async () => {
        const { list } = await errors('request r { nic 1 per-gpu vf vcpus 8 memory 8 GiB }');
        expect(list.map(d => d.code)).toEqual(['PLAN002']);
        expect(list[0].message).toMatch(/no GPUs/);
    });

    it('an odd vCPU count as SMT pairs', async () => {
        const { list } = await errors('request r { vcpus 7 memory 8 GiB }');
        expect(list.map(d => d.code)).toEqual(['PLAN002']);
        expect((await errors('request r { vcpus 7 no-smt memory 8 GiB }')).list).toEqual([]);
    });

    it('memory that is not a whole number of hugepages', async () => {
        const { list } = await errors('request r { vcpus 8 memory 1536 MiB hugepages 1 GiB }');
        expect(list.map(d => d.code)).toEqual(['PLAN002']);
    });
});

describe('PLAN003: a request that cannot be placed is reported by the planner, not while editing', () => {
    it('two passthrough VMs of three GPUs each do not fit four GPUs: the planner names GPUs; validation says nothing', async () => {
        const text = `${HOST}\nrequest big { gpu 3 "H200 SXM5 141GB" passthrough vcpus 4 memory 8 GiB count 2 }\n`;
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.code === 'PLAN003')).toEqual([]);
        const { planWorkspace } = await import('../../language/src/features/plan/index.js');
        const plan = await planWorkspace(ws.resolved().topology, ws.documents[0].parseResult.value.requests);
        expect(plan.errors.map(e => e.message)).toEqual(['big: 1 of 2 VMs cannot be placed; GPUs ran out first.']);
        expect(plan.text).toBe('');
    });
});
