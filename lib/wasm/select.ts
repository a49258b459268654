// Which processes run as WebAssembly: the annotations crun reads, with the
// same precedence (run.oci.handler first, then module.wasm.image/variant).
//
//   module.wasm.image/variant: compat        every process is a wasm module
//   module.wasm.image/variant: compat-smart  wasm modules run as wasm, other programs as usual
//   run.oci.handler: wasm | wasm-smart       the same two, crun's other spelling
//
// "Is a wasm module" is decided in the init, inside the container, from the
// program's first bytes (\0asm), after the PATH lookup (addon/child/exec.cc).

/** 0: no wasm; 1: always (compat); 2: only when the program is a wasm module (compat-smart). */
export type WasmMode = 0 | 1 | 2;

export const WASM_VARIANT = 'module.wasm.image/variant';
export const OCI_HANDLER = 'run.oci.handler';

export function wasmMode(annotations: Record<string, string> | undefined): WasmMode {
  if (!annotations) return 0;
  const handler = annotations[OCI_HANDLER];
  if (handler !== undefined) return handler === 'wasm' ? 1 : handler === 'wasm-smart' ? 2 : 0;
  const variant = annotations[WASM_VARIANT];
  return variant === 'compat' ? 1 : variant === 'compat-smart' ? 2 : 0;
}
