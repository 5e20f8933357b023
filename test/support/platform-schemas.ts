/**
 * The platforms' own schemas, read in place from ../shared/reference/platforms (never copied):
 *
 * - cloud-hypervisor's OpenAPI 3 (`cloud-hypervisor.yaml`, loaded with `yaml`): `VmConfig` compiled with
 *   ajv — OpenAPI's `nullable` (ajv's own option), the integer formats `int8`…`uint32` as range checks,
 *   `int32`/`int64` from ajv-formats. Two validators: the schema as published, and the same with every
 *   object closed (`additionalProperties: false`), so a misspelt key is caught too (the published schema
 *   lets unknown keys through; cloud-hypervisor's serde parser refuses them: its configs are
 *   `#[serde(deny_unknown_fields)]`).
 * - Proxmox VE's API schema (`apidata.js`): the VM configuration's properties, checked by
 *   scripts/check-pve-conf.mjs (the `proxmox` format's consumer).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { vmConfigProperties, type PveProperty } from '../../scripts/check-pve-conf.mjs';
import { HAS_REFERENCE, SHARED } from './util.js';

const require = createRequire(import.meta.url);
// Both are CommonJS modules whose module.exports is the class / plugin itself.
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

/** Integer ranges of OpenAPI's integer formats. */
const INTEGER_FORMATS: Record<string, [number, number]> = {
    int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], uint32: [0, 4294967295]
};

/** A copy of `schema` with `additionalProperties: false` on every object that lists properties and says nothing else. */
function closed(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(closed);
    if (schema === null || typeof schema !== 'object') return schema;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema)) out[k] = closed(v);
    if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
    return out;
}

export interface ChvValidators {
    /** `VmConfig` as published. */
    readonly vmConfig: ValidateFunction;
    /** `VmConfig` with every object closed (unknown keys refused). */
    readonly vmConfigClosed: ValidateFunction;
}

let chv: ChvValidators | undefined;

/** The `VmConfig` validators (compiled once); undefined when ../shared/reference is absent. */
export function chvValidators(): ChvValidators | undefined {
    if (!HAS_REFERENCE) return undefined;
    if (chv) return chv;
    // OpenAPI's `#/components/schemas/X` references become JSON Schema's `#/$defs/X`: the schemas are
    // handed to ajv as the `$defs` of one schema document.
    const text = fs.readFileSync(path.join(SHARED, 'reference/platforms/cloud-hypervisor/cloud-hypervisor.yaml'), 'utf8');
    const doc = parseYaml(text.replace(/#\/components\/schemas\//g, '#/$defs/')) as { components: { schemas: unknown } };
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
    addFormats(ajv, ['int32', 'int64']);
    for (const [name, [min, max]] of Object.entries(INTEGER_FORMATS)) {
        ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= min && n <= max });
    }
    ajv.addKeyword({ keyword: 'example' });
    ajv.addSchema({ $id: 'chv', $defs: doc.components.schemas });
    ajv.addSchema({ $id: 'chv-closed', $defs: closed(doc.components.schemas) });
    chv = {
        vmConfig: ajv.compile({ $ref: 'chv#/$defs/VmConfig' }),
        vmConfigClosed: ajv.compile({ $ref: 'chv-closed#/$defs/VmConfig' })
    };
    return chv;
}

/** ajv's errors, one line each. */
export function ajvErrors(validate: ValidateFunction): string[] {
    return (validate.errors ?? []).map(e => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

let pve: Record<string, PveProperty> | undefined;

/** The properties of a Proxmox VM configuration; undefined when ../shared/reference is absent. */
export function pveProperties(): Record<string, PveProperty> | undefined {
    if (!HAS_REFERENCE) return undefined;
    pve ??= vmConfigProperties(fs.readFileSync(path.join(SHARED, 'reference/platforms/proxmox/apidata.js'), 'utf8'));
    return pve;
}
