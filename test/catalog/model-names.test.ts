/**
 * Catalog knowledge stays in the catalog (issue 14, item 1): no file of language/src outside
 * catalog/ (and the generated parser) recognises a hardware model by its name — no regular
 * expression, `startsWith`/`endsWith`/`includes`/`indexOf` argument or `===` comparison over GPU,
 * NIC, NVSwitch or CPU model names (and aliases), vGPU type names or MIG profile names. What a
 * rule needs to know about a model (its HGX baseboard, whether changing MIG mode resets the GPU,
 * whether unified memory disables NVLink P2P, whether a profile holds the media engines) is a
 * field of the catalog's spec, with its source.
 *
 * A pattern applied to a `model` (`board.gpuModels.test(spec.model)`) counts too, wherever the
 * pattern is kept. A regular expression is "over model names" when it matches some catalog name but not the same
 * name with each letter and digit moved to the next one of its class (hex letters among hex
 * letters): `/^A(100|30)\b/` matches `A100 SXM4 80GB` and not `B211 TYN5 91HC`, while a PCI id
 * pattern matches both `B200` and `C311`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CPUS, GPUS, NICS, NVSWITCHES } from '../../language/src/catalog/index.js';
import { REPO } from '../support/util.js';

/** Every name the catalog knows: models and aliases of each kind, vGPU type and MIG profile names. */
const NAMES: readonly string[] = [
    ...[...GPUS, ...NICS, ...NVSWITCHES, ...CPUS].flatMap(s => [s.model, ...s.aliases]),
    ...GPUS.flatMap(g => [...g.vgpuTypes.map(t => t.name), ...g.migProfiles.map(p => p.name)])
];

/** The next character of the same class: a→b … f→a, g→h … z→g (either case), 0→1 … 9→0. */
function next(c: string): string {
    const cycle = (first: string, last: string) => String.fromCharCode(first.charCodeAt(0) + (c.charCodeAt(0) - first.charCodeAt(0) + 1) % (last.charCodeAt(0) - first.charCodeAt(0) + 1));
    if (c >= 'a' && c <= 'f') return cycle('a', 'f');
    if (c >= 'A' && c <= 'F') return cycle('A', 'F');
    if (c >= 'g' && c <= 'z') return cycle('g', 'z');
    if (c >= 'G' && c <= 'Z') return cycle('G', 'Z');
    if (c >= '0' && c <= '9') return cycle('0', '9');
    return c;
}

/** The catalog names a regular expression tells apart from their shifted twins (see the module comment). */
function modelNamesMatched(re: RegExp): string[] {
    const test = (s: string) => { re.lastIndex = 0; return re.test(s); };
    return NAMES.filter(name => test(name) && !test([...name].map(next).join('')));
}

/** Whether a string literal names a model: a whole catalog name, or a part of one with a letter and a digit (`A100`, `H20`). */
function namesModel(text: string): boolean {
    return NAMES.some(name => name === text || (name.includes(text) && /[A-Za-z]/.test(text) && /\d/.test(text)));
}

/** The places of `file` that recognise a model by name, as `line: text`. */
function modelNameTests(file: string, text: string): string[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const at = (n: ts.Node) => `${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${n.getText().slice(0, 100)}`;
    const visit = (n: ts.Node): void => {
        if (ts.isRegularExpressionLiteral(n)) {
            const m = /^\/(.*)\/([a-z]*)$/s.exec(n.text)!;
            const hits = modelNamesMatched(new RegExp(m[1], m[2]));
            if (hits.length > 0) found.push(`${at(n)} (matches ${hits.slice(0, 3).join(', ')})`);
        } else if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'RegExp') {
            const [pattern, flags] = n.arguments ?? [];
            if (pattern && ts.isStringLiteralLike(pattern)) {
                const hits = modelNamesMatched(new RegExp(pattern.text, flags && ts.isStringLiteralLike(flags) ? flags.text : ''));
                if (hits.length > 0) found.push(`${at(n)} (matches ${hits.slice(0, 3).join(', ')})`);
            }
        } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
            const method = n.expression.name.text;
            const [arg] = n.arguments;
            const isModel = (e: ts.Expression | undefined) => e !== undefined && ts.isPropertyAccessExpression(e) && e.name.text === 'model';
            if (['startsWith', 'endsWith', 'includes', 'indexOf'].includes(method) && arg && ts.isStringLiteralLike(arg) && namesModel(arg.text)) found.push(at(n));
            // a pattern kept elsewhere (`board.gpuModels.test(spec.model)`, `spec.model.match(…)`)
            else if ((['test', 'exec'].includes(method) && isModel(arg)) || (['match', 'search', 'matchAll'].includes(method) && isModel(n.expression.expression))) found.push(at(n));
        } else if (ts.isBinaryExpression(n) && (n.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken || n.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsEqualsToken)) {
            if ([n.left, n.right].some(side => ts.isStringLiteralLike(side) && NAMES.includes(side.text))) found.push(at(n));
        }
        ts.forEachChild(n, visit);
    };
    visit(source);
    return found;
}

/** The TypeScript files of language/src outside catalog/ and generated/. */
function sourceFiles(): string[] {
    const files: string[] = [];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                if (full !== path.join(REPO, 'language/src/catalog') && full !== path.join(REPO, 'language/src/generated')) walk(full);
            } else if (entry.name.endsWith('.ts')) files.push(full);
        }
    };
    walk(path.join(REPO, 'language/src'));
    return files;
}

describe('no model-name matching outside the catalog', () => {
    it('the detector finds the model-name tests the rules used to have, and not other patterns', () => {
        const flagged = (code: string) => modelNameTests('x.ts', code).length > 0;
        expect(flagged('const a = /^A(100|30)\\b/.test(gpu.spec.model);')).toBe(true);
        expect(flagged('const b = { gpuModels: /^H(100|200) SXM/ };')).toBe(true);
        expect(flagged('slices.some(s => /^A100/.test(s.gpu.spec.model));')).toBe(true);
        expect(flagged('const late = /CME$/.test(type.name);')).toBe(true);
        expect(flagged('const m = /(?:-(\\d+))?-(\\d+)C(?:ME)?$/i.exec(written);')).toBe(true);
        expect(flagged('new RegExp("^L40S$").test(model);')).toBe(true);
        expect(flagged('if (spec.model.startsWith("H200")) x();')).toBe(true);
        expect(flagged('if (spec.model === "A30 24GB") x();')).toBe(true);
        expect(flagged('if (board.gpuModels.test(d.spec.model)) x();')).toBe(true);
        expect(flagged('const m = gpu.spec.model.match(pattern);')).toBe(true);
        // PCI ids, CPU lists, names, nvidia-smi labels: not model names.
        expect(flagged('const id = /^(?:0x)?([0-9a-f]{1,4})$/i; const name = /^[_a-zA-Z][\\w-]*$/;')).toBe(false);
        expect(flagged('const gpu = /^GPU(\\d+)$/.exec(label); const nv = /^NV\\d+$/.test(cell);')).toBe(false);
        expect(flagged('if (bridge.startsWith("0-") || profile.endsWith("+me")) x();')).toBe(false);
    });

    it('language/src outside catalog/ recognises no model by its name', () => {
        const files = sourceFiles();
        expect(files.length).toBeGreaterThan(50);
        const found = files.flatMap(file => modelNameTests(file, fs.readFileSync(file, 'utf8')).map(place => `${path.relative(REPO, file)}:${place}`));
        expect(found, 'make the fact a field of the catalog spec (language/src/catalog/types.ts) and read it').toEqual([]);
    });
});
