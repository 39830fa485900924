/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SHA256SUMS and gpgv (see verify.h). */

#include "verify.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"

#define GPGV "/usr/bin/gpgv"

void verify_hex(const uint8_t *digest, size_t n, char *ret) {
        for (size_t i = 0; i < n; i++)
                snprintf(ret + 2 * i, 3, "%02x", digest[i]);
}

int verify_checksum(const char *sums, size_t size, const char *filename, const char *hex) {
        const char *p = sums, *end = sums + size;
        size_t fl = strlen(filename);

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *e = nl ? nl : end, *name;
                size_t len;

                if (e > p && e[-1] == '\r')
                        e--;
                /* HEX, then " *" (binary) or "  " (text), then the name */
                if (e - p > SHA256_HEX_LEN + 2 && p[SHA256_HEX_LEN] == ' ' &&
                    (p[SHA256_HEX_LEN + 1] == '*' || p[SHA256_HEX_LEN + 1] == ' ')) {
                        name = p + SHA256_HEX_LEN + 2;
                        len = (size_t) (e - name);
                        if (len == fl && memcmp(name, filename, fl) == 0)
                                return strncasecmp(p, hex, SHA256_HEX_LEN) == 0 ? 0 : -EBADMSG;
                }
                p = nl ? nl + 1 : end;
        }
        return -ENOENT;
}

int verify_keyring(const char **ret) {
        static const char *const keyrings[] = {"/etc/systemd/import-pubring.gpg",
                                               "/usr/lib/systemd/import-pubring.gpg"};
        const char *e = getenv(VERIFY_KEYRING_ENV);

        if (e && *e) {
                *ret = e;
                return access(e, F_OK) < 0 ? -ENOENT : 0;
        }
        for (size_t k = 0; k < ELEMENTSOF(keyrings); k++)
                if (access(keyrings[k], F_OK) >= 0) {
                        *ret = keyrings[k];
                        return 0;
                }
        *ret = keyrings[1];
        return -ENOENT;
}

/* data in a sealed memfd (gpgv reads it as /proc/self/fd/N in its own process) */
static int memfd_with(const char *name, const void *data, size_t size) {
        _cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        int r;

        if (fd < 0)
                return negative_errno();
        if ((r = write_all(fd, data, size)) < 0)
                return r;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

/* gpgv with fds 0 /dev/null, 1 /dev/null, 2 err_fd, 3 the signature, 4 the data; nothing else of
 * ours: an empty environment, default signal handling, no other fd (all ours are O_CLOEXEC). */
static int gpgv_spawn(const char *keyring, int sig_fd, int data_fd, int err_fd, pid_t *ret) {
        char *argv[] = {"gpgv",           "--homedir",       "/dev/null",       "--keyring",
                        (char *) keyring, "/proc/self/fd/3", "/proc/self/fd/4", NULL};
        char *envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
        int null_fd, report[2], err = 0;
        pid_t pid;

        if (access(GPGV, X_OK) < 0)
                return -ENOENT;
        if (pipe2(report, O_CLOEXEC) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0) {
                err = negative_errno();
                close_many(report, 2);
                return err;
        }
        if (pid == 0) {
                static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
                sigset_t none;

                for (size_t k = 0; k < ELEMENTSOF(sigs); k++)
                        signal(sigs[k], SIG_DFL);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
                /* above 4 first, so that the dup2()s below cannot overwrite each other */
                sig_fd = fcntl(sig_fd, F_DUPFD_CLOEXEC, 5);
                data_fd = fcntl(data_fd, F_DUPFD_CLOEXEC, 5);
                err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, 5);
                if (null_fd >= 0 && sig_fd >= 0 && data_fd >= 0 && err_fd >= 0 && dup2(null_fd, 0) >= 0 &&
                    dup2(null_fd, 1) >= 0 && dup2(err_fd, 2) >= 0 && dup2(sig_fd, 3) >= 0 &&
                    dup2(data_fd, 4) >= 0)
                        execve(GPGV, argv, envp);
                err = -errno;
                (void) write(report[1], &err, sizeof err);
                _exit(127);
        }
        safe_close(report[1]);
        if (read(report[0], &err, sizeof err) == (ssize_t) sizeof err) {
                /* the exec failed: reap the child */
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                safe_close(report[0]);
                return err < 0 ? err : -EIO;
        }
        safe_close(report[0]);
        *ret = pid;
        return 0;
}

int verify_signature(const char *keyring, const void *data, size_t data_size, const void *sig,
                     size_t sig_size, char **error) {
        _cleanup_close_ int sig_fd = memfd_with("signature", sig, sig_size), data_fd = -EBADF;
        _cleanup_free_ char *output = NULL;
        int pipefd[2], status, r;
        pid_t pid = 0;

        if (sig_fd < 0)
                return sig_fd;
        if ((data_fd = memfd_with("data", data, data_size)) < 0)
                return data_fd;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        r = gpgv_spawn(keyring, sig_fd, data_fd, pipefd[1], &pid);
        safe_close(pipefd[1]);
        if (r < 0) {
                safe_close(pipefd[0]);
                return r == -ENOENT ? -ENOENT : error_setf(error, r, "Failed to run gpgv: %s", strerror(-r));
        }
        (void) read_fd(pipefd[0], &output, 64 * 1024);
        safe_close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        for (size_t n = output ? strlen(output) : 0; n > 0 && output[n - 1] == '\n'; n--)
                output[n - 1] = 0;
        return error_setf(error, -EBADMSG, "%s", output && *output ? output : "gpgv failed.");
}
