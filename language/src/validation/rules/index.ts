/**
 * Every topology rule family, one file per id prefix. To find rule `LOC001`, open `loc.ts`.
 */
import type { RuleFamily } from '../rule.js';

export const RULE_FAMILIES: readonly RuleFamily[] = [];
