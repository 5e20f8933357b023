/**
 * Validation for vmtopo: registers every rule family's node checks with Langium's validation
 * registry (they run per document as the user types) and hands each document its share of the
 * topology checks, which {@link TopologyRuleRunner} runs once per workspace build. Every diagnostic
 * carries its rule id as `code` and `data.code`, the rule's section of docs/rules.md as
 * `codeDescription` (rule-links.ts), and the other objects involved as `relatedInformation`.
 */
import { AstUtils, GrammarUtils, type AstNode, type ValidationAcceptor, type ValidationCheck } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type * as ast from '../../generated/ast.js';
import { nodeForProperty } from '../../kernel/cst.js';
import { ruleDocUrl } from './links.js';
import type { PlacedRelated } from './runner.js';
import type { NodeCheck, NodeReport, RuleFamily, RuleInfo, Severity } from './rule.js';
import { RULE_FAMILIES } from '../index.js';
import type { TopologyRuleRunner } from './runner.js';

export class VmtopoValidator {
    private readonly runner: TopologyRuleRunner;

    constructor(services: LangiumServices & { validation: { TopologyRuleRunner: TopologyRuleRunner } }) {
        this.runner = services.validation.TopologyRuleRunner;
    }

    /** The document's share of the topology checks. */
    checkModel(model: ast.Model, accept: ValidationAcceptor): void {
        for (const r of this.runner.reportsFor(AstUtils.getDocument(model).uri.toString())) {
            acceptReport(accept, r);
        }
    }
}

/** Reports `r` through Langium's acceptor with the rule's code, link and data. */
export function acceptReport(accept: ValidationAcceptor, r: NodeReport & { severity?: Severity; related?: readonly PlacedRelated[] }): void {
    const rule: RuleInfo = r.rule;
    const relatedInformation = (r.related ?? []).flatMap(rel => {
        const cst = rel.node.$cstNode;
        if (!cst) return [];
        const at = rel.property ? propertyNode(rel.node, rel.property, rel.index) ?? cst : cst;
        return [{ location: { uri: rel.uri, range: at.range }, message: rel.message }];
    });
    accept(r.severity ?? rule.severity, r.message, {
        node: r.node,
        property: r.property as never,
        index: r.index,
        code: rule.id,
        codeDescription: { href: ruleDocUrl(rule) },
        relatedInformation: relatedInformation.length > 0 ? relatedInformation : undefined,
        data: { code: rule.id, ...r.data }
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
export function registerValidationChecks(services: LangiumServices & { validation: { VmtopoValidator: VmtopoValidator } },
    families: readonly RuleFamily[] = RULE_FAMILIES): void {
    const registry = services.validation.ValidationRegistry;
    const v = services.validation.VmtopoValidator;
    registry.register({ Model: v.checkModel }, v);
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
                const run: ValidationCheck = (node: AstNode, accept: ValidationAcceptor) => check(node, reportTo(accept));
                registry.register({ [type]: run });
            }
        }
    }
}
