;; wasm:__NAME__ — a Crumbs analyzer in WebAssembly text. Build: crumbs plugin build __NAME__
;; The rule to start from: an object without the label app.kubernetes.io/name.
;; ABI v1 (docs/plugins.md): memory, alloc(len) -> ptr, analyze(ptr, len) -> (out_ptr << 32) | out_len,
;; crumbs_abi_version() -> 1. The input is {"at": "...", "object": {...}} (compact JSON).
(module
  (memory (export "memory") 2)
  (data (i32.const 0) "\22app.kubernetes.io/name\22:")   ;; the needle: 25 bytes at 0
  (data (i32.const 64) "{\22findings\22:[]}")                ;; 15 bytes at 64
  (data (i32.const 128) "{\22findings\22:[{\22rule\22:\22missing-app-name\22,\22severity\22:\22info\22,\22title\22:\22no app.kubernetes.io/name label\22}]}")
  (global $found_len i32 (i32.const 102))

  (func (export "crumbs_abi_version") (result i32) (i32.const 1))

  ;; the input goes at 64 KiB; memory grows to fit it
  (func (export "alloc") (param $len i32) (result i32)
    (local $need i32)
    (local.set $need (i32.add (i32.const 65536) (local.get $len)))
    (if (i32.gt_u (local.get $need) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.div_u (i32.sub (local.get $need) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))) (i32.const -1))
        (then (return (i32.const 0))))))
    (i32.const 65536))

  (func $contains (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $j i32)
    (block $done
      (loop $scan
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 25)) (local.get $len)))
        (local.set $j (i32.const 0))
        (block $miss
          (loop $cmp
            (br_if $miss (i32.ne (i32.load8_u (i32.add (i32.add (local.get $ptr) (local.get $i)) (local.get $j)))
                                 (i32.load8_u (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (if (i32.eq (local.get $j) (i32.const 25)) (then (return (i32.const 1))))
            (br $cmp)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.const 0))

  (func (export "analyze") (param $ptr i32) (param $len i32) (result i64)
    (if (result i64) (call $contains (local.get $ptr) (local.get $len))
      (then (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 15)))
      (else (i64.or (i64.shl (i64.const 128) (i64.const 32)) (i64.extend_i32_u (global.get $found_len))))))
)
