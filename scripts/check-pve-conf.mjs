#!/usr/bin/env node
/**
 * Checks Proxmox VE VM configuration files (`/etc/pve/qemu-server/<VMID>.conf`, what `vmtopo export
 * proxmox` writes) against Proxmox's own API schema: the parameters of `POST
 * /nodes/{node}/qemu/{vmid}/config`, as pve-docs' `api-viewer/apidata.js` holds them
 * (https://pve.proxmox.com/pve-docs/api-viewer/). The export-format registry names this script as the
 * `proxmox` format's consumer; test/features/export/proxmox.test.ts imports its functions.
 *
 *   node scripts/check-pve-conf.mjs --apidata apidata.js FILE...
 *
 * `apidata.js` is pve-docs' API viewer data (https://pve.proxmox.com/pve-docs/api-viewer/apidata.js;
 * `PVE_APIDATA` in the environment names it too). Exit status 0: every line of every file fits; 1: a
 * problem (one line each on stderr, `FILE:LINE: message`); 2: no schema or no file given, or the schema
 * cannot be read.
 *
 * What is checked, per line: a `#` comment (the VM's description) or `key: value`, the key a property
 * of the schema (`hostpci3` by `hostpci[n]`, n below Proxmox's limit), the value of the property's
 * type (boolean, integer and number with their bounds, enum, pattern, maxLength) and format: a
 * property string (`k=v,…`, with its default key) whose sub-keys are the format's and whose sub-values
 * fit their own schema. Formats the schema gives by name are checked from their type text
 * (`[[host=]<HOSTPCIID[;HOSTPCIID2...]>] [,pcie=<1|0>] …`: the sub-keys, the default key and each
 * sub-value's type) and, for `pve-cpuset` and `dns-name`, from the format's description in
 * Proxmox's `PVE::JSONSchema`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Highest index + 1 of the indexed keys vmtopo writes (qemu-server: `$MAX_HOSTPCI_DEVICES`, `$MAX_NUMA`). */
export const INDEX_LIMITS = { 'hostpci[n]': 16, 'numa[n]': 8 };

/**
 * The properties of a VM configuration: the POST parameters of `/nodes/{node}/qemu/{vmid}/config`
 * in the text of apidata.js (`const apiSchema = [...]`). Throws when the text holds no such path.
 */
export function vmConfigProperties(apidataText) {
    const start = apidataText.indexOf('[');
    const end = apidataText.lastIndexOf(']');
    const tree = JSON.parse(apidataText.slice(start, end + 1));
    const find = nodes => {
        for (const n of nodes) {
            if (n.path === '/nodes/{node}/qemu/{vmid}/config') return n;
            const found = n.children && find(n.children);
            if (found) return found;
        }
        return undefined;
    };
    const node = find(tree);
    const props = node?.info?.POST?.parameters?.properties;
    if (!props) throw new Error('apidata.js has no POST /nodes/{node}/qemu/{vmid}/config parameters');
    return props;
}

/** The schema of `key` (`hostpci3` → `hostpci[n]`), or a problem. */
function propertyOf(props, key) {
    if (Object.hasOwn(props, key) && !key.endsWith('[n]')) return { schema: props[key] };
    const m = /^([a-z_-]+?)(\d+)$/.exec(key);
    if (m && Object.hasOwn(props, `${m[1]}[n]`)) {
        const limit = INDEX_LIMITS[`${m[1]}[n]`];
        if (limit !== undefined && Number(m[2]) >= limit) return { problem: `${key}: Proxmox takes ${m[1]}0 to ${m[1]}${limit - 1}` };
        return { schema: props[`${m[1]}[n]`] };
    }
    return { problem: `unknown key '${key}'` };
}

/** A Perl pattern of the schema (`(?^:…)` or plain) as a JavaScript regular expression matching the whole value. */
function perlPattern(pattern) {
    const body = pattern.startsWith('(?^:') && pattern.endsWith(')') ? pattern.slice(4, -1) : pattern;
    return new RegExp(`^(?:${body})$`);
}

const BOOLEAN = /^(?:0|1|yes|no|on|off|true|false)$/i;

/** Named formats that are not property strings, from PVE::JSONSchema's descriptions. */
const NAMED_FORMATS = {
    // "List of host cores …, for example: 0,5,8-11"
    'pve-cpuset': /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/,
    // a DNS name: labels of letters, digits and inner hyphens, joined by dots
    'dns-name': /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/
};

/**
 * The sub-keys of a property string from its type text: `[[host=]<A>] [,pcie=<1|0>]` →
 * `{ keys: { host: 'A', pcie: '1|0' }, defaultKey: 'host' }`.
 */
export function subKeysOfTypetext(typetext) {
    const keys = {};
    let defaultKey;
    for (const m of typetext.matchAll(/(\[?)(,?)(\[?)([a-z][a-z0-9-]*)=(\]?)<([^>]*)>/g)) {
        keys[m[4]] = m[6];
        if (m[5] === ']' && m[3] === '[') defaultKey = m[4];
    }
    return { keys, defaultKey };
}

/** Whether `value` fits a type text of a sub-key (`1|0`, `8-64|host`, `integer`, `hex id`, `HOSTPCIID[;…]`…). */
function fitsTypetext(type, value) {
    if (type === '1|0' || type === 'boolean') return BOOLEAN.test(value);
    if (type === 'integer') return /^-?\d+$/.test(value);
    if (type === 'number') return /^-?\d+(?:\.\d+)?$/.test(value);
    if (type === 'hex id') return /^(?:0x)?[0-9a-fA-F]{1,4}$/.test(value);
    if (type.startsWith('HOSTPCIID')) {
        // "'bus:dev.func' (hexadecimal numbers)", a list of them separated by ';'; lspci -D adds the domain
        return value.split(';').every(id => /^(?:[0-9a-f]{4,}:)?[0-9a-f]{2}:[0-9a-f]{2}(?:\.[0-9a-f])?$/.test(id));
    }
    if (type.startsWith('+FLAG')) return /^[+-]?[a-z0-9_.-]+(?:;[+-]?[a-z0-9_.-]+)*$/i.test(value);
    if (/^[^<>\s]+(\|[^<>\s]+)+$/.test(type)) {
        return type.split('|').some(alt => {
            const range = /^(\d+)-(\d+)$/.exec(alt);
            if (range) return /^\d+$/.test(value) && Number(value) >= Number(range[1]) && Number(value) <= Number(range[2]);
            return alt === value;
        });
    }
    return value.length > 0 && !value.includes(',');
}

/** Problems of `value` against a schema (property or sub-property); `what` names it. */
export function checkValue(schema, value, what) {
    const problems = [];
    const type = schema.type ?? 'string';
    if (type === 'boolean' && !BOOLEAN.test(value)) problems.push(`${what}: '${value}' is not a boolean`);
    if (type === 'integer' || type === 'number') {
        const ok = type === 'integer' ? /^-?\d+$/.test(value) : /^-?\d+(?:\.\d+)?$/.test(value);
        if (!ok) problems.push(`${what}: '${value}' is not ${type === 'integer' ? 'an integer' : 'a number'}`);
        else {
            if (schema.minimum !== undefined && Number(value) < schema.minimum) problems.push(`${what}: ${value} < minimum ${schema.minimum}`);
            if (schema.maximum !== undefined && Number(value) > schema.maximum) problems.push(`${what}: ${value} > maximum ${schema.maximum}`);
        }
    }
    if (schema.enum && !schema.enum.map(String).includes(value)) problems.push(`${what}: '${value}' is not one of ${schema.enum.join(', ')}`);
    if (schema.pattern && !perlPattern(schema.pattern).test(value)) problems.push(`${what}: '${value}' does not match ${schema.pattern}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${what}: longer than ${schema.maxLength}`);
    const format = schema.format;
    if (format && typeof format === 'object') {
        problems.push(...checkPropertyString(value, what, Object.fromEntries(Object.entries(format).map(([k, s]) => [k, { schema: s }])),
            Object.keys(format).find(k => format[k].default_key)));
    } else if (typeof format === 'string') {
        if (Object.hasOwn(NAMED_FORMATS, format)) {
            if (!NAMED_FORMATS[format].test(value)) problems.push(`${what}: '${value}' is not a ${format}`);
        } else if (schema.typetext && schema.typetext.includes('=')) {
            const { keys, defaultKey } = subKeysOfTypetext(schema.typetext);
            problems.push(...checkPropertyString(value, what, Object.fromEntries(Object.entries(keys).map(([k, t]) => [k, { typetext: t }])), defaultKey));
        }
    }
    return problems;
}

/** Problems of a property string `k=v,…` against its sub-keys (each `{ schema }` or `{ typetext }`). */
function checkPropertyString(value, what, subKeys, defaultKey) {
    const problems = [];
    const seen = new Set();
    value.split(',').forEach((part, i) => {
        const eq = part.indexOf('=');
        let key = eq < 0 ? undefined : part.slice(0, eq);
        let sub = eq < 0 ? part : part.slice(eq + 1);
        if (key === undefined || !Object.hasOwn(subKeys, key)) {
            if (i === 0 && defaultKey && (key === undefined || !/^[a-z][a-z0-9-]*$/.test(key))) {
                key = defaultKey;
                sub = part;
            } else {
                problems.push(`${what}: unknown sub-key '${key ?? part}'`);
                return;
            }
        }
        if (seen.has(key)) problems.push(`${what}: sub-key '${key}' twice`);
        seen.add(key);
        const spec = subKeys[key];
        if (spec.schema) problems.push(...checkValue(spec.schema, sub, `${what} ${key}`));
        else if (!fitsTypetext(spec.typetext, sub)) problems.push(`${what} ${key}: '${sub}' is not <${spec.typetext}>`);
    });
    for (const [key, spec] of Object.entries(subKeys)) {
        if (spec.schema && spec.schema.optional !== 1 && !spec.schema.default_key && !seen.has(key) && spec.schema.default === undefined) {
            problems.push(`${what}: required sub-key '${key}' missing`);
        }
    }
    return problems;
}

/**
 * Problems of a whole file, `LINE: message` each (1-based lines): comments, then `key: value` lines
 * checked against `props` ({@link vmConfigProperties}); a key written twice is a problem.
 */
export function checkPveConfig(text, props) {
    const problems = [];
    const seen = new Set();
    text.split('\n').forEach((line, i) => {
        const at = `${i + 1}`;
        if (line === '' || line.startsWith('#')) return;
        const m = /^([a-z][a-z0-9_-]*):\s(.*)$/.exec(line);
        if (!m) {
            problems.push(`${at}: not 'key: value': ${line}`);
            return;
        }
        const [, key, value] = m;
        if (seen.has(key)) problems.push(`${at}: ${key} written twice`);
        seen.add(key);
        const { schema, problem } = propertyOf(props, key);
        if (problem) problems.push(`${at}: ${problem}`);
        else problems.push(...checkValue(schema, value, key).map(p => `${at}: ${p}`));
    });
    if (!text.endsWith('\n')) problems.push(`${text.split('\n').length}: the last line has no line end (file cut short?)`);
    return problems;
}

function main(args) {
    let props;
    const at = args.indexOf('--apidata');
    const apidata = at >= 0 ? args[at + 1] : process.env.PVE_APIDATA;
    const files = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
    if (!apidata) {
        process.stderr.write('check-pve-conf: give Proxmox\'s API schema with --apidata FILE or PVE_APIDATA (https://pve.proxmox.com/pve-docs/api-viewer/apidata.js)\n');
        return 2;
    }
    try {
        props = vmConfigProperties(fs.readFileSync(apidata, 'utf8'));
    } catch (err) {
        process.stderr.write(`check-pve-conf: cannot read Proxmox's API schema ${apidata}: ${err.message}\n`);
        return 2;
    }
    if (files.length === 0) {
        process.stderr.write('usage: node scripts/check-pve-conf.mjs --apidata apidata.js FILE...\n');
        return 2;
    }
    let status = 0;
    for (const file of files) {
        const problems = checkPveConfig(fs.readFileSync(file, 'utf8'), props);
        for (const p of problems) process.stderr.write(`${file}:${p}\n`);
        if (problems.length > 0) status = 1;
        else process.stdout.write(`${file}: fits Proxmox's VM configuration schema\n`);
    }
    return status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    process.exitCode = main(process.argv.slice(2));
}
