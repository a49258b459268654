;; nostart.wat: exports memory but no _start (not a WASI command; must be rejected).
(module
  (memory (export "memory") 1))
