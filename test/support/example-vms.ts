/**
 * The resolved VMs of one of examples/ for a test file: the workspace is built once, in a
 * `beforeAll` the helper registers, and the VMs are looked up by name in the tests.
 */
import { beforeAll, expect } from 'vitest';
import type { VmModel } from '../../language/src/model/topology.js';
import { buildWorkspace, readRepoFile } from './util.js';

/** The HGX H200 example (KVM host `sprocket`). */
export const HGX_EXAMPLE = 'examples/hgx-h200.vmtopo';
/** Its VMs, in the order written. */
export const HGX_VM_NAMES = ['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d'] as const;

/** The VMs of an example, once the `beforeAll` has run. */
export interface ExampleVms {
    /** Every VM, in the order written. */
    all: () => readonly VmModel[];
    /** The VM `name`; throws when the example has none. */
    vm: (name: string) => VmModel;
}

/**
 * Registers a `beforeAll` (call it at the top of a test file or a describe) that builds `example`
 * (a path under the repository) as its only document. `expectClean`: `errors` asserts that no
 * diagnostic is an error, `diagnostics` that there is none at all; left out, nothing is asserted.
 */
export function exampleVms(example: string = HGX_EXAMPLE, expectClean?: 'errors' | 'diagnostics'): ExampleVms {
    let vms: VmModel[] | undefined;
    beforeAll(async () => {
        const ws = await buildWorkspace({ [example.split('/').pop()!]: readRepoFile(example) });
        if (expectClean === 'errors') expect(ws.diagnostics().filter(d => d.severity === 1)).toEqual([]);
        if (expectClean === 'diagnostics') expect(ws.diagnostics()).toEqual([]);
        vms = [...ws.resolved().topology.vms];
    });
    const all = () => {
        if (!vms) throw new Error(`${example} is not built yet (its VMs are there from beforeAll on)`);
        return vms;
    };
    return {
        all,
        vm: name => {
            const found = all().find(v => v.name === name);
            if (!found) throw new Error(`no VM ${name} in ${example}`);
            return found;
        }
    };
}
