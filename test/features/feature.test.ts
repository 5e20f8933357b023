/**
 * The features register their server side one way (language/src/features/feature.ts): each
 * feature's commands go into the one ExecuteCommandHandler in every process (the CLI's and the
 * tests' services answer `vmtopo.export` and `vmtopo.drift` too), its requests onto the connection only in a language
 * server; a command id taken twice is refused. The wire names are pinned by the bundled-server tests
 * (test/server, test/features/diagram/server.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { FEATURES } from '../../language/src/features/index.js';
import { FeatureCommandHandler, registerFeatures, type Feature } from '../../language/src/features/feature.js';
import { DRIFT_COMMAND, EXPORT_COMMAND, IMPORT_HOST_REQUEST, PLAN_REQUEST, TOPOLOGY_REQUEST } from '../../language/src/protocol.js';
import type { Connection } from 'vscode-languageserver';

/** A stand-in connection that records the request methods registered on it. */
function recordingConnection(): { connection: Connection; methods: string[] } {
    const methods: string[] = [];
    const connection = { onRequest: (method: string) => { methods.push(method); } } as unknown as Connection;
    return { connection, methods };
}

describe('registerFeatures', () => {
    it('gives every services the features\' commands: vmtopo.export and vmtopo.drift, and nothing else', () => {
        const { shared } = createVmtopoServices();
        expect(shared.lsp.ExecuteCommandHandler).toBeInstanceOf(FeatureCommandHandler);
        expect(shared.lsp.ExecuteCommandHandler!.commands).toEqual([EXPORT_COMMAND, DRIFT_COMMAND]);
    });

    it('registers the requests of every feature on a connection, and none without one', () => {
        const { shared, vmtopo } = createVmtopoServices();
        const fresh = new FeatureCommandHandler();
        const services = { ...shared, lsp: { ...shared.lsp, ExecuteCommandHandler: fresh } } as typeof shared;
        const { connection, methods } = recordingConnection();
        registerFeatures(FEATURES, { shared: services, vmtopo, options: {} }, connection);
        expect(methods.sort()).toEqual([IMPORT_HOST_REQUEST, TOPOLOGY_REQUEST, PLAN_REQUEST].sort());
        expect(fresh.commands).toEqual([EXPORT_COMMAND, DRIFT_COMMAND]);
    });

    it('answers a command through the feature\'s handler, with the command\'s arguments', async () => {
        const { shared, vmtopo } = createVmtopoServices();
        const handler = new FeatureCommandHandler();
        const seen: unknown[][] = [];
        const echo: Feature = { name: 'echo', commands: () => ({ 'vmtopo.echo': args => { seen.push(args); return args.length; } }) };
        registerFeatures([echo], { shared: { ...shared, lsp: { ...shared.lsp, ExecuteCommandHandler: handler } }, vmtopo, options: {} });
        expect(await handler.executeCommand('vmtopo.echo', ['a', 'b'])).toBe(2);
        expect(seen).toEqual([['a', 'b']]);
    });

    it('refuses a command id registered twice, and services whose handler is not the features\' one', () => {
        const { shared, vmtopo } = createVmtopoServices();
        const handler = new FeatureCommandHandler();
        const twice: Feature = { name: 'twice', commands: () => ({ [EXPORT_COMMAND]: () => undefined }) };
        const context = { shared: { ...shared, lsp: { ...shared.lsp, ExecuteCommandHandler: handler } } as typeof shared, vmtopo, options: {} };
        expect(() => registerFeatures([...FEATURES, twice], context)).toThrow(`the command ${EXPORT_COMMAND} is registered twice`);
        const other = { ...shared, lsp: { ...shared.lsp, ExecuteCommandHandler: { commands: [], executeCommand: () => Promise.resolve(undefined) } } } as typeof shared;
        expect(() => registerFeatures(FEATURES, { shared: other, vmtopo, options: {} })).toThrow(/not a FeatureCommandHandler/);
    });
});
