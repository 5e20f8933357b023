/**
 * The topology checks of every rule family, run once per workspace build over the resolved
 * topology; each document then receives its share (the diagnostics whose target was written in
 * it). Cost per build: one run of every rule, whatever the number of files — not one per document.
 */
import { AstUtils, WorkspaceCache, type AstNode } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { InternalErrors } from '../internal-errors.js';
import type { TopologyProvider } from '../model/topology-provider.js';
import type { Report, RuleContext, RuleFamily, RuleInfo, Severity } from './rule.js';
import { RULE_FAMILIES } from './rules/index.js';

/** A topology diagnostic placed on the syntax node it concerns. */
export interface PlacedReport {
    readonly rule: RuleInfo;
    readonly severity: Severity;
    readonly message: string;
    readonly node: AstNode;
    readonly property?: string;
    readonly index?: number;
    readonly data?: Record<string, unknown>;
}

export class TopologyRuleRunner {
    private readonly topologies: TopologyProvider;
    private readonly internalErrors: InternalErrors;
    /** Document URI → its diagnostics; cleared with the topology after every change. */
    private readonly cache: WorkspaceCache<'reports', Map<string, PlacedReport[]>>;

    constructor(services: LangiumServices & { model: { TopologyProvider: TopologyProvider }; log: { InternalErrors: InternalErrors } },
        private readonly families: readonly RuleFamily[] = RULE_FAMILIES) {
        this.topologies = services.model.TopologyProvider;
        this.internalErrors = services.log.InternalErrors;
        this.cache = new WorkspaceCache(services.shared);
    }

    /** The topology diagnostics that fall into the document `uri` (a `URI.toString()`). */
    reportsFor(uri: string): readonly PlacedReport[] {
        return this.cache.get('reports', () => this.runAll()).get(uri) ?? [];
    }

    private runAll(): Map<string, PlacedReport[]> {
        const resolved = this.topologies.get();
        const byDocument = new Map<string, PlacedReport[]>();
        const ctx: RuleContext = {
            topology: resolved.topology,
            resolved,
            report: ({ rule, severity, message, target, property, data }: Report) => {
                const where = resolved.trace.get(target);
                if (!where) return;
                const uri = AstUtils.getDocument(where.node).uri.toString();
                let list = byDocument.get(uri);
                if (!list) byDocument.set(uri, list = []);
                list.push({
                    rule, severity: severity ?? rule.severity, message, node: where.node, data,
                    property: property ?? where.property, index: property ? undefined : where.index
                });
            }
        };
        for (const family of this.families) {
            for (const check of family.checks ?? []) {
                // A check that throws is reported once to the log with its rule ids; the others still run.
                this.internalErrors.guard(`rule ${check.rules.map(r => r.id).join('/')}`, () => check.run(ctx), undefined);
            }
        }
        return byDocument;
    }
}
