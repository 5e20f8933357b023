/**
 * Langium's validation registry with vmtopo's failure handling: a per-node check that throws is
 * reported once to {@link InternalErrors} (with the check's node type) instead of becoming an error
 * diagnostic "An error occurred during validation" that blames the user's text; the other checks of
 * the document still run.
 */
import { ValidationRegistry, type AstNode, type LangiumCoreServices, type ValidationAcceptor } from 'langium';
import { isCancellation, type InternalErrors } from '../internal-errors.js';

export class VmtopoValidationRegistry extends ValidationRegistry {
    constructor(services: LangiumCoreServices, private readonly internalErrors: InternalErrors) {
        super(services);
    }

    protected override async handleException(functionality: () => unknown, messageContext: string, _accept: ValidationAcceptor, node: AstNode): Promise<void> {
        try {
            await functionality();
        } catch (err) {
            if (isCancellation(err)) throw err;
            this.internalErrors.report(`${messageContext.replace(/^An error occurred during /, '')} of a ${node.$type}`, err);
        }
    }
}
