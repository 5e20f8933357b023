/**
 * The language server survives any stream an editor (or a broken client) can send. The BUNDLED
 * server (`out/server/main.cjs --stdio`) gets a seeded, reproducible stream of a few hundred random
 * edits — snippets of the language, absurd numbers, deep switch nesting, random characters,
 * truncations of the HGX example — interleaved with hover, completion, definition, references,
 * rename, document symbols, code actions and `vmtopo.export` commands with malformed arguments and
 * path traversal. What must hold:
 * - every request is answered: a result, or an error that is not an internal error (-32603: a
 *   handler threw) — so no raw stack or fs message reaches the editor;
 * - every `vmtopo.export` is answered with a result, and a malformed one with `ok: false`;
 * - nothing is written outside the workspace folder (the traversal target does not exist);
 * - the process is alive at the end and exits 0 on shutdown/exit.
 * Set VMTOPO_STREAM_SEED to replay another stream.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CodeActionRequest, CompletionRequest, DefinitionRequest, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification,
    DidOpenTextDocumentNotification, DocumentHighlightRequest, DocumentSymbolRequest, ExecuteCommandRequest, ExitNotification,
    HoverRequest, ReferencesRequest, RenameRequest, ResponseError, ShutdownRequest,
    type MessageConnection, type Position
} from 'vscode-languageserver/node';
import { startServer, uriOf, type RunningServer } from '../support/lsp-server.js';
import { REPO } from '../support/util.js';
import { mulberry32 } from '../../language/src/kernel/random.js';

const SEED = Number(process.env.VMTOPO_STREAM_SEED ?? 20261121);
const STEPS = 600;
const HGX_TEXT = fs.readFileSync(path.join(REPO, 'examples/hgx-h200.vmtopo'), 'utf8');
const INTERNAL_ERROR = -32603;

interface ExportAnswer { ok: boolean; written: string[]; problems: string[] }

/** Offset → LSP position in `text` (UTF-16 code units, as LSP counts by default). */
function positionAt(text: string, offset: number): Position {
    const before = text.slice(0, offset).split(/\r\n|\r|\n/);
    return { line: before.length - 1, character: before[before.length - 1].length };
}

/** Text that makes the language's lexer, parser, linker and rules work hard. */
const SNIPPETS = [
    '{', '}', '{', '}', 'host h {', 'gpu', 'vcpus 4294967296', 'cores 0-99999999', 'pin 0-4294967295',
    'vm v on sprocket {', 'vm train-a on sprocket {', 'memory 99999999999 TiB', 'at 0000:zz:00.0', 'at 0000:1a:00.0',
    'mig gpu6 "1g.18gb"', 'vgpu gpu6 "H200X-1-18C"', 'nic mlx5_8 vf 99999', 'mmio 0 GiB', 'socket cpu9 { numa 9 cores 0-3 memory 1 GiB }',
    'gpu gpuX "H200 SXM5 141GB" at 0000:ff:1f.7 module 99', 'link 64 GT/s x32', 'license nvaie', 'platform esxi',
    '/**', '*/', '/*', '//', '"', "'", '\n', ' ', '\t', ',', '-', '0', 'sprocket', 'gpu0, gpu1', 'passthrough'
];

const SWITCH = 'pcie-switch s at 0000:01:00.0 {';

/** A random string of characters the editor can send: controls, surrogates, quotes, comment marks. */
function randomChars(rand: () => number, length: number): string {
    const pool = ['\u0000', '\u0007', '\u001b', '\r', '\n', '\t', '\u2028', '\u202e', '\ufeff', '\ud800', '\udfff', '😀', 'é',
        '"', "'", '{', '}', '/', '*', '\\', ':', '.', '-', '0', '9', 'x', 'G', ' '];
    let out = '';
    for (let i = 0; i < length; i++) out += pool[Math.floor(rand() * pool.length)];
    return out;
}

describe(`language server under a random stream of edits and requests (seed ${SEED})`, () => {
    let server: RunningServer;
    let connection: MessageConnection;
    let tmp: string;
    let workspace: string;
    /** A folder outside the workspace: the target of the path-traversal exports. */
    let escapeRoot: string;
    /** A clean copy of the HGX example on disk, inside the workspace. */
    let hgxOnDisk: string;
    const examplesOut = path.join(REPO, 'examples', 'out');
    let examplesOutExisted = false;

    beforeAll(async () => {
        tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-stream-')));
        workspace = path.join(tmp, 'ws');
        escapeRoot = path.join(tmp, 'outside');
        fs.mkdirSync(workspace);
        fs.mkdirSync(escapeRoot);
        hgxOnDisk = path.join(workspace, 'hgx.vmtopo');
        fs.writeFileSync(hgxOnDisk, HGX_TEXT);
        examplesOutExisted = fs.existsSync(examplesOut);
        server = await startServer(workspace);
        connection = server.connection;
    }, 120_000);

    afterAll(() => {
        connection?.dispose();
        if (server && server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    const exportRequest = (arg: unknown) => connection.sendRequest(ExecuteCommandRequest.type, { command: 'vmtopo.export', arguments: [arg] }) as Promise<ExportAnswer>;

    it('exports the clean example inside the workspace (so that refusals below are the confinement\'s doing)', async () => {
        const result = await exportRequest({ file: hgxOnDisk, format: 'nccl', vm: 'train-a', outDir: 'out/control' });
        expect(result).toEqual({ ok: true, written: [path.join(workspace, 'out', 'control', 'train-a.nccl-topo.xml')], problems: [] });
    });

    it('rename and references on a never-opened, missing file: a clean error naming the file, not ENOENT', async () => {
        const missing = uriOf(path.join(workspace, 'never-opened.vmtopo'));
        const position = { line: 0, character: 0 };
        for (const request of [
            () => connection.sendRequest(RenameRequest.type, { textDocument: { uri: missing }, position, newName: 'x' }),
            () => connection.sendRequest(ReferencesRequest.type, { textDocument: { uri: missing }, position, context: { includeDeclaration: true } }),
            () => connection.sendRequest(DocumentHighlightRequest.type, { textDocument: { uri: missing }, position })
        ]) {
            const error = await request().then(() => undefined, (e: unknown) => e);
            expect(error).toBeInstanceOf(ResponseError);
            const { code, message } = error as ResponseError<unknown>;
            expect(code).toBe(-32803); // LSPErrorCodes.RequestFailed
            expect(message).toBe(`cannot open ${missing}: no such file, and it is not open in the editor`);
        }
        // Requests that wait for the document's build (hover, definition, symbols) answer with an
        // error too — never with an error object as their result (one copy of vscode-jsonrpc).
        for (const request of [
            () => connection.sendRequest(HoverRequest.type, { textDocument: { uri: missing }, position }),
            () => connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: missing }, position }),
            () => connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: missing } })
        ]) {
            const answer = await request().then(result => ({ result }), (e: unknown) => ({ error: e }));
            expect(answer).toEqual({ error: expect.any(ResponseError) });
        }
        // An untitled: document that was never opened is not read from the server's working folder.
        const untitled = await connection.sendRequest(ReferencesRequest.type, {
            textDocument: { uri: 'untitled:Untitled-1.vmtopo' }, position, context: { includeDeclaration: true }
        }).then(() => undefined, (e: unknown) => e as ResponseError<unknown>);
        expect(untitled?.code).toBe(-32803);
        expect(untitled?.message).toMatch(/^cannot open untitled:Untitled-1\.vmtopo: it is not open in the editor, and vmtopo reads only file: documents/);
    });

    it(`answers every request of ${STEPS} random steps, writes nothing outside the workspace, and exits 0`, async () => {
        const rand = mulberry32(SEED);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
        const int = (max: number): number => Math.floor(rand() * max);

        const docs = [0, 1, 2].map(i => ({ uri: uriOf(path.join(workspace, `fuzz-${i}.vmtopo`)), text: HGX_TEXT, version: 1, open: true }));
        for (const doc of docs) {
            await connection.sendNotification(DidOpenTextDocumentNotification.type, {
                textDocument: { uri: doc.uri, languageId: 'vmtopo', version: doc.version, text: doc.text }
            });
        }
        const neverOpened = uriOf(path.join(workspace, 'missing', 'never.vmtopo'));
        const escapeTarget = path.join(escapeRoot, 'escape');
        const traversal = `${'../'.repeat(12)}${escapeTarget.slice(1)}`;

        const malformedExports: unknown[] = [
            null, [], 0, 42, 'hgx.vmtopo', true, {}, { file: null }, { file: 12, format: 'nccl' }, { file: hgxOnDisk },
            { file: hgxOnDisk, format: 'pdf' }, { file: hgxOnDisk, format: 'libvirt', vm: 7 }, { file: hgxOnDisk, format: 'nccl', outDir: {} },
            { file: hgxOnDisk, format: 'nccl', outDirChosenByUser: 'yes' }, { file: neverOpened, format: 'nccl' },
            { file: 'untitled:Untitled-1', format: 'libvirt' }, { file: 'http://example.com/a.vmtopo', format: 'libvirt' },
            { file: `file://otherhost${hgxOnDisk}`, format: 'libvirt' }, { file: 'hgx.vmtopo', format: 'libvirt' },
            { file: `${hgxOnDisk}\u0000.xml`, format: 'nccl' }, { file: '', format: 'nccl' },
            { file: hgxOnDisk, format: 'libvirt', outDir: traversal },
            { file: uriOf(hgxOnDisk), format: 'nccl', outDir: traversal },
            { file: hgxOnDisk, format: 'nccl', outDir: escapeTarget },
            { file: path.join(REPO, 'examples', 'hgx-h200.vmtopo'), format: 'nccl' }
        ];

        type Pending = { label: string; promise: Promise<unknown> };
        const pending: Pending[] = [];
        const failures: string[] = [];
        let answered = 0;
        let errors = 0;

        /** Waits for the requests sent so far and checks each answer. */
        const settle = async (): Promise<void> => {
            const batch = pending.splice(0);
            const outcomes = await Promise.allSettled(batch.map(p => p.promise));
            outcomes.forEach((outcome, i) => {
                answered++;
                if (outcome.status === 'fulfilled') return;
                errors++;
                const error = outcome.reason as ResponseError<unknown> | Error;
                const code = error instanceof ResponseError ? error.code : undefined;
                if (code === undefined || code === INTERNAL_ERROR || /\n\s+at /.test(error.message)) {
                    failures.push(`${batch[i].label}: ${code ?? 'no code'} ${error.message}`);
                }
            });
        };

        const send = (label: string, promise: Promise<unknown>): void => { pending.push({ label, promise }); };

        const edit = (doc: typeof docs[number]): void => {
            const kind = rand();
            doc.version++;
            if (kind < 0.8) {
                // An incremental edit: replace a short random range by a snippet or random characters.
                const start = int(doc.text.length + 1);
                const end = Math.min(doc.text.length, start + (rand() < 0.5 ? 0 : int(40)));
                const insert = rand() < 0.75 ? pick(SNIPPETS) : randomChars(rand, 1 + int(12));
                const range = { start: positionAt(doc.text, start), end: positionAt(doc.text, end) };
                doc.text = doc.text.slice(0, start) + insert + doc.text.slice(end);
                void connection.sendNotification(DidChangeTextDocumentNotification.type, {
                    textDocument: { uri: doc.uri, version: doc.version }, contentChanges: [{ range, text: insert }]
                });
                return;
            }
            // A whole new text: a truncation of the example, deep switch nesting, or random characters.
            const shape = rand();
            if (shape < 0.5) {
                doc.text = HGX_TEXT.slice(0, int(HGX_TEXT.length + 1));
            } else if (shape < 0.8) {
                const depth = 50 + int(3000);
                doc.text = `host h {\n socket cpu0 { numa 0 cores 0-3 memory 1 GiB }\n${SWITCH.repeat(depth)}\n gpu g "H200 SXM5 141GB" at 0000:02:00.0\n${rand() < 0.5 ? '}'.repeat(depth + 1) : ''}`;
            } else {
                doc.text = randomChars(rand, int(400));
            }
            void connection.sendNotification(DidChangeTextDocumentNotification.type, {
                textDocument: { uri: doc.uri, version: doc.version }, contentChanges: [{ text: doc.text }]
            });
        };

        const request = (doc: typeof docs[number], step: number): void => {
            const uri = rand() < 0.08 ? neverOpened : doc.uri;
            const position = rand() < 0.1
                ? { line: int(100_000), character: int(100_000) }
                : positionAt(doc.text, int(doc.text.length + 1));
            const textDocument = { uri };
            const label = (method: string) => `step ${step}: ${method} ${uri === neverOpened ? '(never opened)' : ''} at ${position.line}:${position.character}`;
            switch (int(9)) {
                case 0: send(label('hover'), connection.sendRequest(HoverRequest.type, { textDocument, position })); break;
                case 1: send(label('completion'), connection.sendRequest(CompletionRequest.type, { textDocument, position })); break;
                case 2: send(label('definition'), connection.sendRequest(DefinitionRequest.type, { textDocument, position })); break;
                case 3: send(label('references'), connection.sendRequest(ReferencesRequest.type, { textDocument, position, context: { includeDeclaration: rand() < 0.5 } })); break;
                case 4: send(label('rename'), connection.sendRequest(RenameRequest.type, { textDocument, position, newName: pick(['x', 'gpu0', '', '1bad', 'a b', 'sprocket']) })); break;
                case 5: send(label('documentSymbol'), connection.sendRequest(DocumentSymbolRequest.type, { textDocument })); break;
                case 6: send(label('codeAction'), connection.sendRequest(CodeActionRequest.type, {
                    textDocument, range: { start: position, end: position }, context: { diagnostics: [] }
                })); break;
                case 7: send(label('documentHighlight'), connection.sendRequest(DocumentHighlightRequest.type, { textDocument, position })); break;
                default: {
                    const arg = rand() < 0.85 ? pick(malformedExports) : { file: doc.uri, format: pick(['libvirt', 'nccl']), outDir: rand() < 0.5 ? traversal : undefined };
                    send(`step ${step}: vmtopo.export ${JSON.stringify(arg)}`, exportRequest(arg).then(answer => {
                        // Never a protocol error; a refusal is ok: false with nothing written.
                        if (typeof answer !== 'object' || answer === null || !Array.isArray(answer.problems)) {
                            failures.push(`step ${step}: vmtopo.export answered ${JSON.stringify(answer)}`);
                        } else if (!answer.ok && answer.written.length > 0) {
                            failures.push(`step ${step}: a refused export wrote ${answer.written.join(', ')}`);
                        }
                        return answer;
                    }));
                }
            }
        };

        for (let step = 0; step < STEPS; step++) {
            const doc = pick(docs);
            const r = rand();
            if (r < 0.4) {
                edit(doc);
            } else if (r < 0.43) {
                // Close and reopen with the current text.
                void connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: doc.uri } });
                doc.version++;
                void connection.sendNotification(DidOpenTextDocumentNotification.type, {
                    textDocument: { uri: doc.uri, languageId: 'vmtopo', version: doc.version, text: doc.text }
                });
            } else {
                request(doc, step);
            }
            if (step % 25 === 24) await settle();
        }
        // Every path traversal is refused, whatever the document says.
        for (const outDir of [traversal, escapeTarget, `${escapeTarget}/deeper`]) {
            const answer = await exportRequest({ file: hgxOnDisk, format: 'libvirt', outDir });
            expect(answer.ok).toBe(false);
            expect(answer.written).toEqual([]);
            expect(answer.problems[0]).toMatch(/^the output folder .* lies outside the folder /);
        }
        await settle();

        expect(failures).toEqual([]);
        expect(answered).toBeGreaterThan(STEPS / 2);
        expect(errors).toBeLessThan(answered);
        // Nothing was written outside the workspace folder.
        expect(fs.existsSync(escapeTarget)).toBe(false);
        expect(fs.readdirSync(escapeRoot)).toEqual([]);
        expect(fs.existsSync(examplesOut)).toBe(examplesOutExisted);
        // Still alive, and it exits 0 on shutdown/exit.
        expect(server.process.exitCode, server.stderr()).toBeNull();
        const exited = new Promise<number | null>(resolve => server.process.once('exit', code => resolve(code)));
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
        const code = await Promise.race([exited, new Promise<'timeout'>(r => setTimeout(() => r('timeout'), 10_000))]);
        expect(code, server.stderr()).toBe(0);
    }, 60_000);
});
