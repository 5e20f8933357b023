/**
 * The one log of vmtopo's own failures: a rule, a per-node check, hover, a code action or the
 * parser that threw. Whatever fails is caught where it runs, reported here with where it happened
 * (`rule family LOC (LOC001, …)`, `hover`, `quick-fix LOC001`), and the rest still runs. Each
 * distinct failure is written to the log once; every failure is counted, so the CLI can exit 2 and
 * an export can refuse when a check did not run completely ("a checker that approves a broken host
 * is worse than none").
 */
import { isOperationCancelled } from 'langium';

export class InternalErrors {
    /** Failures since these services were created (each counted, repeated or not). */
    count = 0;
    private readonly seen = new Set<string>();

    /** `log` receives one line per distinct failure (the language server: stderr, its output channel). */
    constructor(private readonly log: (line: string) => void = line => console.error(line)) {}

    /** Records a failure of `where`; never throws. */
    report(where: string, err: unknown): void {
        this.count++;
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        const key = `${where}\u0000${message}`;
        if (this.seen.has(key)) return;
        if (this.seen.size < 10_000) this.seen.add(key);
        const stack = err instanceof Error && err.stack ? `\n${err.stack.split('\n').slice(1, 8).join('\n')}` : '';
        try {
            this.log(`vmtopo: internal error in ${where}: ${message} (caught; the rest still ran)${stack}`);
        } catch {
            // A broken log must not turn a caught failure into an uncaught one.
        }
    }

    /**
     * Runs `action`; if it throws, reports the failure as {@link report} does and returns
     * `fallback`. Cancellation of a request (Langium's `OperationCancelled`) is rethrown.
     */
    guard<T>(where: string, action: () => T, fallback: T): T {
        try {
            return action();
        } catch (err) {
            if (isCancellation(err)) throw err;
            this.report(where, err);
            return fallback;
        }
    }
}

/** Langium's cancellation marker (`OperationCancelled`), which must travel up unchanged. */
export function isCancellation(err: unknown): boolean {
    return isOperationCancelled(err);
}

/** The services entry of {@link InternalErrors} (`services.log.InternalErrors`). */
export type LogServices = { log: { InternalErrors: InternalErrors } };
