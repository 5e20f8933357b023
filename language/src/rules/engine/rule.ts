/**
 * The rule registry's contract. Every rule has one record ({@link RuleInfo}): its id, default
 * severity, one-line summary, what it is about and how to fix it, its sources and whether a
 * quick-fix exists. Diagnostics, the README's rule table and `docs/rules.md` all read these
 * records. Rules live in `rules/`, one file per id prefix (`loc.ts` holds LOC001–LOC013), and are
 * of two kinds:
 *
 * - node checks ({@link NodeCheck}) look at one syntax node (a token's form, a catalog name, a
 *   clause given twice) and run per document as the user types;
 * - topology checks ({@link RuleCheck}) read the workspace's resolved topology, host by host (or,
 *   marked `workspace`, all at once); they run once per workspace build, only over hosts that
 *   changed, and each document receives the diagnostics that fall into it.
 *
 * A report names its rule; the rule id becomes the diagnostic's `code` and `data.code` (what code
 * actions key on), and the rule's first source its `codeDescription` link.
 */
import type { AstNode } from 'langium';
import type { VmtopoAstType } from '../../generated/ast.js';
import type { ResolvedTopology } from '../../model/resolve.js';
import type { Topology } from '../../model/topology.js';

export type Severity = 'error' | 'warning' | 'info';

/** The record of one rule. */
export interface RuleInfo {
    /** Stable id, e.g. `LOC001`: a family prefix and three digits. */
    readonly id: string;
    /** Default severity. A check may report a rule harsher where it says so (NIC001 across sockets). */
    readonly severity: Severity;
    /** One line: what is wrong when the rule fires (README rule table). */
    readonly summary: string;
    /** Why it matters: what breaks or degrades (docs/rules.md). */
    readonly why: string;
    /** How to fix it (docs/rules.md); with `quickFix`, what the editor's quick-fix does. */
    readonly fix: string;
    /** Whether the editor offers a quick-fix for the rule's diagnostics. */
    readonly quickFix: boolean;
    /**
     * Source keys (rules.md Part C spelling; resolved by the catalog's `SOURCES`). The first is the
     * diagnostic's `codeDescription` link.
     */
    readonly sources: readonly [string, ...string[]];
}

/** A diagnostic of a topology check. */
export interface Report {
    readonly rule: RuleInfo;
    /** Defaults to the rule's severity. */
    readonly severity?: Severity;
    readonly message: string;
    /** A model object from the resolved topology (host, device, VM, VM GPU/NIC entry). */
    readonly target: object;
    /** Optional property of the target's AST node to underline, e.g. `pin` or `mmio`. */
    readonly property?: string;
    /** Extra data for the quick-fix (merged into `diagnostic.data` next to `code`). */
    readonly data?: Record<string, unknown>;
    /**
     * The other objects involved (the GPU, the other VM holding the CPU or the partition), shown as
     * the diagnostic's `relatedInformation`: a model object (placed like `target`) and what it is.
     * The runner keeps the first `MAX_RELATED` (kernel/bounds.ts); a message that lists the objects
     * of a group names a few of them through `nameList` and counts the rest.
     */
    readonly related?: readonly RelatedReport[];
}

/** One entry of a report's `relatedInformation`: a model object of the topology and a short note. */
export interface RelatedReport {
    readonly target: object;
    readonly property?: string;
    readonly message: string;
}

export interface RuleContext {
    readonly topology: Topology;
    readonly resolved: ResolvedTopology;
    report(report: Report): void;
}

/**
 * One topology check: the rules it reports and the function that runs it over the topology. A check
 * relates the objects of one host — its sockets, switches and devices, and the VMs on it — and is
 * run host by host, each time with `ctx.topology` holding one host and its VMs (the reports of an
 * unchanged host are reused); a check that must see every host and VM at once (names across the
 * workspace) says `workspace: true` and runs over the whole topology.
 */
export interface RuleCheck {
    readonly rules: readonly RuleInfo[];
    run(ctx: RuleContext): void;
    /** Runs over the whole workspace's topology (its `declarations` too), not host by host. */
    readonly workspace?: true;
}

/** A diagnostic of a node check, on `node` (and its `property`, list `index`). */
export interface NodeReport {
    readonly rule: RuleInfo;
    /** Defaults to the rule's severity. */
    readonly severity?: Severity;
    readonly message: string;
    readonly node: AstNode;
    readonly property?: string;
    readonly index?: number;
    readonly data?: Record<string, unknown>;
}

/** A check of one syntax node; it reports through `report` and must not throw on half-typed nodes. */
export type NodeCheck<N extends AstNode = AstNode> = (node: N, report: (report: NodeReport) => void) => void;

/** Node checks by AST type name (`Gpu`, `Vm`, …). */
export type NodeChecks = { readonly [K in keyof VmtopoAstType]?: ReadonlyArray<NodeCheck<VmtopoAstType[K]>> };

/**
 * A rule family: its rules, its topology checks and its node checks. Each check runs on its own:
 * one that throws is reported (with its rule ids) to the internal-error log, and the others still run.
 */
export interface RuleFamily {
    readonly rules: readonly RuleInfo[];
    readonly checks?: readonly RuleCheck[];
    readonly nodeChecks?: NodeChecks;
}
