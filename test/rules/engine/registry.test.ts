/**
 * The rule registry mirrors the files (issue 14: a rule's checks, fixes and tests are found from its
 * id prefix in one step): one rule file per prefix, `language/src/rules/<prefix>.ts`, exporting one
 * family whose records are all of that prefix; one test file per family, `test/rules/<prefix>.test.ts`,
 * naming every rule id of the family and testing the quick-fix of every rule whose record offers one;
 * and no other test file in test/rules but the generated docs' and the examples'. Quick-fixes come
 * only from rules whose record says so.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it, expect } from 'vitest';
import type { RuleFamily, RuleInfo } from '../../../language/src/rules/engine/rule.js';
import { ALL_RULES, RULE_FAMILIES, ruleById } from '../../../language/src/rules/index.js';
import { REPO, build, readRepoFile } from '../../support/util.js';

const RULES_DIR = path.join(REPO, 'language/src/rules');
const TESTS_DIR = path.join(REPO, 'test/rules');
/** The family files: every `rules/*.ts` but the registry and its docs generator. */
const FAMILY_FILES = fs.readdirSync(RULES_DIR).filter(f => f.endsWith('.ts') && f !== 'index.ts' && f !== 'docs.ts').map(f => f.slice(0, -3)).sort();
const prefixOf = (id: string) => /^[A-Z]+/.exec(id)?.[0] ?? '';
const testFileOf = (id: string) => path.join(TESTS_DIR, `${prefixOf(id).toLowerCase()}.test.ts`);

function isRule(value: unknown): value is RuleInfo {
    const v = value as Partial<RuleInfo> | undefined;
    return typeof v?.id === 'string' && typeof v.severity === 'string' && typeof v.summary === 'string';
}

function isFamily(value: unknown): value is RuleFamily {
    return Array.isArray((value as Partial<RuleFamily> | undefined)?.rules);
}

describe('one rule file per id prefix', () => {
    it.each(FAMILY_FILES)('rules/%s.ts exports one family of the registry, and every record it exports is of its prefix', async name => {
        const exported = Object.values(await import(path.join(RULES_DIR, `${name}.ts`)) as Record<string, unknown>);
        const families = exported.filter(isFamily);
        expect(families).toHaveLength(1);
        expect(RULE_FAMILIES).toContain(families[0]);
        const prefix = name.toUpperCase();
        expect(families[0].rules.map(r => r.id).filter(id => prefixOf(id) !== prefix)).toEqual([]);
        const records = exported.filter(isRule);
        expect(records.map(r => r.id).filter(id => prefixOf(id) !== prefix)).toEqual([]);
        expect(records.filter(r => !families[0].rules.includes(r)).map(r => r.id)).toEqual([]);
    });

    it('every family of the registry has its file', () => {
        const prefixes = RULE_FAMILIES.map(f => [...new Set(f.rules.map(r => prefixOf(r.id)))]);
        expect(prefixes.every(p => p.length === 1)).toBe(true);
        expect(prefixes.map(p => p[0].toLowerCase()).sort()).toEqual(FAMILY_FILES);
    });
});

describe('one test file per rule family', () => {
    it('test/rules holds a test file per family, the generated docs\' and the examples\' (engine tests in test/rules/engine)', () => {
        const files = fs.readdirSync(TESTS_DIR).filter(f => f.endsWith('.ts')).sort();
        expect(files).toEqual([...FAMILY_FILES.map(f => `${f}.test.ts`), 'docs.test.ts', 'examples.test.ts'].sort());
    });

    it.each(ALL_RULES.map(r => r.id))('%s is tested in test/rules/<its prefix>.test.ts', id => {
        const file = testFileOf(id);
        expect(fs.existsSync(file), file).toBe(true);
        expect(fs.readFileSync(file, 'utf8')).toMatch(new RegExp(`\\b${id}\\b`));
    });

    it.each(ALL_RULES.filter(r => r.quickFix).map(r => r.id))('%s offers a quick-fix: its family\'s test file applies one', id => {
        // expectFix(before, 'ID', …), fixes(before, 'ID'), fix(before, 'ID', after), actionsFor(before, 'ID'): test/support/quick-fixes.ts
        const call = new RegExp(`\\b(expectFix|fixes|fix|actionsFor)\\([^,()]+, '${id}'`);
        expect(fs.readFileSync(testFileOf(id), 'utf8')).toMatch(call);
    });
});

describe('quick-fixes come only from rules whose record offers one', () => {
    it.each(['examples/hgx-h200.vmtopo', 'examples/misconfigured.vmtopo'])('%s', async file => {
        const ds = (await build(readRepoFile(file))).diagnostics();
        const withFixes = ds.filter(d => ((d.data as { fixes?: unknown[] } | undefined)?.fixes ?? []).length > 0).map(d => String(d.code));
        expect(withFixes.filter(code => !ruleById(code)?.quickFix)).toEqual([]);
    });

    it('the misconfigured example exercises fixes of several families', async () => {
        const ds = (await build(readRepoFile('examples/misconfigured.vmtopo'))).diagnostics();
        const prefixes = new Set(ds.filter(d => ((d.data as { fixes?: unknown[] } | undefined)?.fixes ?? []).length > 0).map(d => prefixOf(String(d.code))));
        expect(prefixes.size).toBeGreaterThan(3);
    });
});
