/**
 * Worker of the fuzz pool (test/fuzz/pool.ts): one {@link FuzzPipeline} (one services instance,
 * reused from input to input), fed one input at a time. It runs as a worker thread (options in
 * `workerData`, messages over `parentPort`) or as a child process (options in the environment
 * variable VMTOPO_FUZZ_WORKER, messages over the IPC channel). Bundled with esbuild by
 * `npm run fuzz` (fuzz/run.mjs) and by the test slices (test/fuzz/slice-setup.ts). After an input with failures, or every
 * `recycleAfter` inputs, the pipeline gets fresh services.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FuzzPipeline, type PipelineOptions } from './pipeline.js';

interface WorkerData {
    pipeline?: PipelineOptions;
    recycleAfter?: number;
}

type Incoming = { id: number; text: string };

const port: { send(message: unknown): void; onMessage(listener: (message: Incoming) => void): void } = parentPort
    ? { send: m => parentPort!.postMessage(m), onMessage: l => parentPort!.on('message', l) }
    : { send: m => process.send!(m), onMessage: l => process.on('message', m => l(m as Incoming)) };
if (!parentPort && !process.send) throw new Error('test/fuzz/worker.ts runs as a worker thread or a forked child process');
// A child process ends with its parent.
if (!parentPort) process.on('disconnect', () => process.exit(0));

// Stack traces of failures name the TypeScript sources (the bundles carry source maps).
process.setSourceMapsEnabled(true);

const data = (parentPort ? workerData ?? {} : JSON.parse(process.env.VMTOPO_FUZZ_WORKER ?? '{}')) as WorkerData;
let current = 0;
// Each stage is announced to the pool, which names it when the input hangs.
const pipeline = new FuzzPipeline({ ...data.pipeline, onStage: stage => port.send({ id: current, stage }) });
const recycleAfter = data.recycleAfter ?? 2000;
let runs = 0;

port.onMessage(message => {
    current = message.id;
    void pipeline.run(message.text).then(result => {
        if (result.failures.length > 0 || ++runs % recycleAfter === 0) pipeline.reset();
        port.send({ id: message.id, result, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 });
    });
});
port.send({ ready: true });
