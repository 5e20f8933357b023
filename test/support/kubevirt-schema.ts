/**
 * KubeVirt's own OpenAPI schema (`../shared/reference/platforms/kubevirt/swagger.json`, Swagger 2.0,
 * `definitions` with `$ref: '#/definitions/…'`) as an ajv validator. The swagger declares no
 * `additionalProperties` anywhere, so as published it accepts any unknown key; here every object
 * definition is closed (`additionalProperties: false`), so a key the writer emits that KubeVirt's
 * API does not have (a misspelt `dedicatedCPUPlacement`) is rejected, at any depth. Free-form maps
 * written inline (`labels`, `annotations`, `nodeSelector`) stay open, as in the API.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { HAS_REFERENCE, SHARED } from './util.js';

// Swagger 2.0 schema objects are JSON Schema draft 4 (with extensions): Ajv's draft-04 build.
const require = createRequire(import.meta.url);
const Ajv = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

type Schema = Record<string, unknown>;

let ajv: InstanceType<typeof Ajv> | undefined;

/** The swagger's definitions, every object definition closed. */
function closedDefinitions(definitions: Record<string, Schema>): Record<string, Schema> {
    return Object.fromEntries(Object.entries(definitions).map(([name, d]) =>
        [name, d.type === 'object' && !('additionalProperties' in d) ? { ...d, additionalProperties: false } : d]));
}

/**
 * The validator of one definition of KubeVirt's swagger (`v1.VirtualMachine`, `v1.KubeVirt`), or
 * undefined when `../shared/reference` is absent.
 */
export function kubevirtValidator(definition: string): ValidateFunction | undefined {
    if (!HAS_REFERENCE) return undefined;
    if (!ajv) {
        const swagger = JSON.parse(fs.readFileSync(path.join(SHARED, 'reference/platforms/kubevirt/swagger.json'), 'utf8')) as { definitions: Record<string, Schema> };
        ajv = new Ajv({ strict: false, allErrors: true });
        addFormats(ajv);
        ajv.addFormat('int-or-string', true);
        ajv.addSchema({ id: 'kubevirt', definitions: closedDefinitions(swagger.definitions) });
    }
    const validate = ajv.getSchema(`kubevirt#/definitions/${definition}`);
    if (!validate) throw new Error(`KubeVirt's swagger has no definition ${definition}`);
    return validate;
}

/** The problems of `value` against a definition, as `path: message` lines (empty: valid). */
export function kubevirtProblems(definition: string, value: unknown): string[] {
    const validate = kubevirtValidator(definition);
    if (!validate) throw new Error('../shared/reference is absent');
    if (validate(value)) return [];
    return (validate.errors ?? []).map(e => `${e.instancePath || '/'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}
