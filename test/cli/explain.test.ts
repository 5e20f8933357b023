/**
 * `vmtopo explain RULE` (language/src/cli/explain.ts): prints the rule's section of docs/rules.md —
 * the very lines `npm run docs` writes there — so the terminal and the editor's "Explain this rule"
 * (which opens docs/rules.md at the rule's anchor) say the same; an unknown rule is one line and a
 * usage error. Run in-process through runCli, as the bundled CLI runs it.
 */
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../language/src/cli/cli.js';
import { readRepoFile } from '../support/util.js';

async function vmtopo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, cwd: process.cwd(), env: {} };
    const code = await runCli(['node', 'vmtopo', ...args], io);
    return { code, stdout, stderr };
}

/** The section of `id` in the committed docs/rules.md: from `## ID` to the line before the next `## `. */
function committedSection(id: string): string {
    const docs = readRepoFile('docs/rules.md');
    const start = docs.indexOf(`\n## ${id}\n`) + 1;
    const next = docs.indexOf('\n## ', start + 1);
    return docs.slice(start, next < 0 ? undefined : next).trimEnd();
}

describe('vmtopo explain RULE', () => {
    it('prints the rule\'s section of docs/rules.md: what, severity, why, fix, quick-fix, sources', async () => {
        const { code, stdout, stderr } = await vmtopo('explain', 'LOC001');
        expect(code).toBe(0);
        expect(stderr).toBe('');
        expect(stdout.trimEnd()).toBe(committedSection('LOC001'));
        expect(stdout).toMatch(/^## LOC001\n\nvCPUs pinned outside the NUMA node/);
        for (const field of ['Severity:** warning', 'Why:**', 'Fix:**', 'Quick-fix:** yes', 'Sources:**']) expect(stdout).toContain(field);
    });

    it('takes the id in any case, as a diagnostic code is often typed', async () => {
        const lower = await vmtopo('explain', 'mmio005');
        expect(lower.code).toBe(0);
        expect(lower.stdout.trimEnd()).toBe(committedSection('MMIO005'));
    });

    it('an unknown rule is one line naming the rules of its family, exit 2', async () => {
        const { code, stdout, stderr } = await vmtopo('explain', 'LOC999');
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
        expect(stderr).toMatch(/^vmtopo: unknown rule 'LOC999'; rules of LOC: LOC001, LOC002, /);
        const noFamily = await vmtopo('explain', 'nonsense\u001b[31m');
        expect(noFamily.code).toBe(2);
        expect(noFamily.stderr).toMatch(/^vmtopo: unknown rule 'nonsense\\x1b\[31m'; the \d+ rules are listed in docs\/rules\.md/);
    });
});
