;; declares CronJobs, names a Secret
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{\22findings\22:[{\22severity\22:\22error\22,\22rule\22:\22x\22,\22title\22:\22y\22,\22subject\22:{\22kind\22:\22Secret\22,\22namespace\22:\22shop\22,\22name\22:\22db\22}}]}")
  (func (export "crumbs_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "analyze") (param i32 i32) (result i64) (i64.const 117)))
