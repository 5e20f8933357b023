/**
 * Drift compares a domain with the facts of vmtopo's export made straight from the guest plan
 * (expected.ts); they must be exactly what reading the exported XML gives, for every VM the examples
 * and the test fixtures declare (passthrough, vGPU mdev and VF, MIG, NVSwitches, NIC VFs, unpinned,
 * pinned with and without SMT pairs, with and without hugepages and pcihole64).
 */
import { describe, expect, it } from 'vitest';
import { exportLibvirtDomain } from '../../../language/src/features/export/libvirt.js';
import { planGuestAddresses } from '../../../language/src/model/guest-plan.js';
import { readDomain } from '../../../language/src/features/drift/domain.js';
import { expectedDomain } from '../../../language/src/features/drift/expected.js';
import { HOST } from '../../support/fixtures.js';
import { buildWorkspace, readRepoFile } from '../../support/util.js';

describe('expected domain facts = the facts of the exported XML', () => {
    const sources: Record<string, string> = {
        'examples/hgx-h200.vmtopo': readRepoFile('examples/hgx-h200.vmtopo'),
        'fixture HOST + VMs': `${HOST}
vm unpinned on h { vcpus 4 memory 16 GiB }
vm bios-mmio on h { vcpus 2 pin 0-1 memory 8 GiB mmio 256 GiB firmware bios }
`
    };
    for (const [name, text] of Object.entries(sources)) {
        it(name, async () => {
            const ws = await buildWorkspace({ 'a.vmtopo': text });
            const vms = ws.resolved().topology.vms.filter(v => v.host.platform === 'kvm');
            expect(vms.length).toBeGreaterThan(1);
            for (const vm of vms) {
                const plan = planGuestAddresses(vm);
                const { uuid, ...fromXml } = readDomain(exportLibvirtDomain(vm, plan));
                expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
                expect(expectedDomain(vm, plan), vm.name).toEqual(fromXml);
            }
        });
    }
});
