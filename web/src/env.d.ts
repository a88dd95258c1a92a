// Stylesheets are bundled by esbuild (build.mjs).
declare module '*.css';
