#!/usr/bin/env node
// vmtopo command-line interface. Its code is bundled to out/cli/ (ES modules, one chunk per command)
// by `npm run build`; this launcher answers a lone `--version` itself, from package.json, and
// otherwise loads out/cli/main.mjs with Node's module compile cache on, so that later runs skip
// compiling the bundle (the cache lives in NODE_COMPILE_CACHE or the system's temporary folder; a
// cache that cannot be written is skipped, so a read-only install works too). With the cache on,
// V8 compiles each function when its module is compiled (`--no-lazy`) rather than on its first
// call: the cache holds only what was compiled with the module, so the command's functions then come
// from the cache instead of being compiled again on every run (about 15 ms of a cold `vmtopo check`;
// bench/run.mjs, `cli`). Without the cache, eager compiling would only cost. Node's built-ins come
// from process.getBuiltinModule: an ES-module import of node:fs would build its facade, which loads
// fs/promises, readline and the streams (scripts/node-builtins.mjs).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 3)) {
    // process.getBuiltinModule and module.enableCompileCache: Node 22.3 or later (package.json
    // engines). An older Node (e.g. a system Node 20) gets one line, not a TypeError's stack trace.
    process.stderr.write(`vmtopo: needs Node.js 22.3 or later; this is Node.js ${process.versions.node}\n`);
    process.exitCode = 2;
} else {
    await run();
}

async function run() {
    const module = process.getBuiltinModule('node:module');
    const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
    const args = process.argv.slice(2);
    const version = args.length === 1 && (args[0] === '--version' || args[0] === '-V')
        ? JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
        : undefined;
    const main = new URL('../out/cli/main.mjs', import.meta.url);
    if (typeof version === 'string') {
        process.stdout.write(`${version}\n`);
    } else if (!existsSync(main)) {
        // After `npm ci` alone the bundles do not exist yet: one line, not a missing-module stack trace.
        process.stderr.write('vmtopo: the command line is not built yet; run `npm run build` in the vmtopo folder first\n');
        process.exitCode = 2;
    } else {
        const { status } = module.enableCompileCache();
        if (status === module.constants.compileCacheStatus.ENABLED || status === module.constants.compileCacheStatus.ALREADY_ENABLED) {
            process.getBuiltinModule('node:v8').setFlagsFromString('--no-lazy');
        }
        await import(main.href);
    }
}
