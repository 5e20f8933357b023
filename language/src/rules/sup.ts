/**
 * SUP — suppression comments (`// vmtopo-ignore RULE: reason`, README "Rule control").
 *
 * A suppression comment silences the named rules on the next line. A comment that cannot do its job
 * is itself a warning, so suppressions never rot silently:
 *
 * - SUP001 (warning): the comment gives no reason (`// vmtopo-ignore LOC001` without `: reason`);
 *   it suppresses nothing until it has one.
 * - SUP002 (warning): the comment names a rule that reports nothing on the next line (unused).
 * - SUP003 (warning): the comment names no rule, or something that is not a rule id.
 *
 * These rules are reported by the rule-control step of validation
 * (`langium/document-validator.ts`, `rules/engine/control.ts`), not by a check of their own;
 * their severity can be overridden like any other rule's, but they cannot be suppressed by a comment.
 */
import type { RuleFamily, RuleInfo } from './engine/rule.js';

export const SUP001: RuleInfo = {
    id: 'SUP001', severity: 'warning', summary: 'Suppression comment without a reason',
    why: 'A suppression hides a finding from everyone who reads or checks the file later; without a reason nobody can tell whether it is still justified. A suppression without a reason suppresses nothing.',
    fix: 'Write the reason after a colon: `// vmtopo-ignore LOC001: the VM is pinned by the scheduler`.',
    quickFix: false, sources: ['VMTOPO-RULE-CONTROL']
};

export const SUP002: RuleInfo = {
    id: 'SUP002', severity: 'warning', summary: 'Suppression comment names a rule that reports nothing on the next line',
    why: 'An unused suppression is left over from a finding that was fixed or moved; kept, it would silently hide the next, unrelated finding of that rule on the line.',
    fix: 'Remove the rule id from the comment (or the whole comment), or move the comment to the line just above the finding (the line `vmtopo check` prints).',
    quickFix: false, sources: ['VMTOPO-RULE-CONTROL']
};

export const SUP003: RuleInfo = {
    id: 'SUP003', severity: 'warning', summary: 'Suppression comment names no rule, or a rule id that does not exist',
    why: 'A suppression must say which rules it silences; a misspelt id silences nothing, and the finding it was meant for still shows.',
    fix: 'Name the rule ids as `vmtopo check` prints them, comma-separated, then a colon and the reason: `// vmtopo-ignore LOC001, LOC003: reason`.',
    quickFix: false, sources: ['VMTOPO-RULE-CONTROL']
};

export const SUP: RuleFamily = {
    rules: [SUP001, SUP002, SUP003]
};
