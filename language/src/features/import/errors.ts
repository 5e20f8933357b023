/** An input an importer cannot read (not its format, malformed): a message naming the file and what is wrong. */
export class ImportError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'ImportError';
    }
}
