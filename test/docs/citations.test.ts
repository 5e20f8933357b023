/**
 * Comments and user-visible strings cite primary sources (NVIDIA, VMware, libvirt, QEMU, NCCL, Linux,
 * Langium, VS Code…, or a source key of language/src/catalog/sources.ts) or the repository's own
 * docs (docs/rules.md, the README) — never research notes that are not in the repository: a reader
 * of a clone must be able to follow every citation.
 *
 * Scanned: every text file under language/, server/, client/, bench/, fuzz/, scripts/ and
 * esbuild.mjs. Tests are not scanned: they may read the third-party data in ../shared/reference in
 * place (test/support/util.ts `readReference`), and name the file they read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/util.js';

const ROOTS = ['language', 'server', 'client', 'bench', 'fuzz', 'scripts', 'esbuild.mjs'];


/** Build output and dependencies, never written by hand. */
const SKIPPED_DIRS = new Set(['node_modules', 'out', 'dist', '.vscode-test']);

const TEXT_FILE = /\.(ts|mts|cts|js|mjs|cjs|json|langium|md)$/;

/** What a citation of a file outside the repository looks like, with the reason it is refused. */
const FORBIDDEN: readonly { readonly pattern: RegExp; readonly what: string }[] = [
    // docs/rules.md is the repository's own generated rule reference and may be cited; any other
    // rules.md is the research notes' rule catalog.
    { pattern: /(?<!docs\/|'docs', ')\brules\.md\b/, what: 'rules.md of the research notes (cite the primary source, or docs/rules.md)' },
    { pattern: /\bformats\.md\b/, what: 'formats.md of the research notes (cite NCCL, libvirt or QEMU)' },
    { pattern: /\bDESIGN\.md\b/, what: 'DESIGN.md (not in the repository; cite the README)' },
    { pattern: /shared\/reference/, what: 'shared/reference (not in the repository)' },
    { pattern: /langium-and-extension-anchors|\banchors(?:\.md| §)/, what: 'the anchors notes (cite Langium, VS Code or the extension they describe)' },
    { pattern: /vscode-e2e\.md/, what: 'vscode-e2e.md of the research notes' },
    // Section numbers of the notes: "§A.4", "§C.3 step 5" (standards number their sections with digits).
    { pattern: /§[A-E]\.\d/, what: 'a section of the research notes (§A.1–§E)' },
    { pattern: /\bPart [A-D]\b/, what: 'a part of the research notes\' rule catalog (Part A–D)' }
];

/** Repository-relative paths (with `/`) of the scanned files. */
function scannedFiles(): string[] {
    const files: string[] = [];
    const walk = (relative: string): void => {
        const absolute = path.join(REPO, relative);
        const stat = fs.statSync(absolute, { throwIfNoEntry: false });
        if (!stat) return;
        if (stat.isDirectory()) {
            for (const entry of fs.readdirSync(absolute)) {
                if (!SKIPPED_DIRS.has(entry)) walk(path.posix.join(relative, entry));
            }
        } else if (TEXT_FILE.test(relative)) {
            files.push(relative);
        }
    };
    ROOTS.forEach(walk);
    return files.sort();
}

/** `path:line: text (what)` for every forbidden citation in `text`. */
function forbiddenCitations(file: string, text: string): string[] {
    const found: string[] = [];
    text.split('\n').forEach((line, i) => {
        const whats = FORBIDDEN.filter(f => f.pattern.test(line)).map(f => f.what);
        if (whats.length > 0) found.push(`${file}:${i + 1}: ${line.trim()} (${whats.join('; ')})`);
    });
    return found;
}

describe('citations', () => {
    const files = scannedFiles();

    it('scans the source folders (not an empty walk)', () => {
        for (const expected of ['language/src/catalog/sources.ts', 'language/src/langium/scope.ts', 'server/main.ts', 'client/extension.ts', 'bench/run.mjs', 'fuzz/run.mjs', 'scripts/rule-docs.mjs', 'esbuild.mjs']) {
            expect(files).toContain(expected);
        }
    });

    it('no file cites research notes outside the repository', () => {
        const found = files.flatMap(file => forbiddenCitations(file, fs.readFileSync(path.join(REPO, file), 'utf8')));
        expect(found, `cite the primary source or the repository's own docs instead:\n${found.join('\n')}`).toEqual([]);
    });

    it('recognises the citation forms it refuses, and lets the repository\'s own docs through', () => {
        const refused = [
            ' * Facts: shared/reference/rules.md Part A',
            '// per-GPU needs in rules.md A4',
            ' * (formats.md §A.2, §A.4)',
            ' * as Bicep does (anchors §2.2).',
            ' * (shared/reference/langium-and-extension-anchors.md §4.2)',
            ' * (DESIGN.md §2)',
            ' * guest bus numbers (§C.3 step 5)',
            "why: 'read from a reproduction of WP-12736 (rules.md Part D)'"
        ];
        for (const line of refused) expect(forbiddenCitations('x.ts', line), line).not.toEqual([]);
        const allowed = [
            '// the rules are listed in docs/rules.md',
            "const candidate = path.join(dir, 'docs', 'rules.md');",
            ' * SR-IOV spec §3.3.10-3.3.11; RFC 9562 §5.5',
            ' * the anchors `npm run docs` writes (#loc001)'
        ];
        for (const line of allowed) expect(forbiddenCitations('x.ts', line), line).toEqual([]);
    });
});
