// ocirun's native front (bin/ocirun): answers `state`, `start`, `kill` and
// `delete` of a created container from the recipe that `create` left in its
// state dir (lib/state/front.ts says what it holds and why), runs `exec` from
// a plan the CLI made (lib/state/front-exec.ts), and hands every
// other call, and every case the recipe does not cover, to the CLI. It decides
// nothing of its own: when in doubt, the CLI.
//
// An ordinary process, not a container's init: libc is fine here.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// A command's answer when the CLI must take the call (nothing was changed).
#define HAND_OVER (-1)

struct args {
  const char* root;        // --root, default /run/ocirun
  const char* log;         // --log, or NULL
  const char* log_format;  // --log-format, or NULL
  const char* command;     // state | start | kill | delete | exec
  const char* id;
  const char* signal;      // kill's signal, or NULL
  int all;                 // kill --all
  int force;               // delete --force
  // exec
  int detach, tty, preserve_fds;
  const char* pid_file;
  const char* console_socket;
  const char* process;     // --process FILE
  char** cmd;              // the command (after the id), NULL-terminated; NULL: none
};

enum status { ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

// One piece of `state`'s output: literal text, or a hole.
enum item_kind { ITEM_TEXT, ITEM_PID_OR_0, ITEM_STATUS };
struct item {
  enum item_kind kind;
  const char* text;
  size_t len;
};

// A cgroup dir delete removes, or (parent) an empty parent of the one before.
struct removal {
  const char* dir;
  int parent;
};

#define MAX_ITEMS 64
#define MAX_REMOVALS 128

struct recipe {
  char* buf;  // the file; every pointer below points into it
  long pid;
  const char* starttime;
  const char* comm;
  const char* paused_op;  // "eq" | "ne", or NULL: never paused
  const char* paused_value;
  const char* paused_file;
  struct item items[MAX_ITEMS];
  int nitems;
  int can_start;
  int can_delete;
  struct removal removals[MAX_REMOVALS];
  int nremovals;
  char* exec_plan;  // the plan of `exec ID COMMAND...` (front-exec.ts), or NULL
  size_t exec_plan_len;
};

// recipe.c
int read_recipe(int dirfd, struct recipe* r);  // 0, or -1: no (usable) recipe
enum status derive_status(const struct recipe* r);
int init_alive(const struct recipe* r);  // this very init, not a zombie

// commands.c: an exit status, or HAND_OVER
int cmd_state(const struct args* a);
int cmd_start(const struct args* a);
int cmd_kill(const struct args* a);
int cmd_delete(const struct args* a);
// exec.cc
int cmd_exec(const struct args* a);

// commands.c, shared with exec.cc
int state_dir(const struct args* a, char* out, size_t size);
int lock_dir(const char* dir);
void unlock_dir(int fd);
int write_all(int fd, const char* p, size_t n);

// main.c: <repo> (from /proc/self/exe)
void repo_root(char* out, size_t size);
// exec the CLI (bun or node) with these arguments (never returns).
__attribute__((noreturn)) void run_cli(char* const* args);
// ... to report a failed start as the CLI's start would (lib/cli/start-failed.ts).
__attribute__((noreturn)) void report_start_failure(const struct args* a, int err, const char* msg);

#ifdef __cplusplus
}
#endif
