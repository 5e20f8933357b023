/** Error of the exporters: a VM that cannot be exported as asked (the message says why, for a person). */
export class ExportError extends Error {
    override readonly name = 'ExportError';
}
