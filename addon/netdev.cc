// Network devices (config-linux.md "Network Devices"): the rtnetlink requests
// lib/runtime/netdevices.ts needs to move a host device into a container's
// network namespace. Policy (which devices, names, which addresses to keep,
// the order) is TypeScript's; this file only sends requests and reads answers.
//
// A NETLINK_ROUTE socket acts on the network namespace it was created in, for
// its whole life: netlinkOpen(nsFd) creates it inside the container's (setns
// on this thread, socket(), setns back at once), so no later request needs
// the thread anywhere but home.
#include <napi.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "errors.h"
#include "netdev.h"

namespace ocirun {
namespace {

// A request under construction: nlmsghdr + family header + attributes.
struct Req {
  std::vector<char> buf;
  explicit Req(uint16_t type, uint16_t flags, const void* hdr, size_t hdrlen) {
    buf.resize(NLMSG_SPACE(hdrlen));
    auto* h = reinterpret_cast<nlmsghdr*>(buf.data());
    h->nlmsg_len = NLMSG_LENGTH(hdrlen);
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | flags;
    memcpy(NLMSG_DATA(h), hdr, hdrlen);
  }
  void attr(uint16_t type, const void* data, size_t len) {
    size_t off = NLMSG_ALIGN(buf.size());
    buf.resize(off + RTA_SPACE(len));
    auto* a = reinterpret_cast<rtattr*>(buf.data() + off);
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    reinterpret_cast<nlmsghdr*>(buf.data())->nlmsg_len = buf.size();
  }
};

uint32_t next_seq = 1;

// Sends req and reads the answer: for a dump (NLM_F_DUMP) every message until
// NLMSG_DONE is passed to each(); otherwise the kernel's ack (NLM_F_ACK), an
// NLMSG_ERROR whose error is 0 or -errno. Returns 0 or an errno. The socket
// has a receive timeout (netlinkOpen): EAGAIN rather than waiting forever.
template <typename F>
int talk(int sock, Req& req, F each) {
  auto* h = reinterpret_cast<nlmsghdr*>(req.buf.data());
  h->nlmsg_seq = next_seq++;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;  // nl_pid 0: the kernel
  if (sendto(sock, req.buf.data(), req.buf.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) return errno;
  std::vector<char> in(64 * 1024);
  for (;;) {
    ssize_t n = recv(sock, in.data(), in.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    for (auto* m = reinterpret_cast<nlmsghdr*>(in.data()); NLMSG_OK(m, static_cast<size_t>(n)); m = NLMSG_NEXT(m, n)) {
      if (m->nlmsg_seq != h->nlmsg_seq) continue;  // a stale answer to an earlier request
      if (m->nlmsg_type == NLMSG_DONE) return 0;
      if (m->nlmsg_type == NLMSG_ERROR) return -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(m))->error;
      each(m);
    }
  }
}

int sock_arg(const Napi::CallbackInfo& info) { return info[0].As<Napi::Number>().Int32Value(); }

// netlinkOpen(nsFd): a NETLINK_ROUTE socket in the network namespace nsFd
// refers to (-1: ours). setns(CLONE_NEWNET) moves only the calling thread;
// it goes back before anything else can happen. If going back failed the
// thread would act in the container's namespace from then on: that must
// never be, so the process aborts (it cannot fail for the root that could
// enter: our own namespace's fd is always valid).
Napi::Value NetlinkOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int nsfd = info[0].As<Napi::Number>().Int32Value();
  int home = -1;
  if (nsfd >= 0) {
    home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0) throw sys_error(env, errno, "open /proc/thread-self/ns/net");
    // EPERM: no CAP_SYS_ADMIN over that namespace's owner (rootless); EINVAL: not a network namespace.
    if (setns(nsfd, CLONE_NEWNET) < 0) throw sys_error_closing(env, home, "setns into the container's network namespace");
  }
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int err = errno;
  if (home >= 0) {
    if (setns(home, CLONE_NEWNET) < 0) {
      fprintf(stderr, "ocirun: setns back to the runtime's network namespace: %s\n", strerror(errno));
      abort();
    }
    close(home);
  }
  if (s < 0) throw sys_error(env, err, "netlink socket");
  // Ask the kernel to check requests strictly (unknown attributes are errors, not ignored); old kernels lack it: fine.
  int one = 1;
  setsockopt(s, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  timeval tv{5, 0};  // no answer in 5 s: EAGAIN, never a hang
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return Napi::Number::New(env, s);
}

// netlinkLinks(sock): [{ index, name, flags }] of every device (RTM_GETLINK dump).
Napi::Value NetlinkLinks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  Req req(RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi);
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  int err = talk(sock_arg(info), req, [&](nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWLINK) return;
    auto* li = static_cast<ifinfomsg*>(NLMSG_DATA(m));
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", li->ifi_index);
    o.Set("flags", li->ifi_flags);
    int len = IFLA_PAYLOAD(m);
    for (auto* a = IFLA_RTA(li); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
      if (a->rta_type == IFLA_IFNAME) o.Set("name", std::string(static_cast<char*>(RTA_DATA(a)), strnlen(static_cast<char*>(RTA_DATA(a)), RTA_PAYLOAD(a))));
    }
    out.Set(i++, o);
  });
  if (err) throw sys_error(env, err, "list network devices (RTM_GETLINK)");
  return out;
}

Napi::Buffer<char> bytes(Napi::Env env, rtattr* a) {
  return Napi::Buffer<char>::Copy(env, static_cast<char*>(RTA_DATA(a)), RTA_PAYLOAD(a));
}

// netlinkAddrs(sock, ifindex): the device's addresses (RTM_GETADDR dump, both
// families): { family, prefixlen, flags, scope, local?, address?, broadcast?,
// label?, proto?, metric? }. flags: IFA_FLAGS (32 bits) when given, else the
// header's 8.
Napi::Value NetlinkAddrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int index = info[1].As<Napi::Number>().Int32Value();
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_UNSPEC;
  ifa.ifa_index = index;  // with strict checking the kernel filters by it; we filter again below
  Req req(RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  int err = talk(sock_arg(info), req, [&](nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR) return;
    auto* am = static_cast<ifaddrmsg*>(NLMSG_DATA(m));
    if (static_cast<int>(am->ifa_index) != index) return;
    Napi::Object o = Napi::Object::New(env);
    o.Set("family", am->ifa_family);
    o.Set("prefixlen", am->ifa_prefixlen);
    o.Set("scope", am->ifa_scope);
    o.Set("flags", am->ifa_flags);
    int len = IFA_PAYLOAD(m);
    for (auto* a = IFA_RTA(am); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
      switch (a->rta_type) {
        case IFA_LOCAL: o.Set("local", bytes(env, a)); break;
        case IFA_ADDRESS: o.Set("address", bytes(env, a)); break;
        case IFA_BROADCAST: o.Set("broadcast", bytes(env, a)); break;
        case IFA_LABEL: o.Set("label", std::string(static_cast<char*>(RTA_DATA(a)), strnlen(static_cast<char*>(RTA_DATA(a)), RTA_PAYLOAD(a)))); break;
        case IFA_FLAGS: o.Set("flags", *static_cast<uint32_t*>(RTA_DATA(a))); break;
        case IFA_RT_PRIORITY: o.Set("metric", *static_cast<uint32_t*>(RTA_DATA(a))); break;
        case 11 /* IFA_PROTO (Linux 6.0) */: o.Set("proto", *static_cast<uint8_t*>(RTA_DATA(a))); break;
      }
    }
    out.Set(i++, o);
  });
  if (err) throw sys_error(env, err, "list addresses (RTM_GETADDR)");
  return out;
}

// netlinkMoveLink(sock, ifindex, nsFd, name): one RTM_SETLINK with
// IFLA_NET_NS_FD (the target namespace) and IFLA_IFNAME (the name there; a
// "%d" template makes the kernel pick a free one). The kernel moves it, then
// renames it inside the target. Errors (errno on the thrown Error): EEXIST the
// name is taken there, EINVAL a device bound to its namespace (lo, bridges:
// NETIF_F_NETNS_LOCAL), EPERM no CAP_NET_ADMIN, ENODEV gone meanwhile.
Napi::Value NetlinkMoveLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = info[1].As<Napi::Number>().Int32Value();
  Req req(RTM_SETLINK, NLM_F_ACK, &ifi, sizeof ifi);
  uint32_t nsfd = info[2].As<Napi::Number>().Uint32Value();
  req.attr(IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
  std::string name = info[3].As<Napi::String>();
  req.attr(IFLA_IFNAME, name.c_str(), name.size() + 1);
  int err = talk(sock_arg(info), req, [](nlmsghdr*) {});
  if (err) throw sys_error(env, err, "move (RTM_SETLINK IFLA_NET_NS_FD)");
  return env.Undefined();
}

// netlinkAddAddr(sock, ifindex, { family, prefixlen, flags, scope, local?,
// address?, broadcast?, label?, proto?, metric? }): RTM_NEWADDR with
// NLM_F_CREATE|NLM_F_EXCL (EEXIST if it is there already). No IFA_CACHEINFO:
// the lifetimes are infinite, the address permanent (IFA_F_PERMANENT).
Napi::Value NetlinkAddAddr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[2].As<Napi::Object>();
  uint32_t flags = o.Get("flags").As<Napi::Number>().Uint32Value();
  ifaddrmsg ifa{};
  ifa.ifa_family = o.Get("family").As<Napi::Number>().Uint32Value();
  ifa.ifa_prefixlen = o.Get("prefixlen").As<Napi::Number>().Uint32Value();
  ifa.ifa_scope = o.Get("scope").As<Napi::Number>().Uint32Value();
  ifa.ifa_flags = flags & 0xff;
  ifa.ifa_index = info[1].As<Napi::Number>().Int32Value();
  Req req(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  for (auto [key, type] : {std::pair{"local", IFA_LOCAL}, {"address", IFA_ADDRESS}, {"broadcast", IFA_BROADCAST}}) {
    if (!o.Has(key) || !o.Get(key).IsBuffer()) continue;
    auto b = o.Get(key).As<Napi::Buffer<char>>();
    req.attr(type, b.Data(), b.Length());
  }
  if (o.Has("label") && o.Get("label").IsString()) {
    std::string l = o.Get("label").As<Napi::String>();
    req.attr(IFA_LABEL, l.c_str(), l.size() + 1);
  }
  req.attr(IFA_FLAGS, &flags, sizeof flags);  // the flags above the header's 8 bits (NOPREFIXROUTE, ...)
  if (o.Has("metric") && o.Get("metric").IsNumber()) {
    uint32_t metric = o.Get("metric").As<Napi::Number>().Uint32Value();
    req.attr(IFA_RT_PRIORITY, &metric, sizeof metric);
  }
  if (o.Has("proto") && o.Get("proto").IsNumber()) {
    uint8_t proto = o.Get("proto").As<Napi::Number>().Uint32Value();
    req.attr(11 /* IFA_PROTO */, &proto, sizeof proto);
  }
  int err = talk(sock_arg(info), req, [](nlmsghdr*) {});
  if (err) throw sys_error(env, err, "add address (RTM_NEWADDR)");
  return env.Undefined();
}

// netlinkSetUp(sock, ifindex): IFF_UP on (ifi_change says which flag to touch).
Napi::Value NetlinkSetUp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = info[1].As<Napi::Number>().Int32Value();
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  Req req(RTM_SETLINK, NLM_F_ACK, &ifi, sizeof ifi);
  int err = talk(sock_arg(info), req, [](nlmsghdr*) {});
  if (err) throw sys_error(env, err, "set up (RTM_SETLINK IFF_UP)");
  return env.Undefined();
}

}  // namespace

void netdev_init_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("netlinkOpen", Napi::Function::New(env, NetlinkOpen));
  exports.Set("netlinkLinks", Napi::Function::New(env, NetlinkLinks));
  exports.Set("netlinkAddrs", Napi::Function::New(env, NetlinkAddrs));
  exports.Set("netlinkMoveLink", Napi::Function::New(env, NetlinkMoveLink));
  exports.Set("netlinkAddAddr", Napi::Function::New(env, NetlinkAddAddr));
  exports.Set("netlinkSetUp", Napi::Function::New(env, NetlinkSetUp));
}

}  // namespace ocirun
