/**
 * The Langium upgrade checklist (language/src/langium/UPGRADE.md) names every place an upgrade can
 * break: each class of language/src that extends or implements a Langium class or interface (with
 * its file), each file that casts to a private or protected member of Langium's classes, and each
 * service `vmtopo-module.ts` replaces or adds. And every source or test file it names exists.
 *
 * Read with the TypeScript parser (syntax only, no type checking): Langium's names are those a file
 * imports from `langium` or `langium/*`; Langium's internal members are those declared `private` or
 * `protected` in `node_modules/langium/lib/**\/*.d.ts` and public nowhere there. The generated code
 * (language/src/generated, `npm run langium:generate`) is left out: step 3 of the checklist.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/util.js';

const SRC = path.join(REPO, 'language', 'src');
const CHECKLIST = 'language/src/langium/UPGRADE.md';

/** Repository-relative paths (with `/`) of the files below `dir` whose names end with `suffix`. */
function filesUnder(dir: string, suffix: string, skip: (name: string) => boolean = () => false): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const absolute = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (!skip(entry.name)) out.push(...filesUnder(absolute, suffix, skip));
        } else if (entry.name.endsWith(suffix)) {
            out.push(path.relative(REPO, absolute).split(path.sep).join('/'));
        }
    }
    return out.sort();
}

function parse(file: string): ts.SourceFile {
    return ts.createSourceFile(file, fs.readFileSync(path.join(REPO, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

function memberName(member: ts.ClassElement | ts.TypeElement): string | undefined {
    const name = member.name;
    return name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;
}

/** Names declared `private` or `protected` in Langium's classes and public in none of its classes and interfaces. */
function langiumInternalMembers(): Set<string> {
    const hidden = new Set<string>();
    const visible = new Set<string>();
    for (const file of filesUnder(path.join(REPO, 'node_modules', 'langium', 'lib'), '.d.ts')) {
        const visit = (node: ts.Node): void => {
            if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) {
                for (const member of node.members) {
                    const name = memberName(member);
                    if (!name) continue;
                    const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
                    const restricted = modifiers.some(m => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
                    (restricted ? hidden : visible).add(name);
                }
            }
            ts.forEachChild(node, visit);
        };
        visit(parse(file));
    }
    return new Set([...hidden].filter(name => !visible.has(name)));
}

/** A class of language/src whose `extends` or `implements` names something imported from Langium. */
interface LangiumHeir {
    readonly file: string;
    readonly name: string;
    readonly base: string;
}

/** A cast in language/src to a type with members that are internal to Langium. */
interface InternalCast {
    readonly file: string;
    readonly line: number;
    readonly members: readonly string[];
}

function scanSources(internal: ReadonlySet<string>): { heirs: LangiumHeir[]; casts: InternalCast[] } {
    const heirs: LangiumHeir[] = [];
    const casts: InternalCast[] = [];
    for (const file of filesUnder(SRC, '.ts', name => name === 'generated')) {
        const source = parse(file);
        const fromLangium = new Set<string>();
        const localTypes = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
        for (const statement of source.statements) {
            if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)
                && /^langium(\/|$)/.test(statement.moduleSpecifier.text)) {
                const bindings = statement.importClause?.namedBindings;
                if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach(e => fromLangium.add(e.name.text));
                if (bindings && ts.isNamespaceImport(bindings)) fromLangium.add(bindings.name.text);
            }
            if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) localTypes.set(statement.name.text, statement);
        }
        const membersOf = (type: ts.TypeNode, seen = new Set<string>()): string[] => {
            if (ts.isTypeLiteralNode(type)) return type.members.map(memberName).filter((n): n is string => n !== undefined);
            if (ts.isIntersectionTypeNode(type) || ts.isUnionTypeNode(type)) return type.types.flatMap(t => membersOf(t, seen));
            if (ts.isParenthesizedTypeNode(type)) return membersOf(type.type, seen);
            if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && !seen.has(type.typeName.text)) {
                const local = localTypes.get(type.typeName.text);
                seen.add(type.typeName.text);
                if (local && ts.isInterfaceDeclaration(local)) return local.members.map(memberName).filter((n): n is string => n !== undefined);
                if (local && ts.isTypeAliasDeclaration(local)) return membersOf(local.type, seen);
            }
            return [];
        };
        const visit = (node: ts.Node): void => {
            if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
                for (const clause of node.heritageClauses ?? []) {
                    for (const type of clause.types) {
                        const root = ts.isPropertyAccessExpression(type.expression) ? type.expression.expression : type.expression;
                        if (ts.isIdentifier(root) && fromLangium.has(root.text)) {
                            heirs.push({ file, name: node.name?.text ?? '(anonymous class)', base: type.expression.getText(source) });
                        }
                    }
                }
            }
            if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
                const members = membersOf(node.type).filter(m => internal.has(m));
                if (members.length > 0) casts.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, members });
            }
            ts.forEachChild(node, visit);
        };
        visit(source);
    }
    return { heirs, casts };
}

/** `group.Service` for each factory of the core and editor modules (shared ones too) in vmtopo-module.ts. */
function moduleServices(): string[] {
    const source = parse('language/src/vmtopo-module.ts');
    const services: string[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && /^Vmtopo(Shared)?(Core|Editor)Module$/.test(node.name.text)
            && node.initializer && ts.isObjectLiteralExpression(node.initializer)) {
            for (const group of node.initializer.properties) {
                if (!ts.isPropertyAssignment(group) || !ts.isObjectLiteralExpression(group.initializer)) continue;
                for (const service of group.initializer.properties) {
                    if (service.name) services.push(`${group.name.getText(source)}.${service.name.getText(source)}`);
                }
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return services;
}

const checklist = fs.readFileSync(path.join(REPO, CHECKLIST), 'utf8');
const internal = langiumInternalMembers();
const { heirs, casts } = scanSources(internal);

/** `langium/parser.ts` for `language/src/langium/parser.ts`, the form the checklist uses. */
function shortPath(file: string): string {
    return path.posix.relative('language/src', file);
}

function names(word: string): boolean {
    return new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(checklist);
}

describe('language/src/langium/UPGRADE.md', () => {
    it('the scan finds what it is for (Langium subclasses, casts to private fields, replaced services)', () => {
        expect(heirs).toContainEqual({ file: 'language/src/langium/parser.ts', name: 'VmtopoLexer', base: 'DefaultLexer' });
        expect(heirs).toContainEqual({ file: 'language/src/editor/code-lens.ts', name: 'VmtopoCodeLensProvider', base: 'CodeLensProvider' });
        expect(internal.has('nodeBuilder') && internal.has('_offset')).toBe(true);
        expect(internal.has('astNode') || internal.has('offset')).toBe(false);
        expect(casts.map(c => c.file)).toContain('language/src/langium/incremental.ts');
        expect(moduleServices()).toContain('parser.LangiumParser');
    });

    it('names every class that extends or implements a Langium class or interface, with its file', () => {
        const missing = heirs.filter(h => !checklist.includes(shortPath(h.file)) || !names(h.name))
            .map(h => `${h.name} extends/implements ${h.base} (${h.file})`);
        expect(missing, `add to ${CHECKLIST}: what each replaces, what it relies on, the tests that prove it`).toEqual([]);
    });

    it('names every file that casts to Langium\'s private or protected members', () => {
        const missing = [...new Set(casts.filter(c => !checklist.includes(shortPath(c.file))).map(c => `${c.file}:${c.line} (${c.members.join(', ')})`))];
        expect(missing, `add to ${CHECKLIST}: the fields each cast relies on`).toEqual([]);
    });

    it('names every service vmtopo-module.ts replaces or adds', () => {
        const missing = moduleServices().filter(service => !checklist.includes(`\`${service}\``));
        expect(missing).toEqual([]);
    });

    it('names only source and test files that exist', () => {
        const cited = [...checklist.matchAll(/`([\w./-]+\.(?:ts|md|json|mjs))`/g)].map(m => m[1]);
        const local = /^(langium|editor|features|rules|model|kernel|syntax|catalog|cli|generated)\/|^vmtopo-module\.ts$/;
        const missing = cited.filter(p => {
            if (/^(language|test|server|client|bench|fuzz|scripts)\//.test(p)) return !fs.existsSync(path.join(REPO, p));
            if (local.test(p)) return !fs.existsSync(path.join(SRC, p));
            return false; // Langium's own files (`parser/langium-parser.ts`) and package files
        });
        expect(cited.length).toBeGreaterThan(20);
        expect(missing).toEqual([]);
    });
});
