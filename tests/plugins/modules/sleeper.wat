;; sleeps through WASI's clock (poll_oneoff, 5 s a time) until a sleep succeeds
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "crumbs_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "analyze") (param i32 i32) (result i64)
    ;; subscription at 0: userdata 0, tag 0 (clock), clock id 1 (monotonic), timeout 5 s, relative
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 5000000000))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200))))
        (br $again)))
    (i64.const 0)))
