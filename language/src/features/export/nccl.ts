/**
 * NCCL topology XML (`NCCL_TOPO_FILE`) for one VM: the guest's PCI tree as NCCL should see it
 * (NVIDIA/nccl 2.30.7 `src/graph/xml.cc`, `topo.cc` [NCCL-TOPO] [NCCL-XML]).
 *
 * PCI skeleton style, as in the files Azure (Azure/azhpc-images `topology/`) and AWS
 * (aws/aws-ofi-nccl `topology/`) ship and as NCCL's maintainers advise for VMs
 * (https://github.com/NVIDIA/nccl/issues/1843): `<system version="1">`, one `<cpu>` per guest NUMA
 * cell that holds devices, one `<pci class="0x060400">` per mirrored host switch named by the guest
 * bus id of its emulated upstream port, and one `<pci>` per GPU / NIC / VF / vGPU with its guest bus id — the
 * addresses of the {@link GuestPlan} the libvirt export uses. No `<gpu>`, `<nic>`, `<net>`,
 * `<nvlink>`, no `host_hash`: NCCL fills those itself and file values would override detection.
 * Written in the subset NCCL's tokenizer reads (src/graph/xml.cc): no XML declaration, double
 * quotes, one element per line, 2-space indent, `\n` line ends, lowercase `dddd:bb:dd.f` bus ids.
 */
import { create } from 'xmlbuilder2';
import type { VmModel } from '../../model/topology.js';
import type { GuestPlan } from '../../model/guest-plan.js';
import { ExportError } from '../../model/export-error.js';
import { NCCL_MAX_STRING, ncclLimitProblems, ncclTopologyTree, type NcclElement } from '../../model/nccl-topology.js';

/**
 * The NCCL topology file of `vm` (pure; ends with a newline): {@link ncclTopologyTree}, written in
 * the subset NCCL's tokenizer reads (src/graph/xml.cc).
 *
 * Throws {@link ExportError} as {@link ncclTopologyTree} does, and when the file would break a limit
 * of NCCL's parser ({@link ncclLimitProblems}, rule NCCL001).
 */
export function exportNcclTopology(vm: VmModel, plan: GuestPlan): string {
    const tree = ncclTopologyTree(vm, plan);
    const problems = ncclLimitProblems(tree);
    if (problems.length > 0) {
        throw new ExportError(`${vm.name}: no NCCL topology can be written (rule NCCL001): ${problems.join('; ')}`);
    }
    const doc = create();
    const write = (parent: ReturnType<typeof create>, e: NcclElement): void => {
        const el = parent.ele(e.name, e.attributes);
        e.children.forEach(c => write(el, c));
    };
    write(doc, tree);
    const text = `${doc.end({ headless: true, prettyPrint: true, indent: '  ', newline: '\n' })}\n`;
    assertNcclSubset(vm, text);
    return text;
}

/** Post-check of the output against NCCL's tokenizer subset (src/graph/xml.cc); a failure is a bug of this exporter. */
function assertNcclSubset(vm: VmModel, text: string): void {
    const line = new RegExp(`^(?: {2})*(?:<[a-z]+(?: [a-z_]+="[^"&<>]{0,${NCCL_MAX_STRING}}")*\\/?>|<\\/[a-z]+>)$`);
    const bad = text.slice(0, -1).split('\n').find(l => !line.test(l));
    if (bad !== undefined || text.includes('\t') || text.startsWith('<?')) {
        throw new ExportError(`${vm.name}: internal error, NCCL topology line not in NCCL's XML subset: ${JSON.stringify(bad)}`);
    }
}
