#ifndef GPUCLUSTER_CPROCESS_H
#define GPUCLUSTER_CPROCESS_H
// pidfds for the agent's process cache: a pidfd stays tied to the process it was opened for,
// so "is the pid I inspected still that process?" is one syscall instead of reading
// /proc/PID/stat (the kernel's do_task_stat was the agent's largest cost per cycle).
// syscall() is variadic, which Swift cannot call; these wrappers can be.
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

/// A pidfd for pid, or -1 (errno set; ENOSYS before Linux 5.3).
static inline int gpc_pidfd_open(int pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

/// 1: the process is alive; 0: it has exited (its pid may belong to another process now);
/// -1: cannot tell (fall back to /proc).
static inline int gpc_pidfd_alive(int fd) {
#ifdef SYS_pidfd_send_signal
    if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0) return 1;
    if (errno == ESRCH) return 0;
    if (errno == EPERM) return 1;
    return -1;
#else
    (void)fd;
    return -1;
#endif
}
/// Caps glibc's malloc arenas (it gives threads that allocate their own, up to eight per core,
/// each keeping what it touched). malloc.h is not in Swift's Glibc module, hence here.
static inline int gpc_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}

#endif
