// systemd's D-Bus API for the systemd cgroup driver (lib/cgroups/systemd.ts):
// StartTransientUnit / SetUnitProperties / StopUnit / ResetFailedUnit on
// org.freedesktop.systemd1, waiting for the job's JobRemoved signal.
//
// The client is sd-bus from libsystemd, as in crun. libsystemd is dlopen()ed
// on first use, not linked: loading it costs ~0.8 ms, and only commands on a
// systemd-driven container pay that (no other command's start-up changes).
// The bus is an address ("unix:path=/run/dbus/system_bus_socket"), so the
// same code can talk to a user's own systemd later (rootless).
// Policy (which properties, their values, unit names) is decided in TypeScript;
// this file only marshals and waits.
#include <napi.h>
#include <dlfcn.h>
#include <string.h>
#include <time.h>
#include <string>
#include <vector>
#include <systemd/sd-bus.h>

namespace {

// The sd-bus functions we use, resolved from libsystemd.so.0.
struct SdBus {
  decltype(&sd_bus_new) bus_new;
  decltype(&sd_bus_set_address) set_address;
  decltype(&sd_bus_set_bus_client) set_bus_client;
  decltype(&sd_bus_start) start;
  decltype(&sd_bus_flush_close_unref) flush_close_unref;
  decltype(&sd_bus_add_match) add_match;
  decltype(&sd_bus_message_new_method_call) new_method_call;
  decltype(&sd_bus_message_append) append;
  decltype(&sd_bus_message_append_basic) append_basic;
  decltype(&sd_bus_message_append_array) append_array;
  decltype(&sd_bus_message_open_container) open_container;
  decltype(&sd_bus_message_close_container) close_container;
  decltype(&sd_bus_message_read) read;
  decltype(&sd_bus_message_unref) message_unref;
  decltype(&sd_bus_call) call;
  decltype(&sd_bus_process) process;
  decltype(&sd_bus_wait) wait;
  decltype(&sd_bus_error_free) error_free;
  decltype(&sd_bus_error_has_name) error_has_name;
};

const SdBus* Lib(std::string* err) {
  static SdBus lib;
  static int state = 0;  // 0 not tried, 1 loaded, -1 failed
  static std::string why;
  if (state == 0) {
    void* h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      why = std::string("cannot load libsystemd.so.0 (Debian package libsystemd0): ") + dlerror();
      state = -1;
    } else {
      bool ok = true;
      auto sym = [&](const char* name) {
        void* p = dlsym(h, name);
        if (!p) ok = false;
        return p;
      };
#define SD(field, name) lib.field = reinterpret_cast<decltype(lib.field)>(sym(#name))
      SD(bus_new, sd_bus_new);
      SD(set_address, sd_bus_set_address);
      SD(set_bus_client, sd_bus_set_bus_client);
      SD(start, sd_bus_start);
      SD(flush_close_unref, sd_bus_flush_close_unref);
      SD(add_match, sd_bus_add_match);
      SD(new_method_call, sd_bus_message_new_method_call);
      SD(append, sd_bus_message_append);
      SD(append_basic, sd_bus_message_append_basic);
      SD(append_array, sd_bus_message_append_array);
      SD(open_container, sd_bus_message_open_container);
      SD(close_container, sd_bus_message_close_container);
      SD(read, sd_bus_message_read);
      SD(message_unref, sd_bus_message_unref);
      SD(call, sd_bus_call);
      SD(process, sd_bus_process);
      SD(wait, sd_bus_wait);
      SD(error_free, sd_bus_error_free);
      SD(error_has_name, sd_bus_error_has_name);
#undef SD
      if (ok) {
        state = 1;
      } else {
        why = "libsystemd.so.0 lacks a needed sd-bus function (too old)";
        state = -1;
      }
    }
  }
  if (state < 0) {
    *err = why;
    return nullptr;
  }
  return &lib;
}

uint64_t NowUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

// A thrown error carries the D-Bus error name (when there is one) in .dbusName.
[[noreturn]] void Throw(Napi::Env env, const std::string& msg, const char* dbusName = nullptr) {
  Napi::Error e = Napi::Error::New(env, msg);
  if (dbusName) e.Value().Set("dbusName", Napi::String::New(env, dbusName));
  throw e;
}

std::string Errno(int r) { return strerror(r < 0 ? -r : r); }

// One connection for one call (a command makes one or two calls).
struct Conn {
  const SdBus* sd;
  sd_bus* bus = nullptr;
  std::vector<std::pair<std::string, std::string>> removed;  // JobRemoved: job path, result
  ~Conn() {
    if (bus) sd->flush_close_unref(bus);
  }
};

int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
  Conn* c = static_cast<Conn*>(userdata);
  uint32_t id;
  const char *job, *unit, *result;
  if (c->sd->read(m, "uoss", &id, &job, &unit, &result) >= 0) c->removed.emplace_back(job, result);
  return 0;
}

// Every call's first three arguments: (address, unit or name, timeoutMs).
struct Args {
  std::string address, unit;
  uint64_t timeoutUs, deadline;  // per call; for the whole operation (CLOCK_MONOTONIC, us)
};

// Reads the arguments and connects c to the bus at their address.
Args Open(const Napi::CallbackInfo& info, Conn& c, bool watchJobs) {
  Napi::Env env = info.Env();
  Args a;
  a.address = info[0].As<Napi::String>().Utf8Value();
  a.unit = info[1].As<Napi::String>().Utf8Value();
  a.timeoutUs = static_cast<uint64_t>(info[2].As<Napi::Number>().DoubleValue() * 1000);
  a.deadline = NowUs() + a.timeoutUs;
  std::string err;
  c.sd = Lib(&err);
  if (!c.sd) Throw(env, err);
  int r = c.sd->bus_new(&c.bus);
  if (r < 0) Throw(env, "sd_bus_new: " + Errno(r));
  if ((r = c.sd->set_address(c.bus, a.address.c_str())) < 0) Throw(env, "bad bus address " + a.address + ": " + Errno(r));
  c.sd->set_bus_client(c.bus, 1);  // say Hello to the bus daemon
  if ((r = c.sd->start(c.bus)) < 0) Throw(env, "connect: " + Errno(r), "connect");
  if (watchJobs) {
    // Subscribed before the call, so the signal cannot pass by unseen; systemd
    // sends JobRemoved to the client that queued the job.
    r = c.sd->add_match(c.bus, nullptr,
                        "type='signal',sender='org.freedesktop.systemd1',path='/org/freedesktop/systemd1',"
                        "interface='org.freedesktop.systemd1.Manager',member='JobRemoved'",
                        OnJobRemoved, &c);
    if (r < 0) Throw(env, "subscribe to JobRemoved: " + Errno(r));
  }
  return a;
}

void Check(Napi::Env env, int r, const char* what) {
  if (r < 0) Throw(env, std::string("marshal ") + what + ": " + Errno(r));
}

uint64_t ToU64(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  if (v.IsString()) return strtoull(v.As<Napi::String>().Utf8Value().c_str(), nullptr, 10);
  double d = v.As<Napi::Number>().DoubleValue();
  return d < 0 ? UINT64_MAX : static_cast<uint64_t>(d);
}

// Appends a(sv) from [[name, signature, value], ...]. Signatures: b s t u i x
// as au ay a(ss); numbers may come as decimal strings (what the cgroup driver sends).
void AppendProps(Napi::Env env, const SdBus* sd, sd_bus_message* m, const Napi::Array& props) {
  Check(env, sd->open_container(m, 'a', "(sv)"), "properties");
  for (uint32_t i = 0; i < props.Length(); i++) {
    Napi::Array p = props.Get(i).As<Napi::Array>();
    std::string name = p.Get(0u).As<Napi::String>().Utf8Value();
    std::string sig = p.Get(1u).As<Napi::String>().Utf8Value();
    Napi::Value v = p.Get(2u);
    Check(env, sd->open_container(m, 'r', "sv"), name.c_str());
    Check(env, sd->append_basic(m, 's', name.c_str()), name.c_str());
    Check(env, sd->open_container(m, 'v', sig.c_str()), name.c_str());
    int r;
    if (sig == "b") {
      int b = v.ToBoolean().Value();
      r = sd->append_basic(m, 'b', &b);
    } else if (sig == "s") {
      std::string s = v.As<Napi::String>().Utf8Value();
      r = sd->append_basic(m, 's', s.c_str());
    } else if (sig == "t") {
      uint64_t t = ToU64(v);
      r = sd->append_basic(m, 't', &t);
    } else if (sig == "u") {
      uint32_t u = v.IsString() ? static_cast<uint32_t>(strtoul(v.As<Napi::String>().Utf8Value().c_str(), nullptr, 10)) : v.As<Napi::Number>().Uint32Value();
      r = sd->append_basic(m, 'u', &u);
    } else if (sig == "i") {
      int32_t n = v.IsString() ? static_cast<int32_t>(strtol(v.As<Napi::String>().Utf8Value().c_str(), nullptr, 10)) : v.As<Napi::Number>().Int32Value();
      r = sd->append_basic(m, 'i', &n);
    } else if (sig == "x") {
      int64_t n = v.IsString() ? strtoll(v.As<Napi::String>().Utf8Value().c_str(), nullptr, 10) : v.As<Napi::Number>().Int64Value();
      r = sd->append_basic(m, 'x', &n);
    } else if (sig == "ay") {
      Napi::Buffer<uint8_t> b = v.As<Napi::Buffer<uint8_t>>();
      r = sd->append_array(m, 'y', b.Data(), b.Length());
    } else if (sig == "au" || sig == "as" || sig == "a(ss)") {
      Napi::Array a = v.As<Napi::Array>();
      Check(env, sd->open_container(m, 'a', sig.c_str() + 1), name.c_str());
      for (uint32_t j = 0; j < a.Length(); j++) {
        if (sig == "au") {
          uint32_t u = a.Get(j).As<Napi::Number>().Uint32Value();
          Check(env, sd->append_basic(m, 'u', &u), name.c_str());
        } else if (sig == "as") {
          std::string s = a.Get(j).As<Napi::String>().Utf8Value();
          Check(env, sd->append_basic(m, 's', s.c_str()), name.c_str());
        } else {
          Napi::Array pair = a.Get(j).As<Napi::Array>();
          std::string x = pair.Get(0u).As<Napi::String>().Utf8Value();
          std::string y = pair.Get(1u).As<Napi::String>().Utf8Value();
          Check(env, sd->append(m, "(ss)", x.c_str(), y.c_str()), name.c_str());
        }
      }
      r = sd->close_container(m);
    } else {
      Throw(env, "property " + name + ": unsupported D-Bus signature " + sig);
    }
    Check(env, r, name.c_str());
    Check(env, sd->close_container(m), name.c_str());  // v
    Check(env, sd->close_container(m), name.c_str());  // r
  }
  Check(env, sd->close_container(m), "properties");
}

// A call of systemd's Manager object: the Manager interface's method, or another interface's.
sd_bus_message* NewCall(Napi::Env env, Conn& c, const char* method,
                        const char* interface = "org.freedesktop.systemd1.Manager") {
  sd_bus_message* m = nullptr;
  int r = c.sd->new_method_call(c.bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", interface, method);
  if (r < 0) Throw(env, std::string(method) + ": " + Errno(r));
  return m;
}

// Sends m (consumed); returns the object path of the job it queued, or ""
// when the reply has none. A D-Bus error is thrown with its name. With keep,
// the reply is handed back (the caller unrefs it).
std::string Call(Napi::Env env, Conn& c, sd_bus_message* m, const char* method, uint64_t timeoutUs, bool wantsJob,
                 sd_bus_message** keep = nullptr) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  int r = c.sd->call(c.bus, m, timeoutUs, &error, &reply);
  c.sd->message_unref(m);
  if (r < 0) {
    std::string msg = std::string(method) + ": " + (error.message ? error.message : Errno(r));
    std::string name = error.name ? error.name : (r == -ETIMEDOUT ? "timeout" : "");
    c.sd->error_free(&error);
    Throw(env, msg, name.empty() ? nullptr : name.c_str());
  }
  std::string job;
  if (wantsJob) {
    const char* path = nullptr;
    if (c.sd->read(reply, "o", &path) >= 0 && path) job = path;
  }
  if (keep)
    *keep = reply;
  else
    c.sd->message_unref(reply);
  return job;
}

// Waits for JobRemoved of `job`: returns its result ("done", "failed", ...).
std::string WaitJob(Napi::Env env, Conn& c, const std::string& job, uint64_t deadline) {
  for (;;) {
    for (auto& p : c.removed)
      if (p.first == job) return p.second;
    int r = c.sd->process(c.bus, nullptr);
    if (r < 0) Throw(env, "waiting for systemd job " + job + ": " + Errno(r));
    if (r > 0) continue;  // more may be queued
    uint64_t now = NowUs();
    if (now >= deadline) return "timeout";
    r = c.sd->wait(c.bus, deadline - now);
    if (r < 0) Throw(env, "waiting for systemd job " + job + ": " + Errno(r));
  }
}

// Sends m (consumed), a call that queues a job, and waits for the job: its result.
std::string CallJob(Napi::Env env, Conn& c, sd_bus_message* m, const char* method, const Args& a) {
  return WaitJob(env, c, Call(env, c, m, method, a.timeoutUs, true), a.deadline);
}

// sdStartUnit(address, unit, timeoutMs, props): StartTransientUnit(unit,
// "replace", props, []) and wait for its job. Returns the job's result.
Napi::Value StartUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Conn c;
  Args a = Open(info, c, true);
  sd_bus_message* m = NewCall(env, c, "StartTransientUnit");
  Check(env, c.sd->append(m, "ss", a.unit.c_str(), "replace"), "unit");
  AppendProps(env, c.sd, m, info[3].As<Napi::Array>());
  Check(env, c.sd->append(m, "a(sa(sv))", 0), "aux");
  return Napi::String::New(env, CallJob(env, c, m, "StartTransientUnit", a));
}

// sdSetProperties(address, unit, timeoutMs, props): SetUnitProperties(unit, runtime=true, props).
Napi::Value SetProperties(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Conn c;
  Args a = Open(info, c, false);
  sd_bus_message* m = NewCall(env, c, "SetUnitProperties");
  int runtime = 1;
  Check(env, c.sd->append(m, "sb", a.unit.c_str(), runtime), "unit");
  AppendProps(env, c.sd, m, info[3].As<Napi::Array>());
  Call(env, c, m, "SetUnitProperties", a.timeoutUs, false);
  return env.Undefined();
}

// sdStopUnit(address, unit, timeoutMs): StopUnit(unit, "replace"), wait for
// the job, then ResetFailedUnit (a scope whose processes were killed may be
// left "failed"). Returns the job's result, or "gone" when there was no unit.
Napi::Value StopUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Conn c;
  Args a = Open(info, c, true);
  std::string result = "gone";
  sd_bus_message* m = NewCall(env, c, "StopUnit");
  Check(env, c.sd->append(m, "ss", a.unit.c_str(), "replace"), "unit");
  try {
    result = CallJob(env, c, m, "StopUnit", a);
  } catch (const Napi::Error& e) {
    Napi::Value name = e.Value().Get("dbusName");
    if (!name.IsString() || name.As<Napi::String>().Utf8Value() != "org.freedesktop.systemd1.NoSuchUnit") throw;
  }
  if (result == "timeout") return Napi::String::New(env, result);
  m = NewCall(env, c, "ResetFailedUnit");
  Check(env, c.sd->append(m, "s", a.unit.c_str()), "unit");
  try {
    Call(env, c, m, "ResetFailedUnit", a.timeoutUs, false);
  } catch (const Napi::Error&) { /* not failed, or not loaded: nothing to reset */ }
  return Napi::String::New(env, result);
}

// sdManagerProperty(address, name, timeoutMs): a string property of the
// Manager object, through org.freedesktop.DBus.Properties.Get. runc reads
// "ControlGroup" of a user's systemd: its own cgroup, under which the user's
// slices and scopes are ("/user.slice/user-1000.slice/user@1000.service").
Napi::Value ManagerProperty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Conn c;
  Args a = Open(info, c, false);
  sd_bus_message* m = NewCall(env, c, "Get", "org.freedesktop.DBus.Properties");
  Check(env, c.sd->append(m, "ss", "org.freedesktop.systemd1.Manager", a.unit.c_str()), "property");
  sd_bus_message* reply = nullptr;
  Call(env, c, m, "Get", a.timeoutUs, false, &reply);
  const char* value = nullptr;
  int r = c.sd->read(reply, "v", "s", &value);
  std::string out = r >= 0 && value ? value : "";
  c.sd->message_unref(reply);
  if (r < 0) Throw(env, "Get " + a.unit + ": " + Errno(r));
  return Napi::String::New(env, out);
}

}  // namespace

void InitSystemd(Napi::Env env, Napi::Object exports) {
  exports.Set("sdStartUnit", Napi::Function::New(env, StartUnit));
  exports.Set("sdSetProperties", Napi::Function::New(env, SetProperties));
  exports.Set("sdStopUnit", Napi::Function::New(env, StopUnit));
  exports.Set("sdManagerProperty", Napi::Function::New(env, ManagerProperty));
}
