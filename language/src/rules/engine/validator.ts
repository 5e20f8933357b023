/**
 * Validation for vmtopo: registers every rule family's node checks with Langium's validation
 * registry (they run per document as the user types) and hands each document its share of the
 * topology checks, which {@link TopologyRuleRunner} runs once per workspace build. Every diagnostic
 * carries its rule id as `code` and `data.code`, the rule's section of docs/rules.md as
 * `codeDescription` (links.ts), the other objects involved as `relatedInformation`, and its
 * report's quick-fixes as `data.fixes` (fixes.ts; the code-action provider offers them).
 */
import { AstUtils, GrammarUtils, type AstNode, type LangiumDocument, type ValidationAcceptor, type ValidationCheck } from 'langium';
import type { DiagnosticRelatedInformation } from 'vscode-languageserver-types';
import type { LangiumCoreServices } from 'langium';
import type * as ast from '../../generated/ast.js';
import { nodeForProperty } from '../../kernel/cst.js';
import { ruleDocUrl } from './links.js';
import type { PlacedRelated, PlacedReport } from './runner.js';
import type { NodeCheck, NodeCheckContext, NodeReport, RuleFamily, RuleInfo, Severity } from './rule.js';
import type { RuleRegistryServices } from './registry.js';
import type { TopologyRuleRunner } from './runner.js';
import { VmtopoDocumentValidator } from '../../langium/document-validator.js';

export class VmtopoValidator {
    private readonly runner: TopologyRuleRunner;
    /** The related information each topology report was last given to its document with. */
    private readonly relatedGiven = new WeakMap<PlacedReport, readonly DiagnosticRelatedInformation[]>();

    constructor(services: LangiumCoreServices & { validation: { TopologyRuleRunner: TopologyRuleRunner } }) {
        this.runner = services.validation.TopologyRuleRunner;
    }

    /** The document's share of the topology checks. */
    checkModel(model: ast.Model, accept: ValidationAcceptor): void {
        for (const r of this.runner.reportsFor(AstUtils.getDocument(model).uri.toString())) {
            const related = relatedInformationOf(r.related);
            if (r.related) this.relatedGiven.set(r, related);
            acceptReport(accept, r, related);
        }
    }

    /**
     * Whether {@link checkModel} would now give `document` what it gave it at its last validation:
     * the runner hands it the same reports, and those related to a document of `changedUris` (whose
     * text moved) are related at the same places as then.
     */
    sameAsLastValidation(document: LangiumDocument, changedUris: ReadonlySet<string>): boolean {
        const reports = this.runner.unchangedReports(document.uri.toString());
        if (!reports) return false;
        for (const r of reports) {
            if (!r.related?.some(rel => changedUris.has(rel.uri))) continue;
            const given = this.relatedGiven.get(r);
            const now = relatedInformationOf(r.related);
            if (!given || given.length !== now.length || now.some((x, i) => !sameRelated(x, given[i]))) return false;
        }
        return true;
    }
}

function sameRelated(a: DiagnosticRelatedInformation, b: DiagnosticRelatedInformation): boolean {
    const [p, q] = [a.location.range, b.location.range];
    return a.location.uri === b.location.uri && a.message === b.message
        && p.start.line === q.start.line && p.start.character === q.start.character && p.end.line === q.end.line && p.end.character === q.end.character;
}

/** The related information of a report: each related object at its place (its property's text when it names one). */
function relatedInformationOf(related: readonly PlacedRelated[] | undefined): DiagnosticRelatedInformation[] {
    return (related ?? []).flatMap(rel => {
        const cst = rel.node.$cstNode;
        if (!cst) return [];
        const at = rel.property ? propertyNode(rel.node, rel.property, rel.index) ?? cst : cst;
        return [{ location: { uri: rel.uri, range: at.range }, message: rel.message }];
    });
}

/**
 * Reports `r` through Langium's acceptor with the rule's code, link and data (`relatedInformation`:
 * made from `r.related` when not given); the report's `fixes` (those computed, in order) become
 * `data.fixes`.
 */
export function acceptReport(accept: ValidationAcceptor, r: NodeReport & { severity?: Severity; related?: readonly PlacedRelated[] },
    relatedInformation: DiagnosticRelatedInformation[] = relatedInformationOf(r.related)): void {
    const rule: RuleInfo = r.rule;
    accept(r.severity ?? rule.severity, r.message, {
        node: r.node,
        property: r.property,
        index: r.index,
        code: rule.id,
        codeDescription: { href: ruleDocUrl(rule) },
        relatedInformation: relatedInformation.length > 0 ? relatedInformation : undefined,
        data: { code: rule.id, ...r.data, ...(r.fixes ? { fixes: r.fixes.filter(f => f !== undefined) } : {}) }
    });
}

/** The CST node of `property` (its `index`-th value for a list) of `node`. */
function propertyNode(node: AstNode, property: string, index: number | undefined) {
    if (index === undefined) return nodeForProperty(node.$cstNode!, property);
    return GrammarUtils.findNodesForProperty(node.$cstNode, property)[index];
}

/**
 * Registers the checks with Langium's validation registry (fast category: they run as you type):
 * the Model check that hands out the topology diagnostics, and each node check of each family as a
 * validation check of its own (one that throws is reported to the log; the others still run).
 */
export function registerValidationChecks(services: LangiumCoreServices & RuleRegistryServices
    & { validation: { VmtopoValidator: VmtopoValidator; TopologyRuleRunner: TopologyRuleRunner; NodeCheckContext: NodeCheckContext } },
    families: readonly RuleFamily[] = services.validation.RuleRegistry.families): void {
    const registry = services.validation.ValidationRegistry;
    const v = services.validation.VmtopoValidator;
    const context = services.validation.NodeCheckContext;
    registry.register({ Model: (model: ast.Model, accept: ValidationAcceptor) => v.checkModel(model, accept) });
    // One report function per acceptor (the acceptor changes per document and block, not per node
    // and check): no closure per node and check.
    let lastAccept: ValidationAcceptor | undefined;
    let lastReport: (r: NodeReport) => void = () => undefined;
    const reportTo = (accept: ValidationAcceptor): ((r: NodeReport) => void) => {
        if (accept !== lastAccept) {
            lastAccept = accept;
            lastReport = r => acceptReport(accept, r);
        }
        return lastReport;
    };
    for (const family of families) {
        for (const [type, checks] of Object.entries(family.nodeChecks ?? {})) {
            for (const check of checks as ReadonlyArray<NodeCheck<AstNode>>) {
                const run: ValidationCheck = (node: AstNode, accept: ValidationAcceptor) => check(node, reportTo(accept), context);
                registry.register({ [type]: run });
            }
        }
    }
    // When the root node's only check is the topology share (checkModel), it gives a document what it
    // gave it last while the runner hands it the same reports: the builder need not validate a
    // document again whose text and links did not change then (VmtopoDocumentValidator.mayChange).
    const documentValidator = services.validation.DocumentValidator;
    if (documentValidator instanceof VmtopoDocumentValidator && registry.getChecks('Model').count() === 1) {
        documentValidator.rootChecksStay = (document, changedUris) => v.sameAsLastValidation(document, changedUris);
    }
}
