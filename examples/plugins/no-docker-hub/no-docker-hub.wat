;; wasm:no-docker-hub, in WebAssembly text (no toolchain: `crumbs plugin build` turns it into .wasm).
;; Rule: a workload must not pull images from Docker Hub ("image":"docker.io/... in the object).
;; ABI v1: memory, alloc, analyze, crumbs_abi_version. Memory: [1024, ...) input, a bump allocator.
(module
  (memory (export "memory") 2)
  (global $next (mut i32) (i32.const 65536))
  (data (i32.const 0) "\22image\22:\22docker.io/")  ;; 19 bytes: the needle, at 0
  (data (i32.const 64) "{\22findings\22:[]}")        ;; 15 bytes: nothing found, at 64
  (data (i32.const 128) "{\22findings\22:[{\22rule\22:\22image-from-docker-hub\22,\22severity\22:\22warning\22,\22title\22:\22pulls an image from Docker Hub (rate limits, no mirror)\22,\22remediation\22:\22mirror the image into your registry and pull it from there\22}]}")

  (func (export "crumbs_abi_version") (result i32) (i32.const 1))

  ;; every call starts over: the input of the previous call is not needed any more
  (func (export "alloc") (param $len i32) (result i32)
    (local $need i32)
    (global.set $next (i32.const 65536))
    (local.set $need (i32.add (i32.const 65536) (local.get $len)))
    (if (i32.gt_u (local.get $need) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.add (i32.div_u (i32.sub (local.get $need) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.get $next))

  ;; does input[ptr, ptr+len) contain the 19-byte needle at 0?
  (func $contains (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $j i32) (local $end i32)
    (if (i32.lt_u (local.get $len) (i32.const 19)) (then (return (i32.const 0))))
    (local.set $end (i32.add (local.get $ptr) (i32.sub (local.get $len) (i32.const 19))))
    (local.set $i (local.get $ptr))
    (block $done
      (loop $scan
        (br_if $done (i32.gt_u (local.get $i) (local.get $end)))
        (local.set $j (i32.const 0))
        (block $miss
          (loop $cmp
            (br_if $miss (i32.ne (i32.load8_u (i32.add (local.get $i) (local.get $j)))
                                 (i32.load8_u (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (if (i32.eq (local.get $j) (i32.const 19)) (then (return (i32.const 1))))
            (br $cmp)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.const 0))

  (func (export "analyze") (param $ptr i32) (param $len i32) (result i64)
    (if (result i64) (call $contains (local.get $ptr) (local.get $len))
      (then (i64.or (i64.shl (i64.const 128) (i64.const 32)) (i64.const 209)))
      (else (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 15)))))
)
