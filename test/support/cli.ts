/**
 * The bundled CLI as a process (bin/vmtopo.js → out/cli/main.mjs), the way CI and users run it, and
 * the SARIF 2.1.0 schema its `--format sarif` logs are checked against.
 *
 * The schema comes from an npm package, never from a copy in this repository: `@microsoft/jest-sarif`
 * (Microsoft's SARIF SDK for JavaScript) ships `sarif-2.1.0-rtm.5.json`, the schema's final release
 * candidate (see test/cli/sarif.test.ts for how it differs from the final 2.1.0 schema). It is a
 * draft-04 schema: compiled with Ajv's draft-04 build (`ajv-draft-04`) and `ajv-formats`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { REPO } from './util.js';

/** The CLI's entry point. */
export const CLI = path.join(REPO, 'bin', 'vmtopo.js');

/** What one run of the CLI gave: exit status (null when killed), stdout and stderr as text. */
export interface CliRun { status: number | null; stdout: string; stderr: string }

/**
 * Runs `vmtopo ARGS` in `cwd` (default: the repository) with this process's environment less
 * VMTOPO_DEBUG, plus `env`. A hang watchdog ends it after `timeoutMs` (default 60 s).
 */
export function vmtopo(args: readonly string[], cwd: string = REPO, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): CliRun {
    const r = spawnSync(process.execPath, [CLI, ...args], {
        cwd, encoding: 'utf8', env: { ...process.env, VMTOPO_DEBUG: undefined, ...env }, timeout: timeoutMs
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Builds the bundles (`node esbuild.mjs`) when out/cli/main.mjs is missing: `npm test` builds first; this covers running a file on its own after a clean checkout. */
export function ensureCliBundle(): void {
    if (!fs.existsSync(path.join(REPO, 'out', 'cli', 'main.mjs'))) {
        spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
    }
}

const require = createRequire(import.meta.url);

/** The SARIF 2.1.0 JSON schema file (`sarif-2.1.0-rtm.5.json` of `@microsoft/jest-sarif`). */
export const SARIF_SCHEMA_FILE = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

let sarif: ValidateFunction | undefined;

/** The validator of SARIF 2.1.0 logs against {@link SARIF_SCHEMA_FILE}, compiled once. */
export function sarifValidator(): ValidateFunction {
    if (!sarif) {
        // Both are CommonJS modules whose module.exports is the class / plugin itself.
        const Ajv = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
        const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
        // unicodeRegExp: false — rtm.5's `language` pattern has a stray `]` (fixed in the final schema),
        // which is a literal without the `u` flag and a syntax error with it.
        const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
        addFormats(ajv);
        sarif = ajv.compile(JSON.parse(fs.readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as object);
    }
    return sarif;
}
