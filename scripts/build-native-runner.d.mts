// Types for scripts/build-native-runner.mjs (imported by the fuzz suite).
export declare const RUNNER_SRC: string;
export declare const RUNNER_BIN: string;
export declare function buildNativeRunner(force?: boolean): string;
