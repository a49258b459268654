// state, start, kill, delete: each does what its lib/runtime (or lib/cli)
// namesake does for the case the recipe covers, and returns HAND_OVER, having
// changed nothing, for any other case (errors included: their wording is the CLI's).
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "front.h"

// addon/plan.h SyncMsg: what the init writes to `start`'s connection when
// its execve failed.
// How long start waits for the released init to exec (binding.cc Release has the same).
#define START_TIMEOUT_S 60
#define START_TIMEOUT_MSG "timed out after 60s waiting for the container init to exec its program (is its cgroup frozen?)"

struct sync_msg {
  int type, value, err;
  char msg[500];
};

static const char* const STATUS_NAMES[] = {"created", "running", "paused", "stopped"};

// <root>/<id>; -1 if it does not fit.
int state_dir(const struct args* a, char* out, size_t size) {
  int n = snprintf(out, size, "%s/%s", a->root, a->id);
  return n > 0 && (size_t)n < size ? 0 : -1;
}

static void on_alarm(int sig) { (void)sig; }

// store.ts lock(): the dir itself, no symlink, an exclusive flock; then
// check that a concurrent delete did not remove it. Held by another call:
// waits in flock (the waiters take turns as it is released: 50 execs at once
// into one container), for ~2 s at most, then hands the call to the CLI,
// which waits with its own time limit and says so when that runs out. The
// limit is SIGALRM without SA_RESTART, which ends flock with EINTR.
int lock_dir(const char* dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = flock(fd, LOCK_EX | LOCK_NB);
  if (rc < 0 && errno == EWOULDBLOCK) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, &old);
    struct itimerval limit = {{0, 0}, {2, 0}}, off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &limit, NULL);
    rc = flock(fd, LOCK_EX);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
  }
  struct stat st;
  if (rc < 0 || stat(dir, &st) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// store.ts unlock(): LOCK_UN first. An flock belongs to the open file, which
// a child cloned meanwhile (exec's) shares until it closes its copy: close
// alone would leave the lock held while such a child lives on, frozen say.
void unlock_dir(int fd) {
  flock(fd, LOCK_UN);
  close(fd);
}

int write_all(int fd, const char* p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int cmd_state(const struct args* a) {
  char dir[4096];
  if (state_dir(a, dir, sizeof dir) < 0) return HAND_OVER;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return HAND_OVER;
  struct recipe r;
  int ok = read_recipe(dfd, &r);
  close(dfd);
  if (ok < 0) return HAND_OVER;
  enum status st = derive_status(&r);
  // state-text.ts renderState().
  for (int i = 0; i < r.nitems; i++) {
    const struct item* it = &r.items[i];
    char num[32];
    const char* p = it->text;
    size_t n = it->len;
    if (it->kind == ITEM_PID_OR_0) {
      n = (size_t)snprintf(num, sizeof num, "%ld", st == ST_STOPPED ? 0L : r.pid);
      p = num;
    } else if (it->kind == ITEM_STATUS) {
      n = (size_t)snprintf(num, sizeof num, "\"%s\"", STATUS_NAMES[st]);
      p = num;
    }
    if (write_all(1, p, n) < 0) return 1;
  }
  return 0;
}

int cmd_start(const struct args* a) {
  char dir[4096];
  if (state_dir(a, dir, sizeof dir) < 0) return HAND_OVER;
  int lock = lock_dir(dir);
  if (lock < 0) return HAND_OVER;
  struct recipe r;
  if (read_recipe(lock, &r) < 0 || !r.can_start || derive_status(&r) != ST_CREATED) {
    unlock_dir(lock);
    return HAND_OVER;
  }
  // The init waits on init.sock (create.ts listenUnix; addon/child/exec.cc wait_for_start).
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/init.sock", dir);
  // A deep --root (Docker: /var/run/docker/runtime-runc/moby/<64 hex>) does not
  // fit in sun_path: go through the locked dir's fd (binding.cc fill_sockaddr).
  if (n > 0 && (size_t)n >= sizeof sa.sun_path) n = snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/init.sock", lock);
  int fd = n > 0 && (size_t)n < sizeof sa.sun_path ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
  if (fd < 0 || connect(fd, (struct sockaddr*)&sa, sizeof sa) < 0) {
    if (fd >= 0) close(fd);
    unlock_dir(lock);
    return HAND_OVER;
  }
  // binding.cc Release(): 'S', then EOF means the execve succeeded (the
  // connection is close-on-exec in the init), a message means it failed.
  char s = 'S';
  if (send(fd, &s, 1, MSG_NOSIGNAL) != 1) {
    close(fd);
    unlock_dir(lock);
    return HAND_OVER;  // nothing was sent: the init still waits
  }
  // Never wait forever: an init in a frozen cgroup never gets to its execve.
  struct timeval tv = {START_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sync_msg m;
  size_t got = 0;
  int read_errno = 0;
  while (got < sizeof m) {
    ssize_t k = read(fd, (char*)&m + got, sizeof m - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && errno == ECONNRESET) break;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) report_start_failure(a, 0, START_TIMEOUT_MSG);
    if (k < 0) {
      read_errno = errno;
      break;
    }
    if (k == 0) break;
    got += (size_t)k;
  }
  close(fd);
  // The init has exec'd (or failed): nobody listens on the socket any more.
  unlink(sa.sun_path);
  if (read_errno) report_start_failure(a, read_errno, "read from container init");
  if (got == 0) return 0;
  if (got != sizeof m) report_start_failure(a, 0, "container init died while starting");
  m.msg[sizeof m.msg - 1] = 0;
  report_start_failure(a, m.err, m.msg);
}

// kill.ts parseSignal() for what it can be sure of: a number (0: no signal,
// only "is it alive?", as runc), or a signal's own name (with or without
// SIG, any case); aliases go to the CLI.
static int parse_signal(const char* s) {
  if (!s || !*s) return SIGTERM;
  size_t len = strlen(s);
  if (len > 15) return -1;
  if (strspn(s, "0123456789") == len) {
    int n = len > 2 ? 0 : (int)strtol(s, NULL, 10);
    return n <= 64 ? n : -1;
  }
  char up[16];
  for (size_t i = 0; i <= len; i++) up[i] = (char)toupper((unsigned char)s[i]);
  const char* name = strncmp(up, "SIG", 3) ? up : up + 3;
  for (int i = 1; i < 32; i++) {
    const char* abbrev = sigabbrev_np(i);
    if (abbrev && !strcmp(abbrev, name)) return i;
  }
  return -1;
}

int cmd_kill(const struct args* a) {
  int sig = parse_signal(a->signal);
  if (sig < 0 || a->all) return HAND_OVER;  // --all: every pid in the cgroup, the CLI's
  char dir[4096];
  if (state_dir(a, dir, sizeof dir) < 0) return HAND_OVER;
  int lock = lock_dir(dir);
  if (lock < 0) return HAND_OVER;
  struct recipe r;
  int rc = HAND_OVER;
  // Stopped: the CLI says "container not running", which engines look for.
  if (read_recipe(lock, &r) == 0 && derive_status(&r) != ST_STOPPED && kill((pid_t)r.pid, sig) == 0) rc = 0;
  unlock_dir(lock);
  return rc;
}

// fs.rmSync(dir, { recursive: true }) for a state dir: its files, and any
// dirs in it, never following a symlink.
static int remove_tree_at(int parent, const char* name) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -1;
  }
  int rc = 0;
  struct dirent* e;
  while (rc == 0 && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (unlinkat(fd, e->d_name, 0) == 0) continue;
    if (errno == EISDIR) rc = remove_tree_at(fd, e->d_name);
    else if (errno != ENOENT) rc = -1;
  }
  closedir(d);
  if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT) rc = -1;
  return rc;
}

int cmd_delete(const struct args* a) {
  char dir[4096];
  if (state_dir(a, dir, sizeof dir) < 0) return HAND_OVER;
  struct stat sb;
  if (lstat(dir, &sb) < 0) {
    // containerd deletes with --force after a delete: nothing there is fine.
    return errno == ENOENT && a->force ? 0 : HAND_OVER;
  }
  int lock = lock_dir(dir);
  if (lock < 0) return HAND_OVER;
  struct recipe r;
  // delete.ts del(): a created container goes without --force, a running
  // one with it; a paused one must be thawed too: the CLI's.
  enum status st = read_recipe(lock, &r) == 0 && r.can_delete ? derive_status(&r) : ST_PAUSED;  // (no recipe: the CLI)
  if (st == ST_PAUSED || (st == ST_RUNNING && !a->force)) {
    unlock_dir(lock);
    return HAND_OVER;
  }
  if (st != ST_STOPPED) {
    // Its own pid namespace (the recipe says so): the init's death ends the
    // rest. Waited for up to a second, as the CLI does.
    kill((pid_t)r.pid, SIGKILL);
    struct timespec ms = {0, 1000000L};
    for (int i = 0; i < 1000 && init_alive(&r); i++) nanosleep(&ms, NULL);
    if (init_alive(&r)) {
      unlock_dir(lock);
      return HAND_OVER;
    }
  }
  // cgroups destroy(false): each dir (gone already is fine; busy: the CLI
  // waits for it), then the empty parents create() made, nearest first.
  int chain = 1;
  for (int i = 0; i < r.nremovals; i++) {
    const struct removal* x = &r.removals[i];
    if (!x->parent) {
      chain = 1;
      if (rmdir(x->dir) < 0 && errno != ENOENT) {
        unlock_dir(lock);
        return HAND_OVER;
      }
    } else if (chain && rmdir(x->dir) < 0) {
      chain = 0;  // not empty (another container's), or gone
    }
  }
  // store.ts remove(); the lock goes with the dir.
  int rc = remove_tree_at(AT_FDCWD, dir) == 0 ? 0 : HAND_OVER;
  unlock_dir(lock);
  return rc;
}
