/**
 * The contract between the validator and the rule families in `rules/`. A rule family is a file
 * named after its id prefix (`gen.ts` holds GEN001–GEN003); each rule reads the resolved topology
 * and reports through {@link RuleContext.report}, naming the rule id, which becomes the
 * diagnostic's `code`, its `codeDescription` link (the rule's source) and `data.code` (what code
 * actions key on).
 */
import type { ResolvedTopology } from '../model/resolve.js';
import type { Topology } from '../model/topology.js';

export type Severity = 'error' | 'warning' | 'info';

/** A rule of the catalog (shared/reference/rules.md Part B). */
export interface RuleInfo {
    /** Stable id, e.g. `LOC001`. */
    readonly id: string;
    /** Source key of the rule (rules.md Part C; resolved by the catalog's `SOURCES`). */
    readonly source: string;
    /** One line for the README's rule list. */
    readonly summary: string;
}

export interface Report {
    readonly rule: RuleInfo;
    readonly severity: Severity;
    readonly message: string;
    /** A model object from the resolved topology (host, device, VM, VM GPU/NIC entry). */
    readonly target: object;
    /** Optional property of the target's AST node to underline, e.g. `pin` or `mmio`. */
    readonly property?: string;
    /** Extra data for the quick-fix (merged into `diagnostic.data` next to `code`). */
    readonly data?: Record<string, unknown>;
}

export interface RuleContext {
    readonly topology: Topology;
    readonly resolved: ResolvedTopology;
    report(report: Report): void;
}

/** One check of a family: the rules it reports and the function that runs it over the topology. */
export interface RuleCheck {
    readonly rules: readonly RuleInfo[];
    run(ctx: RuleContext): void;
}

/**
 * A rule family: its rules, and its checks. The validator runs each check on its own: a check that
 * throws is reported (with its rule ids) to the internal-error log and the other checks still run.
 */
export interface RuleFamily {
    readonly rules: readonly RuleInfo[];
    readonly checks: readonly RuleCheck[];
}
