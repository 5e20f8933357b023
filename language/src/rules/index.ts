/**
 * The rule registry: every rule family, one file per id prefix. To find rule `LOC001`, open
 * `loc.ts`; {@link ALL_RULES} lists every record, {@link ruleById} finds one.
 */
import type { RuleFamily, RuleInfo } from './engine/rule.js';
import { SYN } from './syn.js';
import { CAT } from './cat.js';
import { VGPU } from './vgpu.js';
import { MIG } from './mig.js';
import { GEN } from './gen.js';
import { LOC } from './loc.js';
import { NIC } from './nic.js';
import { MMIO } from './mmio.js';
import { LIC } from './lic.js';
import { SRIOV } from './sriov.js';
import { NCCL } from './nccl.js';
import { HOST } from './host.js';
import { SUP } from './sup.js';
import { MIG_LAYOUT } from './mig-layout.js';
import { VGPU_CAPACITY } from './vgpu-capacity.js';
import { GUEST } from './guest.js';
import { FM } from './fm.js';
import { IOMMU } from './iommu.js';
import { RDMA } from './rdma.js';
import { PCIE } from './pcie.js';

/** Every rule family: node checks (SYN, CAT, VGPU, MIG), topology checks, and rule control's own rules (SUP). */
export const RULE_FAMILIES: readonly RuleFamily[] = [SYN, CAT, VGPU, MIG, GEN, LOC, NIC, MMIO, LIC, SRIOV, NCCL, SUP, HOST, MIG_LAYOUT, VGPU_CAPACITY, GUEST, FM, IOMMU, RDMA, PCIE];

/** Every rule record, by id. */
export const ALL_RULES: readonly RuleInfo[] = RULE_FAMILIES.flatMap(f => f.rules).sort((a, b) => a.id.localeCompare(b.id));

const BY_ID = new Map(ALL_RULES.map(r => [r.id, r]));

/** The record of a rule id, or undefined. */
export function ruleById(id: string): RuleInfo | undefined {
    return BY_ID.get(id);
}
