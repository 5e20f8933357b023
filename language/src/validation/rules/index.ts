/**
 * Every topology rule family, one file per id prefix. To find rule `LOC001`, open `loc.ts`.
 */
import type { RuleFamily } from '../rule.js';
import { GEN } from './gen.js';
import { LOC } from './loc.js';
import { NIC } from './nic.js';
import { MMIO } from './mmio.js';
import { LIC } from './lic.js';
import { SRIOV } from './sriov.js';
import { NCCL } from './nccl.js';

export const RULE_FAMILIES: readonly RuleFamily[] = [GEN, LOC, NIC, MMIO, LIC, SRIOV, NCCL];
