// The container's terminal: a pty made inside the container, its master sent
// over --console-socket, its slave made stdio and controlling terminal.

#include "common.h"

namespace ocirun {
namespace child {

// ---------------------------------------------------------------- terminal

void setup_console() {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die_errno("open /dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) die_errno("unlock pty");
  int n;
  if (ioctl(master, TIOCGPTN, &n) < 0) die_errno("get pty number");
  char name[40]; name[0] = 0;
  scat(name, sizeof name, "/dev/pts/");
  scat_int(name, sizeof name, n);
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die_errno("open ", name);
  if (P->console_rows || P->console_cols) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = P->console_rows; ws.ws_col = P->console_cols;
    ioctl(master, TIOCSWINSZ, &ws);
  }

  // Send the master over the console socket; the payload is the pty's name,
  // as runc sends it.
  if (send_with_fd(P->console_fd, name, slen(name), master) < 0) die_errno("send pty master to console socket");
  close(master);
  close(P->console_fd);

  // /dev/console is the pty too (as runc), when we built the /dev ourselves.
  if (P->setup_rootfs) {
    int f = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f >= 0) close(f);
    if (mount(name, "/dev/console", nullptr, MS_BIND, nullptr) < 0) die_errno("bind ", name, " to /dev/console");
  }

  // The slave becomes stdio and the controlling terminal (we are a session leader).
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die_errno("set controlling terminal");
  for (int i = 0; i < 3; i++) if (dup3(slave, i, 0) < 0) die_errno("dup pty to stdio");
  if (slave > 2) close(slave);
}

}  // namespace child
}  // namespace ocirun
