// The stack of a container's real init when it is forked with CLONE_VM
// (Plan::init_stack, addon/child/init.cc): mapped by the parent before clone,
// so the child allocates nothing. Untouched pages cost nothing; a guard page
// below turns an overflow into a fault instead of a write into other memory.
// Header-only: the addon (binding.cc) and the front (front/exec.cc) use it.
#pragma once

#include <stddef.h>
#include <sys/mman.h>

namespace ocirun {

constexpr size_t INIT_STACK_SIZE = 1 << 20;  // the init's frames use a few pages
constexpr size_t INIT_STACK_GUARD = 1 << 16;

struct InitStack {
  void* base = nullptr;
  // The top (stacks grow down), or nullptr if it could not be mapped (then a plain fork).
  void* map() {
    void* m = mmap(nullptr, INIT_STACK_SIZE + INIT_STACK_GUARD, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    if (mprotect(m, INIT_STACK_GUARD, PROT_NONE) < 0) {
      munmap(m, INIT_STACK_SIZE + INIT_STACK_GUARD);
      return nullptr;
    }
    base = m;
    return static_cast<char*>(m) + INIT_STACK_SIZE + INIT_STACK_GUARD;
  }
  // The parent's copy, once the child has its own (after clone).
  ~InitStack() {
    if (base) munmap(base, INIT_STACK_SIZE + INIT_STACK_GUARD);
  }
};

}  // namespace ocirun
