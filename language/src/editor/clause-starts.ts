/**
 * Which keywords of the grammar begin a clause: the keywords that can come first in the body of a
 * block (`host h { … }`, `socket s { … }`, `vm v on h { … }`, any rule with a `'{' (…)* '}'` part)
 * or first at the top level of a file (the entry rule). Computed from the generated grammar, so a
 * clause added to `vmtopo.langium` is known here without a list to update.
 *
 * Completion proposes only these keywords at the start of a line and prefers the others (the
 * optional tails of a clause: `pin` after `vcpus 8`, `hugepages` after `memory 64 GiB`) after a
 * clause on the same line; the formatter starts a new line before each of them.
 */
import { GrammarAST, GrammarUtils } from 'langium';

/** The keywords that begin a clause, as grammar elements (the same text may also continue a clause elsewhere: `numa`). */
export interface ClauseStarts {
    /** Keyword elements that start a clause (compare with a CST leaf's `grammarSource`). */
    readonly elements: ReadonlySet<GrammarAST.Keyword>;
    /** Their texts, e.g. `host`, `vm`, `socket`, `vcpus`, `memory`, `gpu`, `vgpu`, `mig`, `nic`. */
    readonly values: ReadonlySet<string>;
}

const CACHE = new WeakMap<GrammarAST.Grammar, ClauseStarts>();

/** The clause-starting keywords of `grammar` (computed once per grammar object). */
export function clauseStarts(grammar: GrammarAST.Grammar): ClauseStarts {
    let result = CACHE.get(grammar);
    if (!result) {
        const elements = new Set<GrammarAST.Keyword>();
        const entry = GrammarUtils.getEntryRule(grammar);
        if (entry) first(entry.definition, elements, new Set());
        for (const rule of grammar.rules) {
            if (!GrammarAST.isParserRule(rule)) continue;
            for (const group of streamGroups(rule.definition)) {
                group.elements.forEach((element, i) => {
                    if (GrammarAST.isKeyword(element) && element.value === '{') {
                        firstOfSequence(group.elements.slice(i + 1), elements, new Set());
                    }
                });
            }
        }
        const values = new Set([...elements].map(k => k.value).filter(v => /\p{L}/u.test(v)));
        result = { elements: new Set([...elements].filter(k => values.has(k.value))), values };
        CACHE.set(grammar, result);
    }
    return result;
}

function* streamGroups(element: GrammarAST.AbstractElement): Generator<GrammarAST.Group> {
    if (GrammarAST.isGroup(element)) yield element;
    if (GrammarAST.isGroup(element) || GrammarAST.isAlternatives(element) || GrammarAST.isUnorderedGroup(element)) {
        for (const child of element.elements) yield* streamGroups(child);
    } else if (GrammarAST.isAssignment(element)) {
        yield* streamGroups(element.terminal);
    }
}

function optional(element: GrammarAST.AbstractElement): boolean {
    return element.cardinality === '?' || element.cardinality === '*';
}

/** Adds the keywords that can begin the sequence to `out`; returns whether the whole sequence may be empty. */
function firstOfSequence(elements: readonly GrammarAST.AbstractElement[], out: Set<GrammarAST.Keyword>, rules: Set<GrammarAST.ParserRule>): boolean {
    for (const element of elements) {
        if (!first(element, out, rules)) return false;
    }
    return true;
}

/**
 * Adds the keywords that can begin `element` to `out` (FIRST set, keywords only); returns whether
 * `element` may match nothing. `rules` guards against left recursion.
 */
function first(element: GrammarAST.AbstractElement, out: Set<GrammarAST.Keyword>, rules: Set<GrammarAST.ParserRule>): boolean {
    let empty: boolean;
    if (GrammarAST.isKeyword(element)) {
        out.add(element);
        empty = false;
    } else if (GrammarAST.isGroup(element)) {
        empty = firstOfSequence(element.elements, out, rules);
    } else if (GrammarAST.isAlternatives(element) || GrammarAST.isUnorderedGroup(element)) {
        empty = false;
        for (const alternative of element.elements) empty = first(alternative, out, rules) || empty;
    } else if (GrammarAST.isAssignment(element)) {
        empty = first(element.terminal, out, rules);
    } else if (GrammarAST.isRuleCall(element)) {
        const rule = element.rule.ref;
        if (GrammarAST.isParserRule(rule) && !rules.has(rule)) {
            rules.add(rule);
            empty = first(rule.definition, out, rules);
            rules.delete(rule);
        } else {
            empty = false; // terminal rule (or recursion): no keyword
        }
    } else if (GrammarAST.isAction(element)) {
        empty = true;
    } else {
        empty = false; // cross-reference, terminal elements
    }
    return empty || optional(element);
}
