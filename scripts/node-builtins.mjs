// Node's built-in modules in the CLI's ES-module bundle, without the cost of importing them as ES
// modules. `import fs from 'node:fs'` makes Node build an ES-module facade of the built-in, which
// reads every export — getters included, so `fs.promises` loads fs/promises, readline and the streams,
// `crypto` its webcrypto — about 8 ms of a cold `vmtopo check`. `process.getBuiltinModule` (Node
// ≥ 22.3, https://nodejs.org/api/process.html#processgetbuiltinmoduleid) returns the module object
// itself. This esbuild plugin resolves every built-in to a small module that does that:
// - an `import` gets the module object as its default export and each of its properties as a named
//   export, read when the module is evaluated (each read marked pure, so esbuild drops the ones that
//   nothing imports) — except the `promises` APIs (`fs.promises`, `stream.promises`, …), whose getter
//   loads a module of its own (fs/promises loads readline and the streams): they are proxies that read
//   the getter on first use (langium/node imports `fs.promises`; `vmtopo check` never calls it);
// - a `require()` (the CommonJS packages inside) gets the module object itself;
// - the built-ins in LAZY are loaded on first use: their default export is a proxy and their named
//   exports are the functions whose names start in lower case, each forwarding to the module
//   (importing a class or a value from them fails the build, which is the point: nothing is loaded
//   eagerly by mistake). `vmtopo check` needs neither hashing nor child processes.
import { builtinModules } from 'node:module';

/** Built-ins loaded when first used instead of when their importer is (each costs 2–3 ms to load). */
const LAZY = new Set(['crypto', 'child_process']);

const BUILTINS = new Set(builtinModules);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The names of `name`'s exports that are valid identifiers; with `plain`, only those that are not getters. */
function exportNames(name, plain = false) {
    const mod = process.getBuiltinModule(name);
    return Object.keys(mod).filter(key => IDENTIFIER.test(key) && key !== 'default'
        && (!plain || 'value' in Object.getOwnPropertyDescriptor(mod, key)));
}

/** The ES module that stands for built-in `name` (see the top of this file). */
function esmShim(name) {
    const id = JSON.stringify(name);
    if (!LAZY.has(name)) {
        // each export read through a call marked pure, so that esbuild drops the ones nothing imports
        // (the shims' own names start with two underscores, which no built-in's export does)
        return `const __builtin = process.getBuiltinModule(${id});\nconst __read = key => __builtin[key];\nexport default __builtin;\n`
            + exportNames(name).map(key => key === 'promises'
                ? `export const promises = /* @__PURE__ */ ${proxyOf('__builtin.promises')};\n`
                : `export const ${key} = /* @__PURE__ */ __read(${JSON.stringify(key)});\n`).join('');
    }
    const mod = process.getBuiltinModule(name);
    const functions = exportNames(name, true).filter(key => /^[a-z]/.test(key) && typeof mod[key] === 'function');
    return `${lazyLoader(id)}export default ${proxyOf('__load()')};\n`
        + functions.map(key => `export function ${key}(...args) { return __load().${key}(...args); }\n`).join('');
}

/** The CommonJS module that stands for built-in `name` in a `require()`. */
function cjsShim(name) {
    const id = JSON.stringify(name);
    return LAZY.has(name)
        ? `${lazyLoader(id)}module.exports = ${proxyOf('__load()')};\n`
        : `module.exports = process.getBuiltinModule(${id});\n`;
}

function lazyLoader(id) {
    return `let __builtin;\nconst __load = () => (__builtin ??= process.getBuiltinModule(${id}));\n`;
}

/** A proxy that reads the object `target` (an expression) only when one of its properties is used. */
function proxyOf(target) {
    return `new Proxy({}, { get: (_, key) => ${target}[key], has: (_, key) => key in ${target}, `
        + `ownKeys: () => Reflect.ownKeys(${target}), `
        + `getOwnPropertyDescriptor: (_, key) => { const d = Reflect.getOwnPropertyDescriptor(${target}, key); return d && { ...d, configurable: true }; } })`;
}

/** esbuild plugin for ES-module bundles run by Node ≥ 22.3: see the top of this file. */
export const nodeBuiltins = {
    name: 'node-builtins',
    setup(build) {
        build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, args => {
            const name = args.path.replace(/^node:/, '');
            if (!BUILTINS.has(name)) return undefined;
            return { path: name, namespace: args.kind === 'require-call' ? 'node-builtin-cjs' : 'node-builtin', sideEffects: false };
        });
        build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, args => ({ contents: esmShim(args.path), loader: 'js' }));
        build.onLoad({ filter: /.*/, namespace: 'node-builtin-cjs' }, args => ({ contents: cjsShim(args.path), loader: 'js' }));
    }
};
