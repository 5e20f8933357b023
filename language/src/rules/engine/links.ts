/**
 * Where a diagnostic's `codeDescription` points: the rule's own section of `docs/rules.md` (what it
 * checks, why, how to fix it, its sources), as a `file:` URL with the rule's anchor (`#loc001`,
 * the anchors `npm run docs` writes). The file is looked for once, upwards from the running program
 * (the bundled server or CLI in `out/`, or the test runner in `node_modules/`) and from this
 * module's folder; where it is not found (a build without the docs), the rule's first source is the
 * link instead, as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceUrl } from '../../catalog/sources.js';
import type { RuleInfo } from './rule.js';

let docsFile: string | null | undefined;

/** Absolute path of `docs/rules.md`, found upwards from `start` (at most 8 levels), or null. */
export function findRuleDocs(starts: readonly (string | undefined)[]): string | null {
    for (const start of starts) {
        if (!start) continue;
        let dir = path.resolve(start);
        for (let i = 0; i < 8; i++) {
            const candidate = path.join(dir, 'docs', 'rules.md');
            try {
                if (fs.statSync(candidate).isFile()) return candidate;
            } catch { /* not here */ }
            const up = path.dirname(dir);
            if (up === dir) break;
            dir = up;
        }
    }
    return null;
}

function moduleDir(): string | undefined {
    // CommonJS bundle: __dirname; ES module (sources under test): no __dirname here.
    return typeof __dirname === 'string' ? __dirname : undefined;
}

/** The link of a rule's section in docs/rules.md, or its first source when the docs are not there. */
export function ruleDocUrl(rule: RuleInfo): string {
    if (docsFile === undefined) {
        const script = process.argv[1];
        docsFile = findRuleDocs([moduleDir(), script ? path.dirname(script) : undefined]);
    }
    return docsFile ? `${pathToFileURL(docsFile).href}#${rule.id.toLowerCase()}` : sourceUrl(rule.sources[0]);
}
