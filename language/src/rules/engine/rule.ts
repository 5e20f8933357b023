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
 * A report names its rule; the rule id becomes the diagnostic's `code` and `data.code`, and the
 * rule's first source its `codeDescription` link. A report may carry its quick-fixes (`fixes`: the
 * edits its family file computed with the helpers of `engine/fixes.ts`); the engine puts them into
 * the diagnostic's `data.fixes`, and the editor's code-action provider offers each after verifying
 * it. That is the one quick-fix mechanism of every rule: a rule whose record says `quickFix: true`
 * gives its reports `fixes`.
 */
import type { AstNode } from 'langium';
import type { VmtopoAstType } from '../../generated/ast.js';
import type { ResolvedTopology } from '../../model/resolve.js';
import type { Topology } from '../../model/topology.js';
import type { FixData } from './fixes.js';
import type { NameLimit } from '../../syntax/limits.js';

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
    /** Whether the editor offers a quick-fix for the rule's diagnostics (its reports carry `fixes`). */
    readonly quickFix: boolean;
    /**
     * Source keys (`catalog/sources.ts`: `SOURCES`, e.g. `NVAIE-MMIO`). The first is the
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
    /** Extra data (merged into `diagnostic.data` next to `code`). */
    readonly data?: ReportData;
    /** The report's quick-fixes, the preferred first; `undefined` entries (no syntax to edit) are left out. */
    readonly fixes?: ReportFixes;
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
    readonly data?: ReportData;
    /** The report's quick-fixes, the preferred first; `undefined` entries are left out. */
    readonly fixes?: ReportFixes;
}

/**
 * Extra data of a report: facts a client or test may read (`vm`, `need`, …), merged into
 * `diagnostic.data` next to `code`. Quick-fixes are not data: they go in the report's `fixes`.
 */
export type ReportData = Readonly<Record<string, unknown>> & { readonly fixes?: never };

/**
 * Quick-fixes of a report (`engine/fixes.ts`), in order of preference: each becomes one code
 * action, the first the preferred one. An entry a check could not compute (the syntax it edits is
 * missing) is `undefined` and left out; the diagnostic's `data.fixes` holds the others.
 */
export type ReportFixes = readonly (FixData | undefined)[];

/**
 * What a node check may read besides its node: facts owned by layers above the rules, handed in by
 * vmtopo-module.ts (the rules never import those layers).
 */
export interface NodeCheckContext {
    /** The longest name the language accepts (SYN008), set by the export formats' file-name suffixes. */
    readonly names: NameLimit;
}

/** A check of one syntax node; it reports through `report` and must not throw on half-typed nodes. */
export type NodeCheck<N extends AstNode = AstNode> = (node: N, report: (report: NodeReport) => void, context: NodeCheckContext) => void;

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
