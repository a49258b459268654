// Loads a cgroup device program and attaches it to a cgroup v2 directory,
// replacing the programs attached there before (update). Runs in the parent.
//
// attachDeviceFilter(cgroupDir, insns: Buffer)

#include "bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace ocirun {
namespace {

long bpf(int cmd, union bpf_attr* attr) {
  return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

Napi::Error fail(Napi::Env env, const std::string& what, int err) {
  Napi::Error e = Napi::Error::New(env, "device cgroup program: " + what + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

Napi::Value AttachDeviceFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  Napi::Buffer<uint8_t> prog = info[1].As<Napi::Buffer<uint8_t>>();

  int cg = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) throw fail(env, "open " + dir, errno);

  // Programs attached now: detached once the new one is in place, so there
  // is no moment without a filter.
  std::vector<uint32_t> old(64);
  union bpf_attr q;
  memset(&q, 0, sizeof q);
  q.query.target_fd = cg;
  q.query.attach_type = BPF_CGROUP_DEVICE;
  q.query.prog_ids = (uint64_t)(uintptr_t)old.data();
  q.query.prog_cnt = (uint32_t)old.size();
  if (bpf(BPF_PROG_QUERY, &q) < 0) { int e = errno; close(cg); throw fail(env, "query", e); }
  old.resize(q.query.prog_cnt);

  // Load without a verifier log (a full log buffer fails the load with
  // ENOSPC); only on failure load again with one, to say why.
  static char log[65536];
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t)(uintptr_t)prog.Data();
  a.insn_cnt = (uint32_t)(prog.Length() / sizeof(struct bpf_insn));
  a.license = (uint64_t)(uintptr_t)"Apache";
  int pfd = (int)bpf(BPF_PROG_LOAD, &a);
  if (pfd < 0) {
    int e = errno;
    log[0] = 0;
    a.log_buf = (uint64_t)(uintptr_t)log;
    a.log_size = sizeof log;
    a.log_level = 1;
    bpf(BPF_PROG_LOAD, &a);
    close(cg);
    std::string l(log);
    // The verifier's last line names the problem.
    while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.pop_back();
    size_t nl = l.rfind('\n');
    throw fail(env, "load (verifier: " + (nl == std::string::npos ? l : l.substr(nl + 1)) + ")", e);
  }

  union bpf_attr at;
  memset(&at, 0, sizeof at);
  at.target_fd = cg;
  at.attach_bpf_fd = pfd;
  at.attach_type = BPF_CGROUP_DEVICE;
  at.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &at) < 0) { int e = errno; close(pfd); close(cg); throw fail(env, "attach", e); }

  for (uint32_t id : old) {
    union bpf_attr g;
    memset(&g, 0, sizeof g);
    g.prog_id = id;
    int ofd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &g);
    if (ofd < 0) continue;
    union bpf_attr d;
    memset(&d, 0, sizeof d);
    d.target_fd = cg;
    d.attach_bpf_fd = ofd;
    d.attach_type = BPF_CGROUP_DEVICE;
    bpf(BPF_PROG_DETACH, &d);
    close(ofd);
  }
  close(pfd);  // the attachment keeps the program alive
  close(cg);
  return Napi::Number::New(env, (double)old.size());
}

}  // namespace

void bpf_init_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("attachDeviceFilter", Napi::Function::New(env, AttachDeviceFilter));
}

}  // namespace ocirun
