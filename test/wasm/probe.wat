;; probe.wat: a WASI preview1 command module for the wasm tests (see README.md).
;;
;; Each argument after args[0] is one command, run in order:
;;   o:TEXT        write TEXT "\n" to stdout
;;   e:NAME        write the value of env var NAME "\n" (or "(unset)\n")
;;   c:PATH        write the contents of file PATH to stdout
;;   w:PATH=TEXT   create/truncate PATH and write TEXT into it (no '=': empty file)
;;   m:PATH        path_create_directory PATH
;;   x:N           proc_exit(N)
;;   t:            trap (unreachable)
;;   s:N           sleep N seconds (poll_oneoff on the monotonic clock)
;; Paths are resolved against the preopened dir (fd 3) with leading '/' removed
;; ("" becomes "."). A WASI call failing with errno N prints "E<letter>N\n" and
;; the probe goes on with the next command; a malformed command or an unknown
;; letter prints "E?\n". After the last command _start returns (exit 0).

(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  ;; path_open(dirfd, lookupflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, *fd)
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (memory (export "memory") 1)

  ;; Memory layout (fixed scratch areas, then a bump heap for argv/environ):
  ;;   0x000  iovec {buf, len} for fd_read/fd_write
  ;;   0x010  u32 result of fd_read/fd_write (bytes done)
  ;;   0x014  u32 fd returned by path_open
  ;;   0x018  u32 count, 0x01c u32 buffer size (args/environ_sizes_get)
  ;;   0x020  u64 timestamp (clock_time_get)
  ;;   0x080  subscription for poll_oneoff (48 bytes)
  ;;   0x100  event from poll_oneoff (32 bytes), 0x120 u32 nevents
  ;;   0x200  line buffer for "E<letter><errno>\n" (16 bytes)
  ;;   0x300  constant strings (below)
  ;;   0x1000 file read buffer (4096 bytes)
  ;;   0x2000 heap
  (data (i32.const 0x300) "\n")          ;; 1 byte
  (data (i32.const 0x304) "(unset)\n")   ;; 8 bytes
  (data (i32.const 0x310) "E?\n")        ;; 3 bytes
  (data (i32.const 0x314) ".")           ;; 1 byte

  (global $heap (mut i32) (i32.const 0x2000))
  (global $argc (mut i32) (i32.const 0))
  (global $argv (mut i32) (i32.const 0))     ;; char *argv[]
  (global $envc (mut i32) (i32.const 0))
  (global $envp (mut i32) (i32.const 0))     ;; char *environ[]
  ;; The last path given to $path: pointer and length.
  (global $path_ptr (mut i32) (i32.const 0))
  (global $path_len (mut i32) (i32.const 0))

  ;; rights: fd_read = 1<<1, fd_write = 1<<6; oflags: creat = 1, trunc = 8;
  ;; lookupflags: symlink_follow = 1. The preopened root is fd 3.

  ;; Bump allocator (4-byte aligned); grows memory when needed.
  (func $alloc (param $n i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 3)) (i32.const -4)))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow
                      (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                               (memory.size)))
                    (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $p))

  ;; Length of the NUL-terminated string at $s.
  (func $strlen (param $s i32) (result i32)
    (local $p i32)
    (local.set $p (local.get $s))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $p) (local.get $s)))

  ;; Writes all $len bytes at $buf to $fd; returns the WASI errno (0 = ok).
  (func $write (param $fd i32) (param $buf i32) (param $len i32) (result i32)
    (local $err i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 0x000) (local.get $buf))
        (i32.store (i32.const 0x004) (local.get $len))
        (local.set $err (call $fd_write (local.get $fd) (i32.const 0x000) (i32.const 1) (i32.const 0x010)))
        (br_if $done (local.get $err))
        (local.set $buf (i32.add (local.get $buf) (i32.load (i32.const 0x010))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 0x010))))
        (br $more)))
    (local.get $err))

  ;; Writes to stdout, ignoring errors (there is nowhere to report them).
  (func $print (param $buf i32) (param $len i32)
    (drop (call $write (i32.const 1) (local.get $buf) (local.get $len))))

  (func $newline (call $print (i32.const 0x300) (i32.const 1)))

  ;; Writes $n in decimal at $out; returns the number of digits.
  (func $fmt_u32 (param $out i32) (param $n i32) (result i32)
    (local $digits i32) (local $t i32) (local $i i32)
    ;; count the digits
    (local.set $digits (i32.const 1))
    (local.set $t (local.get $n))
    (block $counted
      (loop $count
        (br_if $counted (i32.lt_u (local.get $t) (i32.const 10)))
        (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
        (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
        (br $count)))
    ;; fill from the right
    (local.set $i (local.get $digits))
    (loop $fill
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (local.get $out) (local.get $i))
                  (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $fill (local.get $i)))
    (local.get $digits))

  ;; Writes $n in decimal to stdout.
  (func $print_u32 (param $n i32)
    (call $print (i32.const 0x200) (call $fmt_u32 (i32.const 0x200) (local.get $n))))

  ;; Reports a failed WASI call of command $letter: one write of "E<letter><errno>\n".
  (func $error (param $letter i32) (param $errno i32)
    (local $len i32)
    (i32.store8 (i32.const 0x200) (i32.const 69)) ;; 'E'
    (i32.store8 (i32.const 0x201) (local.get $letter))
    (local.set $len (i32.add (i32.const 2) (call $fmt_u32 (i32.const 0x202) (local.get $errno))))
    (i32.store8 (i32.add (i32.const 0x200) (local.get $len)) (i32.const 10))
    (call $print (i32.const 0x200) (i32.add (local.get $len) (i32.const 1))))

  ;; Parses a decimal number (stops at the first non-digit; "" is 0).
  (func $parse_u32 (param $s i32) (param $len i32) (result i32)
    (local $n i32) (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $c (i32.sub (i32.load8_u (local.get $s)) (i32.const 48)))
        (br_if $done (i32.gt_u (local.get $c) (i32.const 9)))
        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10)) (local.get $c)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Makes PATH relative to the preopened root: strips leading '/', "" -> ".".
  ;; Sets $path_ptr/$path_len.
  (func $path (param $s i32) (param $len i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (br_if $done (i32.ne (i32.load8_u (local.get $s)) (i32.const 47))) ;; '/'
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (if (i32.eqz (local.get $len))
      (then (local.set $s (i32.const 0x314)) (local.set $len (i32.const 1))))
    (global.set $path_ptr (local.get $s))
    (global.set $path_len (local.get $len)))

  ;; Opens PATH under fd 3 with $oflags and $rights; returns the errno, the new
  ;; fd is at 0x014.
  (func $open (param $s i32) (param $len i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $path (local.get $s) (local.get $len))
    (call $path_open (i32.const 3) (i32.const 1) ;; symlink_follow
      (global.get $path_ptr) (global.get $path_len)
      (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 0x014)))

  ;; --- commands; each gets the operand (pointer, length) ---

  ;; o:TEXT
  (func $cmd_o (param $s i32) (param $len i32)
    (call $print (local.get $s) (local.get $len))
    (call $newline))

  ;; e:NAME: finds "NAME=" at the start of an environ entry.
  (func $cmd_e (param $s i32) (param $len i32)
    (local $i i32) (local $entry i32) (local $j i32)
    (block $notfound
      (loop $entries
        (br_if $notfound (i32.ge_u (local.get $i) (global.get $envc)))
        (local.set $entry (i32.load (i32.add (global.get $envp) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        ;; compare NAME with the entry (a NUL in the entry stops the match)
        (local.set $j (i32.const 0))
        (block $differ
          (loop $chars
            (if (i32.eq (local.get $j) (local.get $len))
              (then
                (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $entry) (local.get $j))) (i32.const 61))) ;; '='
                (local.set $entry (i32.add (local.get $entry) (i32.add (local.get $j) (i32.const 1))))
                (call $print (local.get $entry) (call $strlen (local.get $entry)))
                (call $newline)
                (return)))
            (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $entry) (local.get $j)))
                                   (i32.load8_u (i32.add (local.get $s) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $chars)))
        (br $entries)))
    (call $print (i32.const 0x304) (i32.const 8)))

  ;; c:PATH: open for reading, copy to stdout in 4 KiB chunks, close.
  (func $cmd_c (param $s i32) (param $len i32)
    (local $err i32) (local $fd i32) (local $n i32)
    (local.set $err (call $open (local.get $s) (local.get $len) (i32.const 0) (i64.const 2))) ;; fd_read
    (if (local.get $err) (then (call $error (i32.const 99) (local.get $err)) (return)))
    (local.set $fd (i32.load (i32.const 0x014)))
    (block $done
      (loop $more
        (i32.store (i32.const 0x000) (i32.const 0x1000))
        (i32.store (i32.const 0x004) (i32.const 4096))
        (local.set $err (call $fd_read (local.get $fd) (i32.const 0x000) (i32.const 1) (i32.const 0x010)))
        (br_if $done (local.get $err))
        (local.set $n (i32.load (i32.const 0x010)))
        (br_if $done (i32.eqz (local.get $n)))
        (call $print (i32.const 0x1000) (local.get $n))
        (br $more)))
    (if (local.get $err) (then (call $error (i32.const 99) (local.get $err))))
    (local.set $err (call $fd_close (local.get $fd)))
    (if (local.get $err) (then (call $error (i32.const 99) (local.get $err)))))

  ;; w:PATH=TEXT: split at the first '=', create/truncate, write, close.
  (func $cmd_w (param $s i32) (param $len i32)
    (local $plen i32) (local $err i32) (local $fd i32)
    ;; $plen = index of '=' (or $len)
    (block $found
      (loop $scan
        (br_if $found (i32.eq (local.get $plen) (local.get $len)))
        (br_if $found (i32.eq (i32.load8_u (i32.add (local.get $s) (local.get $plen))) (i32.const 61)))
        (local.set $plen (i32.add (local.get $plen) (i32.const 1)))
        (br $scan)))
    (local.set $err (call $open (local.get $s) (local.get $plen)
                      (i32.const 9) (i64.const 64))) ;; creat|trunc, fd_write
    (if (local.get $err) (then (call $error (i32.const 119) (local.get $err)) (return)))
    (local.set $fd (i32.load (i32.const 0x014)))
    (if (i32.lt_u (local.get $plen) (local.get $len))
      (then
        (local.set $err (call $write (local.get $fd)
                          (i32.add (local.get $s) (i32.add (local.get $plen) (i32.const 1)))
                          (i32.sub (local.get $len) (i32.add (local.get $plen) (i32.const 1)))))
        (if (local.get $err) (then (call $error (i32.const 119) (local.get $err))))))
    (local.set $err (call $fd_close (local.get $fd)))
    (if (local.get $err) (then (call $error (i32.const 119) (local.get $err)))))

  ;; m:PATH
  (func $cmd_m (param $s i32) (param $len i32)
    (local $err i32)
    (call $path (local.get $s) (local.get $len))
    (local.set $err (call $path_create_directory (i32.const 3) (global.get $path_ptr) (global.get $path_len)))
    (if (local.get $err) (then (call $error (i32.const 109) (local.get $err)))))

  ;; Busy-waits until the monotonic clock has advanced $ns nanoseconds
  ;; (fallback for $cmd_s).
  (func $spin (param $ns i64)
    (local $start i64)
    (drop (call $clock_time_get (i32.const 1) (i64.const 1000) (i32.const 0x020)))
    (local.set $start (i64.load (i32.const 0x020)))
    (loop $wait
      (drop (call $clock_time_get (i32.const 1) (i64.const 1000) (i32.const 0x020)))
      (br_if $wait (i64.lt_u (i64.sub (i64.load (i32.const 0x020)) (local.get $start)) (local.get $ns)))))

  ;; s:N: poll_oneoff with one relative clock subscription (monotonic, N s).
  ;; If that fails, reports "Es<errno>" and busy-waits instead.
  (func $cmd_s (param $s i32) (param $len i32)
    (local $ns i64) (local $err i32)
    (local.set $ns (i64.mul (i64.extend_i32_u (call $parse_u32 (local.get $s) (local.get $len)))
                            (i64.const 1000000000)))
    ;; subscription: userdata u64 @0, tag u8 @8 (0 = clock),
    ;; clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40 (0 = relative)
    (memory.fill (i32.const 0x080) (i32.const 0) (i32.const 48))
    (i64.store (i32.const 0x080) (i64.const 0x5052))    ;; userdata
    (i32.store (i32.const 0x090) (i32.const 1))         ;; clockid monotonic
    (i64.store (i32.const 0x098) (local.get $ns))       ;; timeout
    (i64.store (i32.const 0x0a0) (i64.const 1000000))   ;; precision 1 ms
    (local.set $err (call $poll_oneoff (i32.const 0x080) (i32.const 0x100) (i32.const 1) (i32.const 0x120)))
    ;; event: userdata u64 @0, error u16 @8, type u8 @10
    (if (i32.eqz (local.get $err))
      (then (local.set $err (i32.load16_u (i32.const 0x108)))))
    (if (local.get $err)
      (then
        (call $error (i32.const 115) (local.get $err))
        (call $spin (local.get $ns)))))

  ;; Runs one command string (NUL-terminated) "L:OPERAND".
  (func $run (param $arg i32)
    (local $len i32) (local $op i32) (local $oplen i32)
    (local.set $len (call $strlen (local.get $arg)))
    (if (i32.or (i32.lt_u (local.get $len) (i32.const 2))
                (i32.ne (i32.load8_u offset=1 (local.get $arg)) (i32.const 58))) ;; ':'
      (then (call $print (i32.const 0x310) (i32.const 3)) (return)))
    (local.set $op (i32.add (local.get $arg) (i32.const 2)))
    (local.set $oplen (i32.sub (local.get $len) (i32.const 2)))
    (block $unknown
      (block $t
        (block $x
          (block $s
            (block $m
              (block $w
                (block $c
                  (block $e
                    (block $o
                      ;; br_table over letter - 'c': c d e f g h i j k l m n o p q r s t u v w x
                      (br_table $c $unknown $e $unknown $unknown $unknown $unknown $unknown $unknown
                                $unknown $m $unknown $o $unknown $unknown $unknown $s $t $unknown
                                $unknown $w $x $unknown
                        (i32.sub (i32.load8_u (local.get $arg)) (i32.const 99))))
                    (call $cmd_o (local.get $op) (local.get $oplen)) (return))
                  (call $cmd_e (local.get $op) (local.get $oplen)) (return))
                (call $cmd_c (local.get $op) (local.get $oplen)) (return))
              (call $cmd_w (local.get $op) (local.get $oplen)) (return))
            (call $cmd_m (local.get $op) (local.get $oplen)) (return))
          (call $cmd_s (local.get $op) (local.get $oplen)) (return))
        (call $proc_exit (call $parse_u32 (local.get $op) (local.get $oplen)))
        (return))
      unreachable) ;; t:
    (call $print (i32.const 0x310) (i32.const 3)))

  (func (export "_start")
    (local $err i32) (local $i i32)
    ;; argv
    (local.set $err (call $args_sizes_get (i32.const 0x018) (i32.const 0x01c)))
    (if (local.get $err) (then (call $error (i32.const 97) (local.get $err)) (return))) ;; "Ea"
    (global.set $argc (i32.load (i32.const 0x018)))
    (global.set $argv (call $alloc (i32.shl (global.get $argc) (i32.const 2))))
    (local.set $err (call $args_get (global.get $argv) (call $alloc (i32.load (i32.const 0x01c)))))
    (if (local.get $err) (then (call $error (i32.const 97) (local.get $err)) (return)))
    ;; environ (a failure leaves it empty: every e: prints "(unset)")
    (local.set $err (call $environ_sizes_get (i32.const 0x018) (i32.const 0x01c)))
    (if (i32.eqz (local.get $err))
      (then
        (global.set $envc (i32.load (i32.const 0x018)))
        (global.set $envp (call $alloc (i32.shl (global.get $envc) (i32.const 2))))
        (local.set $err (call $environ_get (global.get $envp) (call $alloc (i32.load (i32.const 0x01c)))))))
    (if (local.get $err)
      (then (global.set $envc (i32.const 0)) (call $error (i32.const 101) (local.get $err))))
    ;; the commands
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $argc)))
        (call $run (i32.load (i32.add (global.get $argv) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
)
