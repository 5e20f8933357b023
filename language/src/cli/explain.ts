/**
 * `vmtopo explain RULE`: prints a rule's section of docs/rules.md — what it checks, its default
 * severity, why it matters, how to fix it, whether the editor has a quick-fix, its sources — from
 * the same rule record and the same text function (`ruleSection` in rules/docs.ts) that write
 * docs/rules.md, so the terminal, the file and the editor's "Explain this rule" say the same thing.
 * Loaded only when the command runs (cli.ts).
 */
import { ALL_RULES } from '../rules/index.js';
import { ruleSection } from '../rules/docs.js';
import { shortText } from '../kernel/text.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

/**
 * Prints the section of `ruleId` (case-insensitive: `loc001` is LOC001) on stdout; exit 0. An
 * unknown id is one line on stderr naming the rules of the same family (its letters), or how many
 * rules there are, and exit 2 (a usage error, as an unknown `--rule` id).
 */
export function runExplain(ruleId: string, io: CliIo): number {
    const wanted = ruleId.trim().toUpperCase();
    const rule = ALL_RULES.find(r => r.id === wanted);
    if (!rule) {
        const family = /^[A-Z]+/.exec(wanted)?.[0];
        const siblings = family ? ALL_RULES.filter(r => /^[A-Z]+/.exec(r.id)?.[0] === family).map(r => r.id) : [];
        const hint = siblings.length > 0
            ? `rules of ${family}: ${siblings.join(', ')}`
            : `the ${ALL_RULES.length} rules are listed in docs/rules.md (families: ${[...new Set(ALL_RULES.map(r => /^[A-Z]+/.exec(r.id)?.[0]))].join(', ')})`;
        io.stderr(`vmtopo: unknown rule '${shortText(ruleId, 40)}'; ${hint}\n`);
        return EXIT_USAGE;
    }
    io.stdout(`${ruleSection(rule).join('\n')}\n`);
    return EXIT_OK;
}
