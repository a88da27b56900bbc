/*
 * Fault injection for the SQLite fault tests (SqliteFaultTests.cs): preloaded into the engine's process with
 * LD_PRELOAD, it makes the C library calls SQLite uses fail for the files of one folder (SW_FAULT_FOLDER) while the
 * control file (SW_FAULT_CONTROL) says so:
 *   "fsync"     fsync and fdatasync fail with EIO, as a failing disk reports a lost write;
 *   "readonly"  write, pwrite and ftruncate fail with EROFS, as when the kernel remounts a disk read-only after errors.
 * Anything else (an empty file, no file) lets every call through. Compiled by the test itself with the machine's cc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* The fault in force, read from the control file on every call, so that the test switches it without signals. */
static int fault_is(const char *kind)
{
    const char *control = getenv("SW_FAULT_CONTROL");
    if (control == NULL) return 0;
    int fd = open(control, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buffer[32] = {0};
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    return n > 0 && strncmp(buffer, kind, strlen(kind)) == 0;
}

/* Only files in the folder under test fail: never standard output, pipes or the runtime's own files. */
static int in_scope(int fd)
{
    const char *folder = getenv("SW_FAULT_FOLDER");
    if (folder == NULL) return 0;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = 0;
    return strncmp(target, folder, strlen(folder)) == 0;
}

static int fails(int fd, const char *kind, int error)
{
    if (in_scope(fd) && fault_is(kind)) { errno = error; return 1; }
    return 0;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int fsync(int fd) { return fails(fd, "fsync", EIO) ? -1 : NEXT(fsync)(fd); }
int fdatasync(int fd) { return fails(fd, "fsync", EIO) ? -1 : NEXT(fdatasync)(fd); }
ssize_t write(int fd, const void *data, size_t size) { return fails(fd, "readonly", EROFS) ? -1 : NEXT(write)(fd, data, size); }
ssize_t pwrite(int fd, const void *data, size_t size, off_t offset) { return fails(fd, "readonly", EROFS) ? -1 : NEXT(pwrite)(fd, data, size, offset); }
ssize_t pwrite64(int fd, const void *data, size_t size, off64_t offset) { return fails(fd, "readonly", EROFS) ? -1 : NEXT(pwrite64)(fd, data, size, offset); }
int ftruncate(int fd, off_t length) { return fails(fd, "readonly", EROFS) ? -1 : NEXT(ftruncate)(fd, length); }
int ftruncate64(int fd, off64_t length) { return fails(fd, "readonly", EROFS) ? -1 : NEXT(ftruncate64)(fd, length); }
