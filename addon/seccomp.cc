// Compiles an OCI seccomp profile into a classic BPF program with libseccomp,
// in the parent. The child only hands the finished program to seccomp(2)
// (libseccomp allocates, so it must never run after clone).
//
// compileSeccomp(profile) -> Buffer of struct sock_filter[]
// The profile is the OCI `linux.seccomp` object, with names already checked by
// lib/plan/seccomp.ts; unknown syscall names are skipped there, not here.

#include "seccomp.h"

#include <errno.h>
#include <stdlib.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace ocirun {
namespace {

Napi::Error fail(Napi::Env env, const std::string& what, int rc) {
  return Napi::Error::New(env, "seccomp: " + what + ": " + strerror(rc < 0 ? -rc : rc));
}

// action string + errnoRet -> libseccomp action
bool parse_action(const std::string& a, uint32_t errno_ret, uint32_t* out) {
  if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") *out = SCMP_ACT_KILL_THREAD;
  else if (a == "SCMP_ACT_KILL_PROCESS") *out = SCMP_ACT_KILL_PROCESS;
  else if (a == "SCMP_ACT_TRAP") *out = SCMP_ACT_TRAP;
  else if (a == "SCMP_ACT_ERRNO") *out = SCMP_ACT_ERRNO(errno_ret);
  else if (a == "SCMP_ACT_TRACE") *out = SCMP_ACT_TRACE(errno_ret);
  else if (a == "SCMP_ACT_ALLOW") *out = SCMP_ACT_ALLOW;
  else if (a == "SCMP_ACT_LOG") *out = SCMP_ACT_LOG;
  else if (a == "SCMP_ACT_NOTIFY") *out = SCMP_ACT_NOTIFY;
  else return false;
  return true;
}

bool parse_op(const std::string& op, scmp_compare* out) {
  if (op == "SCMP_CMP_NE") *out = SCMP_CMP_NE;
  else if (op == "SCMP_CMP_LT") *out = SCMP_CMP_LT;
  else if (op == "SCMP_CMP_LE") *out = SCMP_CMP_LE;
  else if (op == "SCMP_CMP_EQ") *out = SCMP_CMP_EQ;
  else if (op == "SCMP_CMP_GE") *out = SCMP_CMP_GE;
  else if (op == "SCMP_CMP_GT") *out = SCMP_CMP_GT;
  else if (op == "SCMP_CMP_MASKED_EQ") *out = SCMP_CMP_MASKED_EQ;
  else return false;
  return true;
}

uint64_t u64(Napi::Value v) {
  if (v.IsBigInt()) { bool l; return v.As<Napi::BigInt>().Uint64Value(&l); }
  if (v.IsString()) return strtoull(v.As<Napi::String>().Utf8Value().c_str(), nullptr, 10);
  if (v.IsNumber()) return (uint64_t)v.As<Napi::Number>().DoubleValue();
  return 0;
}

struct Ctx {
  scmp_filter_ctx c;
  explicit Ctx(uint32_t def) : c(seccomp_init(def)) {}
  ~Ctx() { if (c) seccomp_release(c); }
};

Napi::Value Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object p = info[0].As<Napi::Object>();
  uint32_t def_errno = p.Get("defaultErrnoRet").IsNumber()
    ? p.Get("defaultErrnoRet").As<Napi::Number>().Uint32Value() : EPERM;
  uint32_t def;
  std::string defname = p.Get("defaultAction").As<Napi::String>().Utf8Value();
  if (!parse_action(defname, def_errno, &def))
    throw Napi::Error::New(env, "linux.seccomp.defaultAction: unknown action " + defname);
  Ctx ctx(def);
  if (!ctx.c) throw Napi::Error::New(env, "seccomp: init failed");
  // We set no_new_privs ourselves when the config says so, not libseccomp.
  seccomp_attr_set(ctx.c, SCMP_FLTATR_CTL_NNP, 0);
  // Rules whose action equals the default are legal in OCI profiles.
  seccomp_attr_set(ctx.c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

  Napi::Value archs = p.Get("architectures");
  if (archs.IsArray()) {
    Napi::Array a = archs.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string name = a.Get(i).As<Napi::String>().Utf8Value();
      // "SCMP_ARCH_X86_64" -> "x86_64"
      std::string lower = name.substr(name.rfind("SCMP_ARCH_") == 0 ? 10 : 0);
      for (auto& ch : lower) ch = (char)tolower(ch);
      uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
      if (!arch) continue;  // unknown to this libseccomp: skip, as runc
      int rc = seccomp_arch_add(ctx.c, arch);
      if (rc < 0 && rc != -EEXIST) throw fail(env, "add architecture " + name, rc);
    }
  }

  int max_named = 0;  // the highest native syscall number the profile names
  Napi::Value sys = p.Get("syscalls");
  if (sys.IsArray()) {
    Napi::Array rules = sys.As<Napi::Array>();
    for (uint32_t i = 0; i < rules.Length(); i++) {
      Napi::Object r = rules.Get(i).As<Napi::Object>();
      uint32_t eret = r.Get("errnoRet").IsNumber()
        ? r.Get("errnoRet").As<Napi::Number>().Uint32Value() : EPERM;
      std::string an = r.Get("action").As<Napi::String>().Utf8Value();
      uint32_t action;
      if (!parse_action(an, eret, &action))
        throw Napi::Error::New(env, "linux.seccomp.syscalls[" + std::to_string(i) +
                                    "].action: unknown action " + an);
      if (action == def) continue;  // libseccomp rejects rules equal to the default
      std::vector<scmp_arg_cmp> cmps;
      Napi::Value args = r.Get("args");
      if (args.IsArray()) {
        Napi::Array aa = args.As<Napi::Array>();
        for (uint32_t j = 0; j < aa.Length(); j++) {
          Napi::Object a = aa.Get(j).As<Napi::Object>();
          scmp_compare op;
          std::string opn = a.Get("op").As<Napi::String>().Utf8Value();
          if (!parse_op(opn, &op))
            throw Napi::Error::New(env, "linux.seccomp.syscalls[" + std::to_string(i) +
                                        "].args: unknown operator " + opn);
          scmp_arg_cmp c{};
          c.arg = a.Get("index").As<Napi::Number>().Uint32Value();
          c.op = op;
          c.datum_a = u64(a.Get("value"));
          c.datum_b = u64(a.Get("valueTwo"));
          cmps.push_back(c);
        }
      }
      Napi::Array names = r.Get("names").As<Napi::Array>();
      for (uint32_t k = 0; k < names.Length(); k++) {
        std::string n = names.Get(k).As<Napi::String>().Utf8Value();
        int nr = seccomp_syscall_resolve_name(n.c_str());
        if (nr == __NR_SCMP_ERROR) continue;  // unknown here: skip (runc logs at debug)
        if (nr > max_named) max_named = nr;
        // Several comparisons on the same argument need one rule each
        // (libseccomp ANDs them within a rule): as runc, add one rule per arg
        // when indexes repeat, else all in one rule.
        bool repeated = false;
        for (size_t x = 0; x < cmps.size(); x++)
          for (size_t y = x + 1; y < cmps.size(); y++)
            if (cmps[x].arg == cmps[y].arg) repeated = true;
        int rc;
        if (!repeated) {
          rc = seccomp_rule_add_array(ctx.c, action, nr, (unsigned)cmps.size(), cmps.data());
          if (rc < 0) throw fail(env, "add rule for " + n, rc);
        } else {
          for (auto& c : cmps) {
            rc = seccomp_rule_add_array(ctx.c, action, nr, 1, &c);
            if (rc < 0) throw fail(env, "add rule for " + n, rc);
          }
        }
      }
    }
  }

  // Syscalls newer than every one the profile names answer ENOSYS, not the
  // default action (as runc's patchbpf): a profile written before clone3,
  // faccessat2, openat2 or close_range existed would otherwise deny them with
  // EPERM, and glibc, Go and busybox only fall back to the older call on
  // ENOSYS. Only for deny-by-default profiles. "Newer" is by the native
  // syscall number (since 5.1 new calls get one number on every
  // architecture); syscalls this libseccomp doesn't know can't be named here
  // and keep the default action.
  bool allows = def == SCMP_ACT_ALLOW || def == SCMP_ACT_LOG || (def & 0xffff0000U) == SCMP_ACT_TRACE(0);
  if (!allows && def != SCMP_ACT_ERRNO(ENOSYS) && max_named > 0) {
    for (int nr = max_named + 1; nr < 1024; nr++) {
      char* n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
      if (!n) continue;
      free(n);
      seccomp_rule_add(ctx.c, SCMP_ACT_ERRNO(ENOSYS), nr, 0);  // an arch without it: skipped
    }
  }

  // Export the BPF to a memfd and read it back.
  int fd = memfd_create("ocirun-seccomp", MFD_CLOEXEC);
  if (fd < 0) throw fail(env, "memfd_create", errno);
  int rc = seccomp_export_bpf(ctx.c, fd);
  if (rc < 0) { close(fd); throw fail(env, "export", rc); }
  off_t len = lseek(fd, 0, SEEK_END);
  std::vector<uint8_t> buf((size_t)len);
  if (pread(fd, buf.data(), buf.size(), 0) != (ssize_t)buf.size()) {
    int e = errno; close(fd); throw fail(env, "read back", e);
  }
  close(fd);
  return Napi::Buffer<uint8_t>::Copy(env, buf.data(), buf.size());
}

// Is a syscall name known to libseccomp on this architecture?
Napi::Value Known(const Napi::CallbackInfo& info) {
  std::string n = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(info.Env(), seccomp_syscall_resolve_name(n.c_str()) != __NR_SCMP_ERROR);
}

}  // namespace

void seccomp_init_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("compileSeccomp", Napi::Function::New(env, Compile));
  exports.Set("seccompKnown", Napi::Function::New(env, Known));
}

}  // namespace ocirun
