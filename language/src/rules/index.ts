/**
 * The rule registry: every rule family, one file per id prefix — rule `LOC001` is in `loc.ts` (its
 * record, its check and its quick-fix), its tests in test/rules/loc.test.ts. {@link ALL_RULES} lists
 * every record, {@link ruleById} finds one. A new family: its file (records, checks, quick-fixes
 * given to the reports as `fixes`), one line here, its test file, `npm run docs`;
 * test/rules/engine/registry.test.ts fails until the files and the registry agree.
 */
import type { RuleFamily, RuleInfo } from './engine/rule.js';
import { RuleRegistry } from './engine/registry.js';
import { CAT } from './cat.js';
import { FM } from './fm.js';
import { GEN } from './gen.js';
import { HOST } from './host.js';
import { IOMMU } from './iommu.js';
import { KVM } from './kvm.js';
import { KVIRT } from './kvirt.js';
import { LIC } from './lic.js';
import { LOC } from './loc.js';
import { MIG } from './mig.js';
import { MMIO } from './mmio.js';
import { NCCL } from './nccl.js';
import { NIC } from './nic.js';
import { PCIE } from './pcie.js';
import { PLAN } from './plan.js';
import { RDMA } from './rdma.js';
import { SRIOV } from './sriov.js';
import { SUP } from './sup.js';
import { SYN } from './syn.js';
import { VGPU } from './vgpu.js';

/**
 * Every rule family, one per id prefix. The order is the order in which the topology checks run and
 * a document's diagnostics of one place are listed; SUP's rules are reported by rule control
 * (`engine/control.ts`), not by a check.
 */
export const RULE_FAMILIES: readonly RuleFamily[] = [SYN, CAT, VGPU, MIG, GEN, LOC, NIC, MMIO, LIC, SRIOV, NCCL, SUP, HOST, KVM, FM, IOMMU, RDMA, PCIE, KVIRT, PLAN];

/** The registry of every family, handed to the rule engine's services (vmtopo-module.ts). */
export const RULES = new RuleRegistry(RULE_FAMILIES);

/** Every rule record, sorted by id. */
export const ALL_RULES: readonly RuleInfo[] = RULES.all;

/** The record of a rule id, or undefined. */
export function ruleById(id: string): RuleInfo | undefined {
    return RULES.byId(id);
}
