/**
 * Langium's validation registry with vmtopo's failure handling: a per-node check that throws is
 * reported once to {@link InternalErrors} (with the check's node type) instead of becoming an error
 * diagnostic "An error occurred during validation" that blames the user's text; the other checks of
 * the document still run.
 *
 * Two savings on every validation (with {@link VmtopoDocumentValidator.validateAstNodes}): a check
 * that returns without a promise (all of vmtopo's do) is called and guarded synchronously — Langium
 * wraps each in two async functions, three promises per check and node, about 19,000 calls in a
 * 10k-line file — and the checks of a node type are looked up once ({@link checksFor}) instead of
 * through a new stream chain per node.
 */
import {
    ValidationRegistry, stream,
    type AstNode, type LangiumCoreServices, type MaybePromise, type Stream, type ValidationAcceptor, type ValidationCategory,
    type ValidationCheck
} from 'langium';
import { isCancellation, type InternalErrors } from '../kernel/internal-errors.js';

export class VmtopoValidationRegistry extends ValidationRegistry {
    /** Categories (joined) → node type → its checks in those categories, in registration order. */
    private readonly checksByCategories = new Map<string, Map<string, readonly ValidationCheck[]>>();
    /** The categories array last asked for (one per validation pass) and its entry above. */
    private last?: { categories: ValidationCategory[] | undefined; byType: Map<string, readonly ValidationCheck[]> };

    constructor(services: LangiumCoreServices, private readonly internalErrors: InternalErrors) {
        super(services);
    }

    protected override async handleException(functionality: () => unknown, messageContext: string, _accept: ValidationAcceptor, node: AstNode): Promise<void> {
        try {
            await functionality();
        } catch (err) {
            this.reportFailure(err, messageContext, node);
        }
    }

    /**
     * The check, guarded as {@link handleException} does, but synchronous when the check is: only a
     * check that returns a promise gets one back.
     */
    protected override wrapValidationException(check: ValidationCheck, thisObj: unknown): ValidationCheck {
        const context = 'An error occurred during validation';
        return (node, accept, cancelToken): MaybePromise<void> => {
            let result: MaybePromise<void>;
            try {
                result = check.call(thisObj, node, accept, cancelToken);
            } catch (err) {
                this.reportFailure(err, context, node);
                return;
            }
            if (result && typeof (result as PromiseLike<void>).then === 'function') {
                return Promise.resolve(result).catch(err => this.reportFailure(err, context, node));
            }
            return;
        };
    }

    protected override addEntry(type: string, entry: Parameters<ValidationRegistry['addEntry']>[1]): void {
        this.checksByCategories.clear();
        this.last = undefined;
        super.addEntry(type, entry);
    }

    override getChecks(type: string, categories?: ValidationCategory[]): Stream<ValidationCheck> {
        return stream(this.checksFor(type, categories));
    }

    /** What {@link getChecks} streams, as a cached array. */
    checksFor(type: string, categories?: ValidationCategory[]): readonly ValidationCheck[] {
        if (!this.last || this.last.categories !== categories) {
            const key = categories ? categories.join(',') : '\0all';
            let byType = this.checksByCategories.get(key);
            if (!byType) this.checksByCategories.set(key, byType = new Map<string, readonly ValidationCheck[]>());
            this.last = { categories, byType };
        }
        const byType = this.last.byType;
        let checks = byType.get(type);
        if (!checks) {
            checks = super.getChecks(type, categories).toArray();
            byType.set(type, checks);
        }
        return checks;
    }

    private reportFailure(err: unknown, messageContext: string, node: AstNode): void {
        if (isCancellation(err)) throw err;
        this.internalErrors.report(`${messageContext.replace(/^An error occurred during /, '')} of a ${node.$type}`, err);
    }
}
