// For create and run: keep the kernel's cgroup attach lock warm from before
// the CLI's interpreter starts until it has attached the container's init.
//
// Moving a process between cgroups (a write to cgroup.procs) takes the
// kernel's cgroup_threadgroup_rwsem for writing. After a quiet spell that
// first waits for an RCU grace period (5-20 ms here), and cgroup mkdirs and
// reads of /proc/PID/cgroup wait with it (cgroup_mutex); writes within about
// one grace period of the last one don't wait. The CLI's create makes the
// container's cgroup dirs ~20 ms after this program starts and attaches the
// init a few ms later. So a forked helper "moves" itself into the cgroup it
// is already in (a no-op) now, and again every few milliseconds while the
// create goes on, so that the lock is warm whenever the CLI needs it. It
// stops when the process that forked it (by then the bun or node that runs
// the command) is gone, or after WARM_MS. Best effort: any failure and it
// just exits. (The CLI once did this itself with an async write; under bun
// the pending write held its exit back by ~18 ms.)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "front.h"

#define WARM_MS 150
#define STEP_MS 3

// cgroup.procs of our own cgroup in the first v1 hierarchy mounted at
// /sys/fs/cgroup/<controller> (or the unified one on a pure v2 host).
static int own_procs(char* out, size_t size) {
  char buf[4096];
  int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  for (char* line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    // "N:controllers:/path"
    char* c = strchr(line, ':');
    char* p = c ? strchr(c + 1, ':') : NULL;
    if (!p) continue;
    *p++ = 0;
    c++;
    char* comma = strchr(c, ',');
    if (comma) *comma = 0;
    if (!strncmp(c, "name=", 5)) continue;
    int k = *c ? snprintf(out, size, "/sys/fs/cgroup/%s%s/cgroup.procs", c, p)
               : snprintf(out, size, "/sys/fs/cgroup%s/cgroup.procs", p);
    if (k <= 0 || (size_t)k >= size || access(out, W_OK) < 0) continue;
    return 0;
  }
  return -1;
}

void warm_cgroup_attach(void) {
  pid_t parent = getpid();
  // Forked twice, so that the helper is nobody's child here: the CLI that
  // takes over this pid (run waits a long time) never has a zombie of it.
  pid_t child = fork();
  if (child < 0) return;  // no warm-up
  if (child > 0) {
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
    return;  // and go on to exec the CLI
  }
  if (fork() != 0) _exit(0);
  // Not the command's stdio: an engine waits for those pipes to close.
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
  }
  for (int fd = 3; fd < 1024; fd++) close(fd);
  char procs[4096], me[16];
  if (own_procs(procs, sizeof procs) < 0) _exit(0);
  int len = snprintf(me, sizeof me, "%d", (int)getpid());
  struct timespec step = {0, STEP_MS * 1000000L};
  for (int t = 0; t < WARM_MS && kill(parent, 0) == 0; t += STEP_MS) {
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, me, (size_t)len) != len) _exit(0);
    close(fd);
    nanosleep(&step, NULL);
  }
  _exit(0);
}
