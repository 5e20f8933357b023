/**
 * Host CPU models of the vmtopo catalog: what NCCL's `<cpu>` element needs.
 *
 * `familyId` / `modelId` use NCCL's own CPUID formula [NCCL-TOPO] (NVIDIA/nccl 2.30.7
 * src/graph/xml.cc 532-559, topo.cc 744-757): familyid = family + (extFamily << 4),
 * modelid = model + (extModel << 4), where family/model are CPUID.1:EAX bits 11-8 / 7-4 and
 * extFamily/extModel bits 27-20 / 19-16. For Intel (family 6, extFamily 0) this equals the usual
 * display family/model; for AMD (base family 0xF) it does NOT equal the display family
 * (0x17 → 0xF + (0x8 << 4) = 143; 0x19 → 0xF + (0xA << 4) = 175).
 * Intel thresholds NCCL applies: modelid ≥ 0xCF (207) Emerald Rapids, ≥ 0x8F (143) Sapphire Rapids.
 */
import type { CpuSpec } from './types.js';

/**
 * NCCL's familyid/modelid from the x86 display family and model (derived, [NCCL-TOPO]).
 * @param displayFamily e.g. 6 (Intel), 0x17 (AMD Zen/Zen2), 0x19 (AMD Zen3/Zen4)
 * @param displayModel e.g. 0x8F, 0x31, 0x11
 */
function ncclCpuIds(displayFamily: number, displayModel: number): { familyId: number; modelId: number } {
    // CPUID encodes a family ≥ 0xF as base 0xF + extFamily. For families 6 and 0xF the model is
    // base model (low nibble) + extModel (high nibble), so NCCL's modelid is the display model.
    const baseFamily = displayFamily >= 0xf ? 0xf : displayFamily;
    const extFamily = displayFamily >= 0xf ? displayFamily - 0xf : 0;
    return { familyId: baseFamily + (extFamily << 4), modelId: displayModel };
}

function intelXeon(model: string, aliases: readonly string[], displayModel: number, sources: readonly string[]): CpuSpec {
    return { kind: 'cpu', model, aliases, arch: 'x86_64', vendor: 'GenuineIntel', ...ncclCpuIds(6, displayModel), sources };
}

function amdEpyc(model: string, aliases: readonly string[], displayFamily: number, displayModel: number, sources: readonly string[]): CpuSpec {
    return { kind: 'cpu', model, aliases, arch: 'x86_64', vendor: 'AuthenticAMD', ...ncclCpuIds(displayFamily, displayModel), sources };
}

/** All CPU models of the catalog. */
export const CPUS: readonly CpuSpec[] = [
    // Sapphire Rapids: family 6, model 0x8F = 143 [LINUX-INTEL-FAM]; familyid 6 / modelid 143 in real
    // NCCL files of H100 hosts [AZ-NDV5] [OCI-H100-TOPO]. 8480C is the DGX H100 part [BASEPOD].
    intelXeon('Xeon Platinum 8480+', ['Intel Xeon Platinum 8480+', 'Xeon 8480+', 'Xeon Platinum 8480C', 'Intel Xeon Platinum 8480C'], 0x8f, ['LINUX-INTEL-FAM', 'NCCL-TOPO', 'AZ-NDV5', 'OCI-H100-TOPO']),
    intelXeon('Xeon Platinum 8468', ['Intel Xeon Platinum 8468', 'Xeon 8468'], 0x8f, ['LINUX-INTEL-FAM', 'NCCL-TOPO']),
    // Emerald Rapids: family 6, model 0xCF = 207 [LINUX-INTEL-FAM]; modelid 207 in [OCI-B300-TOPO]
    intelXeon('Xeon Platinum 8592+', ['Intel Xeon Platinum 8592+', 'Xeon 8592+'], 0xcf, ['LINUX-INTEL-FAM', 'NCCL-TOPO', 'OCI-B300-TOPO']),
    // Genoa: family 19h, model 11h [WIKICHIP-AMD-CPUID] → familyid 175, modelid 17 (derived [NCCL-TOPO];
    // Milan, family 19h model 01h, shows familyid 175 in the OCI/Azure NCCL files)
    amdEpyc('EPYC 9654', ['AMD EPYC 9654', 'EPYC 9654 96-Core Processor'], 0x19, 0x11, ['WIKICHIP-AMD-CPUID', 'NCCL-TOPO']),
    // Rome: family 17h, model 31h [WIKICHIP-AMD-CPUID] → familyid 143, modelid 49, as in [OCI-A100-TOPO]
    // Sandy Bridge-EP: family 6, model 0x2D = 45 (INTEL_FAM6_SANDYBRIDGE_X) [LINUX-INTEL-FAM]; the
    // kernel's brand string "Intel(R) Xeon(R) CPU E5-2650 0 @ 2.00GHz" (the " 0" marks the first version)
    intelXeon('Xeon E5-2650', ['Intel Xeon E5-2650', 'Xeon E5-2650 0', 'Intel(R) Xeon(R) CPU E5-2650 0 @ 2.00GHz'], 0x2d, ['LINUX-INTEL-FAM', 'NCCL-TOPO']),
    amdEpyc('EPYC 7742', ['AMD EPYC 7742', 'EPYC 7742 64-Core Processor'], 0x17, 0x31, ['WIKICHIP-AMD-CPUID', 'NCCL-TOPO', 'OCI-A100-TOPO'])
];
