// Reads <state dir>/front (format: lib/state/front.ts) and derives a
// container's status from it the way lib/state/status.ts does.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "front.h"

// Bigger than any recipe create writes (annotations included).
#define MAX_RECIPE (4 << 20)

static int read_all(int fd, char* buf, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  return 0;
}

static int is_number(const char* s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

// The front only ever reads or removes cgroup files and dirs; anywhere else
// (a cgroupfs mounted elsewhere, or a recipe that was tampered with): the CLI.
static int under_cgroupfs(const char* path) {
  return !strncmp(path, "/sys/fs/cgroup/", 15) && !strstr(path, "/../") && !strstr(path, "/./");
}

// Every line is "key value" or "key"; `text N` is followed by N bytes and "\n".
static int parse(struct recipe* r, char* p, char* end) {
  int line = 0, ended = 0;
  while (p < end && !ended) {
    char* nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return -1;
    *nl = 0;
    char* key = p;
    char* value = strchr(p, ' ');
    if (value) *value++ = 0;
    else value = nl;  // ""
    p = nl + 1;
    if (line++ == 0) {
      if (strcmp(key, "ocirun-front") || strcmp(value, "1")) return -1;  // another version: the CLI
    } else if (!strcmp(key, "pid")) {
      if (!is_number(value) || strlen(value) > 9) return -1;
      r->pid = strtol(value, NULL, 10);
    } else if (!strcmp(key, "starttime")) {
      r->starttime = value;
    } else if (!strcmp(key, "created-comm")) {
      r->comm = value;
    } else if (!strcmp(key, "paused-if")) {
      // "eq|ne VALUE FILE"
      char* v = strchr(value, ' ');
      char* f = v ? strchr(v + 1, ' ') : NULL;
      if (!f) return -1;
      *v++ = 0;
      *f++ = 0;
      if (strcmp(value, "eq") && strcmp(value, "ne")) return -1;
      if (!under_cgroupfs(f)) return -1;
      r->paused_op = value;
      r->paused_value = v;
      r->paused_file = f;
    } else if (!strcmp(key, "text") || !strcmp(key, "pid-or-0") || !strcmp(key, "status")) {
      if (r->nitems == MAX_ITEMS) return -1;
      struct item* it = &r->items[r->nitems++];
      if (key[0] == 't') {
        if (!is_number(value) || strlen(value) > 7) return -1;
        size_t n = (size_t)strtol(value, NULL, 10);
        if ((size_t)(end - p) < n + 1 || p[n] != '\n') return -1;
        it->kind = ITEM_TEXT;
        it->text = p;
        it->len = n;
        p += n + 1;
      } else {
        it->kind = key[0] == 'p' ? ITEM_PID_OR_0 : ITEM_STATUS;
      }
    } else if (!strcmp(key, "start")) {
      r->can_start = 1;
    } else if (!strcmp(key, "delete")) {
      r->can_delete = 1;
    } else if (!strcmp(key, "rmdir") || !strcmp(key, "rmdir-parent")) {
      if (r->nremovals == MAX_REMOVALS || !under_cgroupfs(value)) return -1;
      r->removals[r->nremovals].dir = value;
      r->removals[r->nremovals].parent = key[5] == '-';
      if (r->removals[r->nremovals].parent && r->nremovals == 0) return -1;
      r->nremovals++;
    } else if (!strcmp(key, "exec-plan")) {
      // N bytes and "\n": exec.cc reads them when an exec comes
      if (!is_number(value) || strlen(value) > 7) return -1;
      size_t n = (size_t)strtol(value, NULL, 10);
      if ((size_t)(end - p) < n + 1 || p[n] != '\n') return -1;
      p[n] = 0;
      r->exec_plan = p;
      r->exec_plan_len = n;
      p += n + 1;
    } else if (!strcmp(key, "end")) {
      ended = 1;
    } else {
      return -1;  // a key this front does not know: the CLI
    }
  }
  // A recipe that is cut short, or lacks what every status needs, is no recipe.
  if (!ended || r->pid <= 0 || !r->starttime || !r->comm || r->nitems == 0) return -1;
  return 0;
}

int read_recipe(int dirfd, struct recipe* r) {
  memset(r, 0, sizeof *r);
  // As lib/state/store.ts reads state.json: no symlink, no fifo.
  int fd = openat(dirfd, "front", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > MAX_RECIPE) {
    close(fd);
    return -1;
  }
  size_t size = (size_t)st.st_size;
  r->buf = malloc(size + 1);
  if (!r->buf || read_all(fd, r->buf, size) < 0) {
    close(fd);
    return -1;
  }
  close(fd);
  r->buf[size] = 0;
  return parse(r, r->buf, r->buf + size);
}

// A small file (from /proc or cgroupfs) into buf, NUL-terminated: its length, or -1.
static ssize_t read_small(const char* path, char* buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, buf + got, size - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0 || (got += (size_t)n) == size - 1) break;
  }
  close(fd);
  buf[got] = 0;
  return (ssize_t)got;
}

// status.ts initAlive(): this very process (its starttime), not a zombie.
int init_alive(const struct recipe* r) {
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%ld/stat", r->pid);
  if (read_small(path, buf, sizeof buf) < 0) return 0;
  // comm may hold spaces and parentheses: fields start after the last ')'.
  char* c = strrchr(buf, ')');
  if (!c || c[1] != ' ') return 0;
  char* f = c + 2;  // field 0: state; field 19: starttime
  char state = f[0];
  for (int i = 0; i < 19; i++) {
    f = strchr(f, ' ');
    if (!f) return 0;
    f++;
  }
  size_t n = strcspn(f, " \n");
  if (n == 0 || n != strlen(r->starttime) || memcmp(f, r->starttime, n)) return 0;
  return state != 'Z' && state != 'X';
}

// cgroups/util.ts probeFrozen().
static int frozen(const struct recipe* r) {
  if (!r->paused_op) return 0;
  char buf[256];
  if (read_small(r->paused_file, buf, sizeof buf) < 0) return 0;
  char* s = buf;
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  char* e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = 0;
  int same = !strcmp(s, r->paused_value);
  return r->paused_op[0] == 'e' ? same : !same;
}

// status.ts status() for a container whose create finished.
enum status derive_status(const struct recipe* r) {
  if (!init_alive(r)) return ST_STOPPED;
  if (frozen(r)) return ST_PAUSED;
  // Waiting for start while it still carries the name create gave it.
  char path[64], comm[64];
  snprintf(path, sizeof path, "/proc/%ld/comm", r->pid);
  ssize_t n = read_small(path, comm, sizeof comm);
  size_t want = strlen(r->comm);
  if (n == (ssize_t)want + 1 && !memcmp(comm, r->comm, want) && comm[want] == '\n') return ST_CREATED;
  return ST_RUNNING;
}
