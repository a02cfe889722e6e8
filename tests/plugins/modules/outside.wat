;; points its output past the end of its memory
(module
  (memory (export "memory") 1)
  (func (export "crumbs_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "analyze") (param i32 i32) (result i64) (i64.or (i64.shl (i64.const 65530) (i64.const 32)) (i64.const 100))))
