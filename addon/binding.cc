// N-API surface of the addon. Everything here runs in the parent (node):
// it copies the JS spawn plan into plain C data (plan.h), clones the init, and
// offers the few blocking primitives node lacks (SOCK_SEQPACKET sync, unix
// sockets, flock, waitpid). No policy: lib/plan decides, this executes.

#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <vector>

#include "plan.h"
#include "init-stack.h"
#include "clone-into.h"
#include "affinity.h"
#include "scm.h"
#include "bpf.h"
#include "criu.h"
#include "errors.h"
#include "netdev.h"
#include "seccomp.h"

void InitSystemd(Napi::Env env, Napi::Object exports);  // systemd.cc

namespace ocirun {
namespace {

// Owns every byte the child's Plan points to. Strings live in a deque so
// their addresses never move while we fill it.
struct PlanStore {
  Plan plan{};
  std::deque<std::string> strings;
  std::vector<const char*> argv, envp, path_dirs, tramp_argv, wasm_argv;
  std::vector<MountOp> mounts, late_mounts;
  std::vector<DeviceOp> devices;
  std::vector<SymlinkOp> symlinks;
  std::vector<NsJoin> joins;
  std::vector<RlimitOp> rlimits;
  std::vector<gid_t> groups;
  std::string sysctls;
  std::vector<int> cpus, wasm_keep_fds;
  std::vector<uint8_t> seccomp;

  const char* str(const std::string& s) { strings.push_back(s); return strings.back().c_str(); }
};

std::string get_str(const Napi::Object& o, const char* k, const std::string& def = "") {
  Napi::Value v = o.Get(k);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : def;
}
double get_num(const Napi::Object& o, const char* k, double def = 0) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
}
bool get_bool(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
}
// 64-bit masks and rlimits come as decimal strings or BigInts (JS numbers lose bits).
uint64_t get_u64(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  if (v.IsBigInt()) { bool lossless; return v.As<Napi::BigInt>().Uint64Value(&lossless); }
  if (v.IsString()) return strtoull(v.As<Napi::String>().Utf8Value().c_str(), nullptr, 10);
  if (v.IsNumber()) return (uint64_t)v.As<Napi::Number>().DoubleValue();
  return 0;
}
Napi::Array get_arr(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  return v.IsArray() ? v.As<Napi::Array>() : Napi::Array::New(o.Env());
}

void fill_mounts(PlanStore& s, Napi::Array arr, std::vector<MountOp>& out) {
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Object m = arr.Get(i).As<Napi::Object>();
    MountOp op{};
    op.kind = (int)get_num(m, "kind");
    op.target_kind = (int)get_num(m, "targetKind");
    op.source = s.str(get_str(m, "source"));
    op.target = s.str(get_str(m, "target"));
    op.fstype = s.str(get_str(m, "fstype"));
    op.data = s.str(get_str(m, "data"));
    op.flags = (unsigned long)get_num(m, "flags");
    op.propagation = (unsigned long)get_num(m, "propagation");
    op.recursive = get_bool(m, "recursive");
    op.remount = get_bool(m, "remount");
    op.copyup = get_bool(m, "copyup");
    op.rec_set = (uint64_t)get_num(m, "recSet");
    op.rec_clr = (uint64_t)get_num(m, "recClr");
    op.idmap_tree_fd = (int)get_num(m, "idmapTreeFd", -1);
    out.push_back(op);
  }
}

void fill_strings(PlanStore& s, Napi::Array arr, std::vector<const char*>& out) {
  for (uint32_t i = 0; i < arr.Length(); i++)
    out.push_back(s.str(arr.Get(i).As<Napi::String>().Utf8Value()));
  out.push_back(nullptr);
}

void fill_plan(PlanStore& s, Napi::Object o) {
  Plan& p = s.plan;
  p.clone_flags = (int)get_num(o, "cloneFlags");
  p.unshare_flags = (int)get_num(o, "unshareFlags");
  p.fork_needed = get_bool(o, "forkNeeded");
  p.userns_new = get_bool(o, "userNsNew");
  p.dumpable_until_go = get_bool(o, "dumpableUntilGo");
  p.test_stop = get_bool(o, "testStop");
  p.timens_new = get_bool(o, "timeNsNew");
  p.timens_offsets = s.str(get_str(o, "timeNsOffsets"));
  Napi::Array joins = get_arr(o, "joins");
  for (uint32_t i = 0; i < joins.Length(); i++) {
    Napi::Object j = joins.Get(i).As<Napi::Object>();
    s.joins.push_back({(int)get_num(j, "fd"), (int)get_num(j, "nstype")});
  }

  p.setup_rootfs = get_bool(o, "setupRootfs");
  p.rootfs_shared_ns = get_bool(o, "rootfsSharedNs");
  p.rootfs = s.str(get_str(o, "rootfs"));
  p.rootfs_parent = s.str(get_str(o, "rootfsParent"));
  p.root_propagation = (unsigned long)get_num(o, "rootPropagation");
  p.final_propagation = (unsigned long)get_num(o, "finalPropagation");
  p.root_readonly = get_bool(o, "rootReadonly");
  p.no_pivot = get_bool(o, "noPivot");
  fill_mounts(s, get_arr(o, "mounts"), s.mounts);
  fill_mounts(s, get_arr(o, "lateMounts"), s.late_mounts);
  Napi::Array devs = get_arr(o, "devices");
  for (uint32_t i = 0; i < devs.Length(); i++) {
    Napi::Object d = devs.Get(i).As<Napi::Object>();
    DeviceOp op{};
    op.path = s.str(get_str(d, "path"));
    op.mode = (mode_t)get_num(d, "mode");
    op.dev = makedev((unsigned)get_num(d, "major"), (unsigned)get_num(d, "minor"));
    op.uid = (uid_t)get_num(d, "uid");
    op.gid = (gid_t)get_num(d, "gid");
    op.bind = get_bool(d, "bind");
    op.configured = get_bool(d, "configured");
    s.devices.push_back(op);
  }
  Napi::Array links = get_arr(o, "symlinks");
  for (uint32_t i = 0; i < links.Length(); i++) {
    Napi::Object l = links.Get(i).As<Napi::Object>();
    s.symlinks.push_back({s.str(get_str(l, "target")), s.str(get_str(l, "path"))});
  }
  p.cwd = s.str(get_str(o, "cwd", "/"));

  Napi::Value hn = o.Get("hostname"), dn = o.Get("domainname");
  p.hostname = hn.IsString() ? s.str(hn.As<Napi::String>().Utf8Value()) : nullptr;
  p.domainname = dn.IsString() ? s.str(dn.As<Napi::String>().Utf8Value()) : nullptr;

  p.console_fd = (int)get_num(o, "consoleFd", -1);
  p.pidfd_socket_fd = (int)get_num(o, "pidfdSocketFd", -1);
  p.console_rows = (unsigned short)get_num(o, "consoleRows");
  p.console_cols = (unsigned short)get_num(o, "consoleCols");

  fill_strings(s, get_arr(o, "args"), s.argv);
  fill_strings(s, get_arr(o, "env"), s.envp);
  fill_strings(s, get_arr(o, "pathDirs"), s.path_dirs);
  p.arg0 = s.argv[0] ? s.argv[0] : "";
  p.tramp_fd = (int)get_num(o, "trampolineFd", -1);
  s.tramp_argv.push_back("ocirun-exec");
  s.tramp_argv.push_back(nullptr);  // errfd, filled by the child
  s.tramp_argv.push_back(nullptr);  // path, filled by the child
  for (const char* a : s.argv) s.tramp_argv.push_back(a);  // ends with the argv's NULL
  p.tramp_argv = s.tramp_argv.data();
  p.wasm_mode = (int)get_num(o, "wasmMode");
  p.wasm_host_fd = (int)get_num(o, "wasmHostFd", -1);
  p.wasm_module_slot = (int)get_num(o, "wasmModuleSlot", -1);
  p.wasm_proc_fd = (int)get_num(o, "wasmProcFd", -1);
  if (p.wasm_mode) {
    fill_strings(s, get_arr(o, "wasmArgv"), s.wasm_argv);
    p.wasm_argv = s.wasm_argv.data();
    Napi::Array keep = get_arr(o, "wasmKeepFds");
    for (uint32_t i = 0; i < keep.Length(); i++) s.wasm_keep_fds.push_back((int)keep.Get(i).As<Napi::Number>().Int32Value());
  }
  p.uid = (uid_t)get_num(o, "uid");
  p.gid = (gid_t)get_num(o, "gid");
  Napi::Array groups = get_arr(o, "groups");
  for (uint32_t i = 0; i < groups.Length(); i++)
    s.groups.push_back((gid_t)groups.Get(i).As<Napi::Number>().Uint32Value());
  p.set_groups = get_bool(o, "setGroups");
  p.umask = (int)get_num(o, "umask", -1);
  p.no_new_privs = get_bool(o, "noNewPrivileges");
  p.no_process = get_bool(o, "noProcess");
  p.set_caps = get_bool(o, "setCaps");
  p.cap_bounding = get_u64(o, "capBounding");
  p.cap_effective = get_u64(o, "capEffective");
  p.cap_permitted = get_u64(o, "capPermitted");
  p.cap_inheritable = get_u64(o, "capInheritable");
  p.cap_ambient = get_u64(o, "capAmbient");
  p.cap_last = (int)get_num(o, "capLast", 40);
  Napi::Array rl = get_arr(o, "rlimits");
  for (uint32_t i = 0; i < rl.Length(); i++) {
    Napi::Object r = rl.Get(i).As<Napi::Object>();
    s.rlimits.push_back({(int)get_num(r, "resource"), get_u64(r, "soft"), get_u64(r, "hard")});
  }
  Napi::Value oom = o.Get("oomScoreAdj");
  p.oom_score_adj_set = oom.IsNumber();
  p.oom_score_adj = oom.IsNumber() ? oom.As<Napi::Number>().Int32Value() : 0;
  p.preserve_fds = (int)get_num(o, "preserveFds");
  Napi::Array sys = get_arr(o, "sysctls");  // [[path, value], ...]
  for (uint32_t i = 0; i < sys.Length(); i++) {
    Napi::Array kv = sys.Get(i).As<Napi::Array>();
    s.sysctls += kv.Get(0u).As<Napi::String>().Utf8Value();
    s.sysctls.push_back('\0');
    s.sysctls += kv.Get(1u).As<Napi::String>().Utf8Value();
    s.sysctls.push_back('\0');
  }
  s.sysctls.push_back('\0');
  p.sysctl_paths = sys.Length() ? s.sysctls.data() : nullptr;

  p.ioprio = (int)get_num(o, "ioPrio", -1);
  Napi::Value sched = o.Get("scheduler");
  if (sched.IsObject()) {
    Napi::Object so = sched.As<Napi::Object>();
    p.sched_set = 1;
    p.sched_policy = (uint32_t)get_num(so, "policy");
    p.sched_priority = (uint32_t)get_num(so, "priority");
    p.sched_nice = (int32_t)get_num(so, "nice");
    p.sched_flags = get_u64(so, "flags");
    p.sched_runtime = get_u64(so, "runtime");
    p.sched_deadline = get_u64(so, "deadline");
    p.sched_period = get_u64(so, "period");
  }
  p.personality = (long)get_num(o, "personality", -1);
  Napi::Value mp = o.Get("memPolicy");
  if (mp.IsObject()) {
    Napi::Object mo = mp.As<Napi::Object>();
    p.mempolicy_set = 1;
    p.mempolicy_mode = (int)get_num(mo, "mode");
    Napi::Array nodes = get_arr(mo, "nodes");
    const size_t bits = 8 * sizeof p.mempolicy_mask[0];
    for (uint32_t i = 0; i < nodes.Length(); i++) {
      uint32_t n = nodes.Get(i).As<Napi::Number>().Uint32Value();
      if (n < MEMPOLICY_NODES) p.mempolicy_mask[n / bits] |= 1UL << (n % bits);
    }
  }
  Napi::Array cpus = get_arr(o, "cpuAffinity");
  for (uint32_t i = 0; i < cpus.Length(); i++) s.cpus.push_back(cpus.Get(i).As<Napi::Number>().Int32Value());
  p.cpu_affinity = s.cpus.data(); p.ncpu_affinity = (int)s.cpus.size();
  p.cpu_affinity_reset = get_bool(o, "cpuAffinityReset");
  Napi::Value aa = o.Get("apparmorFile");
  p.apparmor_file = aa.IsString() ? s.str(aa.As<Napi::String>().Utf8Value()) : nullptr;
  p.apparmor_value = s.str(get_str(o, "apparmorValue"));
  p.hooks_pause = get_bool(o, "hooksPause");
  p.sysctls_at_hooks = get_bool(o, "sysctlsAtHooks");
  p.stdin_fd = (int)get_num(o, "stdinFd", -1);
  Napi::Value ep = o.Get("exePath");
  p.exe_path = ep.IsString() ? s.str(ep.As<Napi::String>().Utf8Value()) : nullptr;
  p.start_fd = (int)get_num(o, "startFd", -1);
  p.is_exec = get_bool(o, "isExec");
  p.root_fd = (int)get_num(o, "rootFd", -1);

  p.joins = s.joins.data(); p.njoins = (int)s.joins.size();
  p.mounts = s.mounts.data(); p.nmounts = (int)s.mounts.size();
  p.late_mounts = s.late_mounts.data(); p.nlate_mounts = (int)s.late_mounts.size();
  p.devices = s.devices.data(); p.ndevices = (int)s.devices.size();
  p.symlinks = s.symlinks.data(); p.nsymlinks = (int)s.symlinks.size();
  p.argv = s.argv.data(); p.envp = s.envp.data(); p.path_dirs = s.path_dirs.data();
  p.groups = s.groups.data(); p.ngroups = (int)s.groups.size();
  p.wasm_keep_fds = s.wasm_keep_fds.data(); p.nwasm_keep_fds = (int)s.wasm_keep_fds.size();
  p.rlimits = s.rlimits.data(); p.nrlimits = (int)s.rlimits.size();
}

// spawn(plan, seccompFilter?: Buffer) -> { pid, syncFd, bornInCgroup }
// pid is the first child: the one to write id maps for and to put in cgroups
// (unless bornInCgroup: clone3 put it in plan.cgroupFd's cgroup).
Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PlanStore s;
  fill_plan(s, info[0].As<Napi::Object>());
  if (info.Length() > 1 && info[1].IsBuffer()) {
    Napi::Buffer<uint8_t> b = info[1].As<Napi::Buffer<uint8_t>>();
    s.seccomp.assign(b.Data(), b.Data() + b.Length());
    s.plan.seccomp_filter = s.seccomp.data();
    s.plan.seccomp_len = (int)(b.Length() / 8);  // sizeof(struct sock_filter)
    s.plan.seccomp_flags = (unsigned)get_num(info[0].As<Napi::Object>(), "seccompFlags");
  }

  InitStack stack;
  if (s.plan.fork_needed) s.plan.init_stack = stack.map();

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    throw sys_error(env, errno, "socketpair");
  s.plan.sync_fd = sv[1];
  s.plan.sync_parent_fd = sv[0];

  // fork-like clone: no CLONE_VM, so the child runs on a private copy of this
  // stack and heap. Raw syscall, so glibc's fork handlers (which take locks)
  // don't run. With cgroupFd (a cgroup v2 dir, opened by lib/runtime) the
  // child is born in that cgroup if the kernel lets it (clone-into.h).
  std::vector<int> initial;
  Napi::Array ini = get_arr(info[0].As<Napi::Object>(), "cpuAffinityInitial");
  for (uint32_t i = 0; i < ini.Length(); i++) initial.push_back(ini.Get(i).As<Napi::Number>().Int32Value());
  InitialAffinity aff;
  if (int e = aff.apply(initial.data(), (int)initial.size())) {
    close(sv[0]); close(sv[1]);
    throw sys_error(env, e, "process.execCPUAffinity.initial: sched_setaffinity");
  }
  int born = 0;
  long pid = clone_into((unsigned long)s.plan.clone_flags, (int)get_num(info[0].As<Napi::Object>(), "cgroupFd", -1), &born);
  if (pid == 0) child_main(&s.plan);  // never returns
  int err = errno;
  aff.restore();
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    throw sys_error(env, err, "clone");
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("pid", Napi::Number::New(env, (double)pid));
  r.Set("syncFd", Napi::Number::New(env, sv[0]));
  r.Set("bornInCgroup", Napi::Boolean::New(env, born != 0));
  return r;
}

// syncSend(fd, type)
Napi::Value SyncSend(const Napi::CallbackInfo& info) {
  SyncMsg m;
  memset(&m, 0, sizeof m);
  m.type = info[1].As<Napi::Number>().Int32Value();
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (send(fd, &m, sizeof m, MSG_NOSIGNAL) < 0)
    throw sys_error(info.Env(), errno, "send to container init");
  return info.Env().Undefined();
}

Napi::Object msg_object(Napi::Env env, const SyncMsg& m) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("type", Napi::Number::New(env, m.type));
  r.Set("value", Napi::Number::New(env, m.value));
  r.Set("errno", Napi::Number::New(env, m.err));
  r.Set("msg", Napi::String::New(env, std::string(m.msg, strnlen(m.msg, sizeof m.msg))));
  return r;
}

// syncRecv(fd, timeoutMs) -> message | null (EOF: the child exec'd or died)
Napi::Value SyncRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int timeout = info.Length() > 1 ? info[1].As<Napi::Number>().Int32Value() : -1;
  int rc = wait_readable(fd, timeout);
  if (rc < 0) throw sys_error(env, errno, "poll");
  if (rc == 0) {
    throw Napi::Error::New(env, "timed out after " + std::to_string(timeout / 1000) +
                                    "s waiting for the container init to report (is its cgroup frozen?)");
  }
  SyncMsg m;
  int got;
  ssize_t n = recv_with_fd(fd, &m, sizeof m, &got);
  if (n < 0) {
    if (errno == ECONNRESET) return env.Null();
    throw sys_error(env, errno, "recv from container init");
  }
  if (n == 0) return env.Null();
  if (n != (ssize_t)sizeof m) throw Napi::Error::New(env, "short message from container init");
  Napi::Object r = msg_object(env, m);
  if (got >= 0) r.Set("fd", Napi::Number::New(env, got));
  return r;
}

// A unix socket address for any path length. sun_path holds 107 bytes; a
// longer path (a deep --root: Docker's shim gives /var/run/docker/runtime-runc/moby
// and a 64-hex id, so <root>/<id>/init.sock is 108) is reached through its
// directory instead: an O_PATH fd of the dir and "/proc/self/fd/N/<name>",
// which bind() and connect() resolve like any path (no chdir: other threads).
// dir_fd stays open until the bind/connect is done; -1 when not needed.
struct UnixAddr {
  struct sockaddr_un sa;
  int dir_fd = -1;
  ~UnixAddr() { if (dir_fd >= 0) close(dir_fd); }
};

// false with errno set (ENAMETOOLONG when even the short form does not fit).
static bool fill_sockaddr(const std::string& path, UnixAddr* a) {
  memset(&a->sa, 0, sizeof a->sa);
  a->sa.sun_family = AF_UNIX;
  if (path.size() < sizeof a->sa.sun_path) {
    memcpy(a->sa.sun_path, path.c_str(), path.size());
    return true;
  }
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) { errno = ENAMETOOLONG; return false; }
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string name = path.substr(slash + 1);
  a->dir_fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (a->dir_fd < 0) return false;
  int n = snprintf(a->sa.sun_path, sizeof a->sa.sun_path, "/proc/self/fd/%d/%s", a->dir_fd, name.c_str());
  if (n < 0 || (size_t)n >= sizeof a->sa.sun_path) { errno = ENAMETOOLONG; return false; }
  return true;
}

// listenUnix(path) -> fd: the socket the init waits on for `start`.
// connectUnix(path) -> fd. Both SOCK_STREAM.
Napi::Value UnixSocket(const Napi::CallbackInfo& info, bool listening) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  UnixAddr a;
  if (!fill_sockaddr(path, &a)) throw sys_error(env, errno, "socket path " + path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sys_error(env, errno, "socket");
  struct sockaddr* sa = (struct sockaddr*)&a.sa;
  bool failed = listening ? (bind(fd, sa, sizeof a.sa) < 0 || chmod(path.c_str(), 0600) < 0 || listen(fd, 4) < 0)
                          : connect(fd, sa, sizeof a.sa) < 0;
  if (failed) throw sys_error_closing(env, fd, (listening ? "listen on " : "connect to ") + path);
  return Napi::Number::New(env, fd);
}
Napi::Value ListenUnix(const Napi::CallbackInfo& info) { return UnixSocket(info, true); }
Napi::Value ConnectUnix(const Napi::CallbackInfo& info) { return UnixSocket(info, false); }

// release(fd) -> null on success, or the init's error message. fd is a
// connection to the init's start socket: send 'S', then EOF means execve
// succeeded (the connection is close-on-exec), a message means it failed.
// How long start waits for the released init to exec (the front's commands.c has the same).
#define START_TIMEOUT_S 60
#define START_TIMEOUT_MSG "timed out after 60s waiting for the container init to exec its program (is its cgroup frozen?)"

Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  char s = 'S';
  if (send(fd, &s, 1, MSG_NOSIGNAL) != 1) throw sys_error(env, errno, "signal container init");
  // Never wait forever: an init in a frozen cgroup never gets to its execve.
  struct timeval tv = {START_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SyncMsg m;
  size_t got = 0;
  while (got < sizeof m) {
    ssize_t n = read(fd, (char*)&m + got, sizeof m - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET) break;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw Napi::Error::New(env, START_TIMEOUT_MSG);
    if (n < 0) throw sys_error(env, errno, "read from container init");
    if (n == 0) break;
    got += (size_t)n;
  }
  if (got == 0) return env.Null();
  if (got != sizeof m) throw Napi::Error::New(env, "container init died while starting");
  return msg_object(env, m);
}

// lock(path, nonblock, timeoutMs) -> fd holding an exclusive flock. unlock(fd) releases
// it; closing the fd (or exiting) does only once no child holds a copy.
Napi::Value Lock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  bool nonblock = info.Length() > 1 && info[1].ToBoolean();
  // O_RDONLY works for files and directories alike (we lock state dirs).
  // O_NOFOLLOW: a symlink where a state dir should be is never followed.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw sys_error(env, errno, "open lock " + path);
  // Held by another call: try again every few ms until timeoutMs (never
  // blocking in flock: nothing may wait for ever, and a holder stuck in the
  // kernel would keep us there). ETIMEDOUT then.
  double timeout_ms = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long pause_us = 100;  // doubling to 2 ms: at most ~2 ms after the holder lets go
  for (;;) {
    int rc = flock(fd, LOCK_EX | LOCK_NB);
    if (rc == 0) break;
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK || nonblock) throw sys_error_closing(env, fd, "lock " + path);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double waited = (double)(now.tv_sec - t0.tv_sec) * 1e3 + (double)(now.tv_nsec - t0.tv_nsec) / 1e6;
    if (waited >= timeout_ms) {
      close(fd);
      throw sys_error(env, ETIMEDOUT, "lock " + path);
    }
    usleep((useconds_t)pause_us);
    if (pause_us < 2000) pause_us *= 2;
  }
  return Napi::Number::New(env, fd);
}

// unlock(fd): releases the flock and closes fd. An flock belongs to the open
// file description, which every fork-like child shares until it closes its
// copy: a child frozen before it first ran (exec --ignore-paused on a busy
// host) would keep the lock after a plain close, until thawed. LOCK_UN
// releases it for every copy.
Napi::Value Unlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int rc;
  do rc = flock(fd, LOCK_UN); while (rc < 0 && errno == EINTR);
  if (close(fd) < 0 && errno != EINTR) throw sys_error(env, errno, "close lock");
  return env.Undefined();
}

// Waits for a child in the threadpool, so the main thread stays free to
// forward signals. Resolves to the shell-style status (code, or 128+signal).
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Function cb, pid_t pid) : Napi::AsyncWorker(cb), pid_(pid) {}
  void Execute() override {
    int st;
    pid_t r;
    do r = waitpid(pid_, &st, __WALL); while (r < 0 && errno == EINTR);
    if (r < 0) { SetError(std::string("waitpid: ") + strerror(errno)); return; }
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  void OnOK() override { Callback().Call({Env().Null(), Napi::Number::New(Env(), status_)}); }

 private:
  pid_t pid_;
  int status_ = 0;
};

Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  (new WaitWorker(info[1].As<Napi::Function>(), pid))->Queue();
  return info.Env().Undefined();
}

// waitPidSync(pid, nohang) -> status, or -1 if still running (nohang)
Napi::Value WaitPidSync(const Napi::CallbackInfo& info) {
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  bool nohang = info.Length() > 1 && info[1].ToBoolean();
  int st;
  pid_t r;
  do r = waitpid(pid, &st, __WALL | (nohang ? WNOHANG : 0)); while (r < 0 && errno == EINTR);
  if (r < 0) throw sys_error(info.Env(), errno, "waitpid");
  if (r == 0) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

// socketPair(type = "stream") -> [fd, fd], both close-on-exec. "stream": the
// console socket of run, exec and restore, the container hooks' (we are both
// ends); "seqpacket": CRIU's RPC (the second end goes to criu as an inherited
// fd: spawn's stdio entry clears the flag).
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  bool seqpacket = info.Length() > 0 && info[0].IsString() && info[0].As<Napi::String>().Utf8Value() == "seqpacket";
  int sv[2];
  if (socketpair(AF_UNIX, (seqpacket ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0, sv) < 0)
    throw sys_error(info.Env(), errno, "socketpair");
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, Napi::Number::New(info.Env(), sv[0]));
  a.Set(1u, Napi::Number::New(info.Env(), sv[1]));
  return a;
}

// recvFd(sock) -> fd received with SCM_RIGHTS (the pty master).
Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  char buf[256];
  int fd;
  if (recv_with_fd(sock, buf, sizeof buf, &fd) < 0) throw sys_error(env, errno, "receive console fd");
  if (fd < 0) throw Napi::Error::New(env, "no fd received on the console socket");
  return Napi::Number::New(env, fd);
}

// sendFd(sock, text, fd): one message carrying `text` and `fd` (SCM_RIGHTS):
// how the seccomp notify fd and the container state reach a listener agent.
Napi::Value SendFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  std::string text = info[1].As<Napi::String>().Utf8Value();
  int fd = info[2].As<Napi::Number>().Int32Value();
  if (send_with_fd(sock, text.data(), text.size(), fd) < 0) throw sys_error(env, errno, "send fd");
  return env.Undefined();
}

// usernsFd(uidMap, gidMap) -> fd of a new user namespace with these maps
// ("0 100000 65536\n" text), for idmapped mounts. A child is cloned into the
// namespace only to hold it while we write its maps and open it.
Napi::Value UsernsFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string umap = info[0].As<Napi::String>().Utf8Value();
  std::string gmap = info[1].As<Napi::String>().Utf8Value();
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) throw sys_error(env, errno, "pipe");
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid == 0) {
    // Async-signal-safe from here: wait until the parent closes the pipe.
    char c;
    close(p[1]);
    while (read(p[0], &c, 1) < 0 && errno == EINTR) {}
    _exit(0);
  }
  int err = errno;
  close(p[0]);
  if (pid < 0) { close(p[1]); throw sys_error(env, err, "clone user namespace"); }
  auto write_file = [](const std::string& path, const std::string& text) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int e = write(fd, text.data(), text.size()) == (ssize_t)text.size() ? 0 : errno;
    close(fd);
    return e;
  };
  std::string base = "/proc/" + std::to_string(pid);
  int e = write_file(base + "/uid_map", umap);
  if (!e) e = write_file(base + "/gid_map", gmap);
  int fd = e ? -1 : open((base + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  if (!e && fd < 0) e = errno;
  close(p[1]);
  int st;
  while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) {}
  if (e) throw sys_error(env, e, "write id maps of an idmapped mount");
  return Napi::Number::New(env, fd);
}

// idmapTree(source, recursive, usernsFd) -> fd of a detached copy of the
// source's mount (tree) with that user namespace's id mapping
// (MOUNT_ATTR_IDMAP, Linux >= 5.12). Made here, in the runtime's namespaces:
// the kernel wants CAP_SYS_ADMIN over the source's filesystem, which a child
// inside the container's own user namespace no longer has. The child
// move_mount()s it onto the target (allowed from a detached tree).
Napi::Value IdmapTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string source = info[0].As<Napi::String>().Utf8Value();
  unsigned int rec = info[1].As<Napi::Boolean>().Value() ? AT_RECURSIVE : 0;
  int userns = info[2].As<Napi::Number>().Int32Value();
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source.c_str(), 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | rec);
  if (tree < 0) throw sys_error(env, errno, "open_tree " + source);
  struct { uint64_t set, clr, propagation, userns_fd; } attr = {0x00100000 /* MOUNT_ATTR_IDMAP */, 0, 0, (uint64_t)userns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0) {
    int e = errno;
    close(tree);
    throw sys_error(env, e, "idmap mount " + source + " (the filesystem may not support idmapped mounts)");
  }
  return Napi::Number::New(env, tree);
}

// trampolineFd(path) -> fd: the exec trampoline copied into a sealed memfd,
// made once per process. Sealed: no write, grow or shrink, ever, so the
// container can't change what /proc/<pid>/exe points to.
Napi::Value TrampolineFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static int cached = -1;
  if (cached >= 0) return Napi::Number::New(env, cached);
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int src = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) throw sys_error(env, errno, "open " + path);
  std::vector<char> buf;
  char chunk[16384];
  ssize_t n;
  while ((n = read(src, chunk, sizeof chunk)) > 0) buf.insert(buf.end(), chunk, chunk + n);
  close(src);
  int fd = memfd_create("ocirun-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw sys_error(env, errno, "memfd_create");
  if (write(fd, buf.data(), buf.size()) != (ssize_t)buf.size() || fchmod(fd, 0555) < 0 ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    throw sys_error_closing(env, fd, "seal the exec trampoline");
  cached = fd;
  return Napi::Number::New(env, fd);
}

// hostExecFd(path) -> fd: the file at `path` (node, for wasm containers) as a
// private clone of its mount, made read-only, nosuid and nodev, and attached
// nowhere (open_tree OPEN_TREE_CLONE). The init execveat()s this O_PATH fd, so
// the container never sees a path to the host's file, and /proc/<pid>/exe
// points into a read-only mount: opening it for writing fails with EROFS,
// whatever the container's privileges. The mount lives as long as the fd or
// the process running from it.
Napi::Value HostExecFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path.c_str(),
                        1 /* OPEN_TREE_CLONE */ | O_CLOEXEC /* OPEN_TREE_CLOEXEC */);
  if (fd < 0) throw sys_error(env, errno, "open_tree " + path);
  struct { uint64_t set, clr, propagation, userns_fd; } attr = {
      0x1 /* MOUNT_ATTR_RDONLY */ | 0x2 /* NOSUID */ | 0x4 /* NODEV */, 0, 0, 0};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    throw sys_error_closing(env, fd, "make the clone of " + path + " read-only");
  return Napi::Number::New(env, fd);
}

// setWinsize(fd, rows, cols)
Napi::Value SetWinsize(const Napi::CallbackInfo& info) {
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  ws.ws_row = (unsigned short)info[1].As<Napi::Number>().Uint32Value();
  ws.ws_col = (unsigned short)info[2].As<Napi::Number>().Uint32Value();
  ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCSWINSZ, &ws);
  return info.Env().Undefined();
}

// rawOutput(fd): no output processing on our terminal (OPOST off), as
// cfmakeraw and runc do: the container's pty already turned "\n" into
// "\r\n"; libuv's raw mode keeps ONLCR, which would make it "\r\r\n".
// libuv restores the saved termios (OPOST included) when raw mode ends.
Napi::Value RawOutput(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct termios t;
  if (tcgetattr(fd, &t) == 0) {
    t.c_oflag &= ~(tcflag_t)OPOST;
    tcsetattr(fd, TCSANOW, &t);
  }
  return info.Env().Undefined();
}

// setSubreaper(): orphans of our children (the init after a double fork)
// are reparented to us, so `run` can wait for them.
Napi::Value SetSubreaper(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) throw sys_error(info.Env(), errno, "prctl");
  return info.Env().Undefined();
}

}  // namespace

// CLOCK_MONOTONIC now, in ns: the clock of the init's phase marks (addon/child/util.cc
// Mark). process.hrtime() is not that clock under every JS runtime (bun's
// counts from its own start).
static Napi::Value MonotonicNs(const Napi::CallbackInfo& info) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Napi::BigInt::New(info.Env(), static_cast<int64_t>(ts.tv_sec) * 1000000000 + static_cast<int64_t>(ts.tv_nsec));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn));
  exports.Set("monotonicNs", Napi::Function::New(env, MonotonicNs));
  exports.Set("syncSend", Napi::Function::New(env, SyncSend));
  exports.Set("syncRecv", Napi::Function::New(env, SyncRecv));
  exports.Set("listenUnix", Napi::Function::New(env, ListenUnix));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix));
  exports.Set("release", Napi::Function::New(env, Release));
  exports.Set("lock", Napi::Function::New(env, Lock));
  exports.Set("unlock", Napi::Function::New(env, Unlock));
  exports.Set("waitPid", Napi::Function::New(env, WaitPid));
  exports.Set("waitPidSync", Napi::Function::New(env, WaitPidSync));
  exports.Set("setSubreaper", Napi::Function::New(env, SetSubreaper));
  exports.Set("socketPair", Napi::Function::New(env, SocketPair));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize));
  exports.Set("rawOutput", Napi::Function::New(env, RawOutput));
  exports.Set("sendFd", Napi::Function::New(env, SendFd));
  exports.Set("trampolineFd", Napi::Function::New(env, TrampolineFd));
  exports.Set("usernsFd", Napi::Function::New(env, UsernsFd));
  exports.Set("idmapTree", Napi::Function::New(env, IdmapTree));
  exports.Set("hostExecFd", Napi::Function::New(env, HostExecFd));
  seccomp_init_exports(env, exports);
  bpf_init_exports(env, exports);
  InitSystemd(env, exports);
  criu_init_exports(env, exports);
  netdev_init_exports(env, exports);
  return exports;
}

}  // namespace ocirun

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return ocirun::Init(env, exports);
}
NODE_API_MODULE(ocirun, InitAddon)
