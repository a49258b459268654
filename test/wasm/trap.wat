;; trap.wat: a WASI command whose _start traps at once (unreachable).
(module
  (memory (export "memory") 1)
  (func (export "_start")
    unreachable))
