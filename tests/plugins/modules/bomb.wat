;; grows memory until refused, then writes past the end
(module
  (memory (export "memory") 1)
  (func (export "crumbs_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "analyze") (param i32 i32) (result i64)
    (block $full (loop $grow (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1))) (br $grow)))
    (i32.store (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
    (i64.const 0)))
