/**
 * ESLint for the whole code base (`npm run lint`, with `npm run lint:deps` for import boundaries):
 * typescript-eslint's recommended type-aware rules (https://typescript-eslint.io/users/configs#recommended-type-checked),
 * types from tsconfig.json through the project service; the JavaScript entry points (build and test
 * scripts) are type-checked in the project service's default project.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
    globalIgnores([
        'language/src/generated/**', // written by `npm run langium:generate`
        'out/**', // bundles written by esbuild.mjs
        '.vscode-test/**',
        'examples/out/**'
    ]),
    js.configs.recommended,
    tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            ecmaVersion: 2023,
            sourceType: 'module',
            parserOptions: {
                projectService: {
                    // Files outside tsconfig.json's `include` (no allowJs there): the build, fuzz, bench and e2e scripts.
                    allowDefaultProject: [
                        '*.mjs', '*.cjs', '*.ts', 'bin/*.js', 'bench/*.mjs', 'fuzz/*.mjs', 'scripts/*.mjs',
                        'test/e2e/*.mjs', 'test/e2e/ui/*.mjs'
                    ],
                    maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 20
                },
                tsconfigRootDir: import.meta.dirname
            },
            globals: {
                console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly',
                clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly',
                performance: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly',
                AbortController: 'readonly', queueMicrotask: 'readonly', fetch: 'readonly'
            }
        }
    },
    {
        // Plain JavaScript has no type annotations: every parameter is `any`, so these rules would only say "this is JavaScript".
        files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
        rules: {
            '@typescript-eslint/no-unsafe-argument': 'off',
            '@typescript-eslint/no-unsafe-assignment': 'off',
            '@typescript-eslint/no-unsafe-call': 'off',
            '@typescript-eslint/no-unsafe-member-access': 'off',
            '@typescript-eslint/no-unsafe-return': 'off'
        }
    },
    {
        // Tests read untyped data on purpose (parsed XML and JSON, process output) and check its shape with expect at run time.
        files: ['test/**/*.ts'],
        rules: {
            '@typescript-eslint/no-explicit-any': 'off',
            '@typescript-eslint/no-unsafe-argument': 'off',
            '@typescript-eslint/no-unsafe-assignment': 'off',
            '@typescript-eslint/no-unsafe-call': 'off',
            '@typescript-eslint/no-unsafe-member-access': 'off',
            '@typescript-eslint/no-unsafe-return': 'off'
        }
    },
    {
        rules: {
            // Stripping ANSI colour codes (\x1b) and rejecting control characters in names are what these regexes are for.
            'no-control-regex': 'off',
            // Parameters that an override or callback must accept but does not use are named `_x`.
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
            '@typescript-eslint/restrict-template-expressions': ['error', {
                allow: [
                    { name: ['Error', 'URL', 'URLSearchParams'], from: 'lib' }, // the rule's default
                    // A CPU list prints as the cpulist it is (`0-3,96`, its toString) in messages.
                    { name: 'CpuList', from: 'file', path: 'language/src/syntax/cpu-list.ts' }
                ]
            }]
        }
    },
    {
        // CommonJS: the dependency-cruiser config.
        files: ['**/*.cjs'],
        languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } }
    }
);
