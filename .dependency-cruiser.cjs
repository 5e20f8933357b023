/**
 * Import boundaries of vmtopo (run by `npm run lint:deps`, part of `npm test` and `npm run lint`).
 *
 * Inside language/src the layers import only downward:
 *   kernel, protocol → syntax → generated → catalog → model → langium → rules → features → editor
 *   → vmtopo-module.ts → cli
 * A layer may import any layer below it, never one above. Rule files (one per id prefix) do not
 * import each other: what two families share lives in rules/engine or in model. No cycles, type-only
 * imports included. language/ never imports `vscode`; the client imports only the protocol and the
 * kernel of the language.
 */
const LAYERS = [
    ['kernel', '^language/src/kernel/'],
    ['protocol', '^language/src/protocol\\.ts$'],
    ['syntax', '^language/src/syntax/'],
    ['generated', '^language/src/generated/'],
    ['catalog', '^language/src/catalog/'],
    ['model', '^language/src/model/'],
    ['langium', '^language/src/langium/'],
    ['rules', '^language/src/rules/'],
    ['features', '^language/src/features/'],
    ['editor', '^language/src/editor/'],
    ['module', '^language/src/vmtopo-module\\.ts$'],
    ['cli', '^language/src/cli/']
];

/** One rule per layer: it imports nothing of a layer above it. */
const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
    name: `layer-${name}`,
    comment: `${name} imports only the layers below it (${LAYERS.slice(0, i).map(l => l[0]).join(', ') || 'none of the project'})`,
    severity: 'error',
    from: { path },
    to: { path: LAYERS.slice(i + 1).map(l => l[1]) }
}));

module.exports = {
    forbidden: [
        ...upward,
        {
            name: 'kernel-imports-nothing',
            comment: 'kernel helpers import nothing of the project but other kernel helpers',
            severity: 'error',
            from: { path: '^language/src/kernel/' },
            to: { path: '^(language|client|server)/', pathNot: '^language/src/kernel/' }
        },
        {
            name: 'protocol-imports-nothing',
            comment: 'the protocol module holds types and method names only',
            severity: 'error',
            from: { path: '^language/src/protocol\\.ts$' },
            to: { path: '^(language|client|server)/' }
        },
        {
            name: 'rule-files-independent',
            comment: 'a rule family file (rules/<prefix>.ts) does not import another: shared code lives in rules/engine or model',
            severity: 'error',
            from: { path: '^language/src/rules/([^/]+)\\.ts$', pathNot: '^language/src/rules/(index|docs)\\.ts$' },
            to: { path: '^language/src/rules/[^/]+\\.ts$', pathNot: '^language/src/rules/$1\\.ts$' }
        },
        {
            name: 'engine-below-families',
            comment: 'the rule engine does not import the rule families (the registry is handed to it)',
            severity: 'error',
            from: { path: '^language/src/rules/engine/' },
            to: { path: '^language/src/rules/[^/]+\\.ts$' }
        },
        {
            name: 'language-without-vscode',
            comment: 'language/ runs in the CLI and the server: it never imports vscode',
            severity: 'error',
            from: { path: '^language/' },
            to: { path: '^vscode$', dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-no-pkg', 'unknown', 'undetermined', 'type-only'] }
        },
        {
            name: 'client-uses-protocol',
            comment: 'the VS Code client imports only the protocol module and kernel helpers of the language',
            severity: 'error',
            from: { path: '^client/' },
            to: { path: '^language/', pathNot: ['^language/src/protocol\\.ts$', '^language/src/kernel/'] }
        },
        {
            name: 'server-not-cli',
            comment: 'the language server does not load the CLI',
            severity: 'error',
            from: { path: '^server/' },
            to: { path: '^language/src/cli/' }
        },
        {
            name: 'no-circular',
            comment: 'no import cycle, type-only imports included',
            severity: 'error',
            from: {},
            to: { circular: true }
        }
    ],
    options: {
        doNotFollow: { path: 'node_modules' },
        exclude: { path: '^(node_modules|out)/' },
        tsPreCompilationDeps: true,
        tsConfig: { fileName: 'tsconfig.json' },
        enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
        reporterOptions: { text: { highlightFocused: true } }
    }
};
