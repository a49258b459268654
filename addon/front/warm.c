// For create and run: start the kernel's wait on the cgroup attach lock now,
// before the CLI's interpreter starts, instead of when the container's init
// joins its cgroup ~15-20 ms later.
//
// Moving a process into a cgroup (a write to cgroup.procs) takes the kernel's
// cgroup_threadgroup_rwsem for writing; the first writer after a quiet spell
// waits for an RCU grace period (5-16 ms here, idle), the writers within about
// one more grace period go straight through (lib/cgroups/warm.ts, which the
// CLI starts too, has the measurements). So a helper process "moves" itself
// into the cgroup it is in (a no-op for the kernel's bookkeeping) and exits.
// It is forked twice, so that nobody here has a zombie of it (the CLI takes
// over this pid: `run` lives as long as its container); it closes every fd
// first (an engine waits for the command's pipes to close). Best effort: any
// failure, and there is simply no head start. OCIRUN_WARM=0 turns it off
// (for measuring).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "front.h"

// cgroup.procs of our own cgroup: the unified hierarchy's (v2, or a hybrid
// host's /sys/fs/cgroup/unified), else the first v1 hierarchy's.
static int own_procs(char* out, size_t size) {
  char buf[4096];
  int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char* v1 = NULL;
  for (char* line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strncmp(line, "0::", 3)) {
      // v2 alone, or the hybrid host's unified mount
      int k = snprintf(out, size, "/sys/fs/cgroup/unified%s/cgroup.procs", line + 3);
      if (k > 0 && (size_t)k < size && access(out, W_OK) == 0) return 0;
      k = snprintf(out, size, "/sys/fs/cgroup%s/cgroup.procs", line + 3);
      return k > 0 && (size_t)k < size && access(out, W_OK) == 0 ? 0 : -1;
    }
    if (!v1 && !strstr(line, ":name=")) v1 = line;
  }
  if (!v1) return -1;
  // "N:controller[,controller]:/path"
  char* c = strchr(v1, ':');
  char* p = c ? strchr(c + 1, ':') : NULL;
  if (!p) return -1;
  *p++ = 0;
  c++;
  char* comma = strchr(c, ',');
  if (comma) *comma = 0;
  int k = snprintf(out, size, "/sys/fs/cgroup/%s%s/cgroup.procs", c, p);
  return k > 0 && (size_t)k < size && access(out, W_OK) == 0 ? 0 : -1;
}

void warm_cgroup_attach(int argc, char** argv) {
  const char* off = getenv("OCIRUN_WARM");
  if ((off && !strcmp(off, "0")) || geteuid() != 0) return;
  // create or run as the command (the first word that is not a flag or a
  // flag's value is hard to tell here: any such word will do), and not
  // through systemd, which moves the init itself.
  int ours = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--systemd-cgroup")) return;
    if (!strcmp(argv[i], "create") || !strcmp(argv[i], "run")) ours = 1;
  }
  if (!ours) return;
  pid_t child = fork();
  if (child < 0) return;
  if (child > 0) {
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
    }
    return;  // and go on to exec the CLI
  }
  if (fork() != 0) _exit(0);
  syscall(SYS_close_range, 0U, ~0U, 0U);
  char procs[4096];
  if (own_procs(procs, sizeof procs) == 0) {
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!write(fd, "0", 1);  // "0": this process, into the cgroup it is in
      close(fd);
    }
  }
  _exit(0);
}
