// Node's fs module as one namespace for the kernel's modules. In the CommonJS bundle every
// `import * as fs from 'node:fs'` became its own copy of the module's ~100 exports (esbuild's ES-module
// interop), made at every start for each of fourteen importers; importing it from here makes one.
export * as fs from 'node:fs';
