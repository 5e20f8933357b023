/**
 * The rule registry the engine is handed: every rule family, every rule record and the lookup by
 * id. The engine never imports the families itself (`rules/index.ts` builds the registry from them
 * and `vmtopo-module.ts` hands it to the services), so a family is added in one place.
 */
import type { RuleFamily, RuleInfo } from './rule.js';
import { compareCodeUnits } from '../../kernel/text.js';

export class RuleRegistry {
    /** Every rule record, sorted by id. */
    readonly all: readonly RuleInfo[];
    private readonly byIds: ReadonlyMap<string, RuleInfo>;

    /**
     * @param families the rule families in check order: topology checks run, and their diagnostics
     *   come, in this order.
     * @throws Error when two records share an id.
     */
    constructor(readonly families: readonly RuleFamily[]) {
        this.all = families.flatMap(f => f.rules).sort((a, b) => compareCodeUnits(a.id, b.id));
        const ids = new Map<string, RuleInfo>();
        for (const rule of this.all) {
            if (ids.has(rule.id)) throw new Error(`rule id ${rule.id} is declared twice`);
            ids.set(rule.id, rule);
        }
        this.byIds = ids;
    }

    /** The record of a rule id (exact, upper case), or undefined. */
    byId(id: string): RuleInfo | undefined {
        return this.byIds.get(id);
    }

    /**
     * The record of a rule the engine reports itself (rule control's SUP rules).
     * @throws Error when the registry lacks it (a family was left out).
     */
    required(id: string): RuleInfo {
        const rule = this.byIds.get(id);
        if (!rule) throw new Error(`the rule registry has no rule ${id}`);
        return rule;
    }
}

/** The services entry of the registry (`services.validation.RuleRegistry`). */
export type RuleRegistryServices = { validation: { RuleRegistry: RuleRegistry } };
