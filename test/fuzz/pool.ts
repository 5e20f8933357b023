/**
 * A pool of fuzz workers (test/fuzz/worker.ts, bundled) with a watchdog: an input that has no
 * result after `timeoutMs` is a hang — its worker is terminated (V8 stops it even inside a
 * synchronous loop), the hang recorded as the input's result (with the pipeline stage it had
 * reached), and a fresh worker started. A worker that dies (out of memory, an uncaught error) gives
 * its input an `exception` result and is replaced too. So no single input can stop a run.
 *
 * Isolation:
 * - `thread` (default): node:worker_threads, each with a heap limit and a V8 stack about as deep as
 *   a language server's main thread (984 KiB), so a stack overflow found here is one the server has.
 *   A *fatal* V8 error in a thread (e.g. `FATAL ERROR: invalid table size`, which no heap limit
 *   catches) aborts the whole process, though.
 * - `process`: one child process per worker (child_process.fork, default 984 KiB stack, heap limit
 *   by --max-old-space-size); a fatal V8 error kills only that child and is reported, with the last
 *   lines it wrote to stderr, as the failure of the input it was running.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { DocumentResult, PipelineOptions } from './pipeline.js';
import { normalize } from './pipeline.js';

export type Isolation = 'thread' | 'process';

export interface PoolOptions {
    /** The bundled worker (CommonJS file built from test/fuzz/worker.ts). */
    workerFile: string;
    workers?: number;
    /** No result after this long: a hang (default 10 000 ms). */
    timeoutMs?: number;
    pipeline?: PipelineOptions;
    /** Fresh services in a worker after this many inputs (default 2000). */
    recycleAfter?: number;
    /** Heap of each worker (default 2048 MiB); over it the worker dies and its input is reported. */
    maxOldGenerationSizeMb?: number;
    isolation?: Isolation;
}

/** What the worker sends: ready, the stage an input reached, or its result. */
interface WorkerMessage {
    ready?: boolean;
    id?: number;
    stage?: string;
    result?: DocumentResult;
    heapMiB?: number;
}

/** A worker thread or a child process, behind one interface. */
interface Handle {
    post(message: { id: number; text: string }): void;
    kill(): Promise<void>;
    /** Why it died, when known (error, signal, stderr tail). */
    death(): string | undefined;
}

interface Job {
    id: number;
    text: string;
    resolve: (result: DocumentResult) => void;
    reject: (err: Error) => void;
}

interface Slot {
    handle?: Handle;
    ready: boolean;
    job?: Job;
    timer?: NodeJS.Timeout;
    /** Terminated by the watchdog or by close (not a start failure). */
    killed?: boolean;
    /** The stage the current input has reached (what it was doing when it hangs or dies). */
    stage?: string;
    startFailures: number;
}

const emptyStats = (): DocumentResult['stats'] => ({
    files: 0, diagnostics: 0, vms: 0, exports: 0, refusals: 0, lspRequests: 0, codeActions: 0,
    stageMs: { build: 0, export: 0, lsp: 0, actions: 0, fixes: 0, edit: 0, probe: 0 }
});

export class FuzzPool {
    private readonly slots: Slot[];
    private readonly queue: Job[] = [];
    private nextId = 0;
    private closing = false;
    private readonly timeoutMs: number;
    /** Heap used by the workers after their last input, MiB. */
    readonly heapMiB: number[] = [];

    constructor(private readonly options: PoolOptions) {
        this.timeoutMs = options.timeoutMs ?? 10_000;
        this.slots = Array.from({ length: Math.max(1, options.workers ?? 2) }, () => ({ ready: false, startFailures: 0 }));
        this.slots.forEach(slot => this.spawn(slot));
    }

    /** Runs one input in a worker; resolves with its result (a hang or a crash is a result too). */
    run(text: string): Promise<DocumentResult> {
        if (this.closing) return Promise.reject(new Error('the fuzz pool is closed'));
        return new Promise((resolve, reject) => {
            this.queue.push({ id: ++this.nextId, text, resolve, reject });
            this.dispatch();
        });
    }

    async close(): Promise<void> {
        this.closing = true;
        for (const job of this.queue.splice(0)) job.reject(new Error('the fuzz pool was closed'));
        await Promise.all(this.slots.map(async slot => {
            clearTimeout(slot.timer);
            slot.killed = true;
            await slot.handle?.kill();
        }));
    }

    private spawn(slot: Slot): void {
        slot.ready = false;
        slot.killed = false;
        const workerData = { pipeline: this.options.pipeline, recycleAfter: this.options.recycleAfter };
        const heapMb = this.options.maxOldGenerationSizeMb ?? 2048;
        const onMessage = (message: WorkerMessage) => {
            if (slot.handle !== handle) return;
            if (message.stage !== undefined) {
                if (slot.job && slot.job.id === message.id) slot.stage = message.stage;
                return;
            }
            if (message.ready) {
                slot.ready = true;
                slot.startFailures = 0;
                this.dispatch();
                return;
            }
            const job = slot.job;
            if (!job || job.id !== message.id || !message.result) return;
            clearTimeout(slot.timer);
            slot.job = undefined;
            this.heapMiB[this.slots.indexOf(slot)] = message.heapMiB ?? 0;
            job.resolve(message.result);
            this.dispatch();
        };
        const onExit = () => {
            if (slot.handle !== handle) return;
            clearTimeout(slot.timer);
            slot.handle = undefined;
            const job = slot.job;
            slot.job = undefined;
            if (this.closing) return;
            if (job) {
                const stage = slot.stage ?? 'start';
                const why = handle.death() ?? 'it exited';
                job.resolve({
                    failures: [{
                        kind: 'exception', stage: `worker ${stage}`,
                        message: `the worker died while running this input (in ${stage}): ${why}`,
                        signature: `exception@${stage.replace(/ .*/, '')}: worker died: ${normalize(why.replace(/^.*?(FATAL ERROR: )/s, '$1'))}`
                    }],
                    ms: 0,
                    stats: emptyStats()
                });
            } else if (!slot.ready && !slot.killed && ++slot.startFailures >= 3) {
                const err = new Error(`the fuzz worker does not start: ${handle.death() ?? 'it exited'}`);
                for (const queued of this.queue.splice(0)) queued.reject(err);
                return;
            }
            this.spawn(slot);
        };
        const handle = this.options.isolation === 'process'
            ? processHandle(this.options.workerFile, workerData, heapMb, onMessage, onExit)
            : threadHandle(this.options.workerFile, workerData, heapMb, onMessage, onExit);
        slot.handle = handle;
    }

    private dispatch(): void {
        for (const slot of this.slots) {
            if (this.queue.length === 0) return;
            if (!slot.ready || slot.job || !slot.handle) continue;
            const job = this.queue.shift()!;
            slot.job = job;
            slot.stage = undefined;
            const handle = slot.handle;
            slot.timer = setTimeout(() => {
                if (slot.job !== job || slot.handle !== handle) return;
                slot.job = undefined;
                const stage = slot.stage ?? 'start';
                job.resolve({
                    failures: [{
                        kind: 'hang', stage,
                        message: `no result after ${this.timeoutMs} ms (in ${stage}): the worker was terminated`,
                        signature: `hang@${stage.replace(/ .*/, '')}: no result within the timeout`
                    }],
                    ms: this.timeoutMs,
                    stats: emptyStats()
                });
                slot.ready = false;
                slot.killed = true;
                void handle.kill();
            }, this.timeoutMs);
            handle.post({ id: job.id, text: job.text });
        }
    }
}

function threadHandle(file: string, workerData: unknown, heapMb: number, onMessage: (m: WorkerMessage) => void, onExit: () => void): Handle {
    let error: Error | undefined;
    const worker = new Worker(file, {
        workerData,
        resourceLimits: { maxOldGenerationSizeMb: heapMb, stackSizeMb: 1.15 },
        stdout: false,
        stderr: false
    });
    worker.on('message', onMessage);
    worker.on('error', err => {
        error = err;
    });
    worker.on('exit', onExit);
    return {
        post: message => worker.postMessage(message),
        kill: async () => {
            await worker.terminate();
        },
        death: () => error && `${(error as NodeJS.ErrnoException).code ? `${(error as NodeJS.ErrnoException).code}: ` : ''}${error.name}: ${error.message}`
    };
}

function processHandle(file: string, workerData: unknown, heapMb: number, onMessage: (m: WorkerMessage) => void, onExit: () => void): Handle {
    const child: ChildProcess = fork(file, [], {
        execArgv: [`--max-old-space-size=${heapMb}`],
        env: { ...process.env, VMTOPO_FUZZ_WORKER: JSON.stringify(workerData) },
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'pipe', 'ipc']
    });
    let stderr = '';
    let exit: string | undefined;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-8192);
    });
    child.on('message', message => onMessage(message as WorkerMessage));
    child.on('error', err => {
        exit = `${err.name}: ${err.message}`;
    });
    child.on('exit', (code, signal) => {
        exit = signal ? `killed by ${signal}` : `exit code ${code}`;
        // Let the last stderr lines arrive before the death is reported.
        if (child.stderr && !child.stderr.readableEnded) child.stderr.once('end', onExit);
        else onExit();
    });
    return {
        post: message => child.send(message),
        kill: () => new Promise(resolve => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
        }),
        death: () => {
            const fatal = /FATAL ERROR:[^\n]*/.exec(stderr)?.[0];
            const last = stderr.trim().split('\n').filter(l => l.trim() !== '').slice(-3).join(' | ');
            return [exit, fatal ?? (last ? `stderr: ${last.slice(0, 500)}` : undefined)].filter(Boolean).join('; ') || undefined;
        }
    };
}
