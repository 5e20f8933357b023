/** A file imported as its text (`import text from './file.sh?raw'`): esbuild.mjs and Vite (vitest) load it so. */
declare module '*?raw' {
    const text: string;
    export default text;
}
