/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credentials.h"
#include "fdutil.h"
#include "macro.h"

static char dir[] = "/tmp/test-credentials.XXXXXX";

static void test_names(void **state) {
        char *id;
        const char *rest, *reason = NULL;

        assert_true(credential_name_is_valid("mycred"));
        assert_true(credential_name_is_valid("a.b-c_d"));
        assert_false(credential_name_is_valid(""));
        assert_false(credential_name_is_valid("."));
        assert_false(credential_name_is_valid(".."));
        assert_false(credential_name_is_valid("a/b"));

        assert_int_equal(credential_split("id:v:w", &id, &rest, &reason), 0);
        assert_string_equal(id, "id");
        assert_string_equal(rest, "v:w");
        free(id);
        assert_int_equal(credential_split("novalue", &id, &rest, &reason), -EINVAL);
        assert_non_null(reason);
        assert_int_equal(credential_split("a/b:x", &id, &rest, &reason), -EINVAL);
        assert_int_equal(credential_split(":x", &id, &rest, &reason), -EINVAL);
}

static void unescapes_to(const char *in, const char *out, size_t size) {
        char *r;
        size_t n;

        assert_int_equal(credential_unescape(in, &r, &n), 0);
        assert_int_equal(n, size);
        assert_memory_equal(r, out, size);
        free(r);
}

static void test_unescape(void **state) {
        char *r;
        size_t n;

        unescapes_to("plain", "plain", 5);
        unescapes_to("a\\nb\\tc", "a\nb\tc", 5);
        unescapes_to("\\x00z", "\0z", 2);
        unescapes_to("\\101\\\\\\\"\\s", "A\\\" ", 4);
        unescapes_to("\\u00e9", "\xc3\xa9", 2);
        unescapes_to("\\U0001F600", "\xf0\x9f\x98\x80", 4);
        unescapes_to("", "", 0);
        assert_int_equal(credential_unescape("\\q", &r, &n), -EINVAL);
        assert_int_equal(credential_unescape("\\x4", &r, &n), -EINVAL);
        assert_int_equal(credential_unescape("\\xzz", &r, &n), -EINVAL);
        assert_int_equal(credential_unescape("trailing\\", &r, &n), -EINVAL);
        assert_int_equal(credential_unescape("\\ud800", &r, &n), -EINVAL);
        assert_int_equal(credential_unescape("\\U00110000", &r, &n), -EINVAL);
}

/* A one-shot AF_UNIX stream server in a child process that answers with text. */
static pid_t serve_once(const char *path, const char *text) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        strcpy(sa.sun_path, path);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 1), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int c = accept(fd, NULL, NULL);
                if (c < 0 || write(c, text, strlen(text)) < 0)
                        _exit(1);
                _exit(0);
        }
        close(fd);
        return pid;
}

static void test_load(void **state) {
        struct settings s;
        struct credentials c;
        char file[128], sock[128], *err = NULL, *set[] = {"lit:one\\ntwo", NULL};
        char load_file[160], load_sock[160], load_rel[64] = "rel:relfile";

        snprintf(file, sizeof file, "%s/file", dir);
        snprintf(sock, sizeof sock, "%s/sock", dir);
        assert_int_equal(write_file_at(AT_FDCWD, file, "from a file", 0600), 0);
        char relfile[160];
        snprintf(relfile, sizeof relfile, "%s/relfile", dir);
        assert_int_equal(write_file_at(AT_FDCWD, relfile, "relative", 0600), 0);
        pid_t server = serve_once(sock, "from a socket");

        snprintf(load_file, sizeof load_file, "f:%s", file);
        snprintf(load_sock, sizeof load_sock, "s:%s", sock);
        char *load[] = {load_file, load_sock, load_rel, NULL};
        settings_init(&s);
        s.credentials_set = set;
        s.credentials_load = load;
        setenv("CREDENTIALS_DIRECTORY", dir, 1);
        assert_int_equal(credentials_load(&s, &c, &err), 0);
        unsetenv("CREDENTIALS_DIRECTORY");
        int status;
        assert_int_equal(waitpid(server, &status, 0), server);
        assert_int_equal(c.n, 4);
        assert_string_equal(c.items[0].id, "lit");
        assert_string_equal(c.items[0].data, "one\ntwo");
        assert_string_equal(c.items[1].data, "from a file");
        assert_string_equal(c.items[2].data, "from a socket");
        assert_string_equal(c.items[3].data, "relative");
        credentials_done(&c);

        /* A relative path without our own $CREDENTIALS_DIRECTORY, a missing file, a duplicate. */
        char *rel_only[] = {load_rel, NULL};
        s.credentials_set = NULL;
        s.credentials_load = rel_only;
        assert_true(credentials_load(&s, &c, &err) < 0);
        assert_non_null(strstr(err, "'rel'"));
        free(err);
        char missing[] = "m:/nonexistent/file", *load_missing[] = {missing, NULL};
        s.credentials_load = load_missing;
        assert_int_equal(credentials_load(&s, &c, &err), -ENOENT);
        free(err);
        char dup1[] = "d:x", dup2[] = "d:y", *dups[] = {dup1, dup2, NULL};
        s.credentials_set = dups;
        s.credentials_load = NULL;
        assert_int_equal(credentials_load(&s, &c, &err), -EEXIST);
        assert_non_null(strstr(err, "Duplicate credential 'd'"));
        free(err);
        s.credentials_set = NULL;
        settings_done(&s);
}

static void test_install(void **state) {
        struct credential items[] = {{.id = (char *) "a", .data = (char *) "A\0B", .size = 3},
                                     {.id = (char *) "b", .data = (char *) "", .size = 0}};
        struct credentials c = {.items = items, .n = 2};
        char root[128], path[192], *data = NULL;
        struct stat st;

        if (geteuid() != 0)
                skip();
        snprintf(root, sizeof root, "%s/root", dir);
        assert_int_equal(mkdir(root, 0755), 0);
        assert_int_equal(mkdir(strcat(strcpy(path, root), "/run"), 0755), 0);
        assert_int_equal(mkdir(strcat(path, "/host"), 0755), 0);
        int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(root_fd >= 0);
        assert_int_equal(credentials_install(NULL, root_fd), 0);
        assert_int_equal(credentials_install(&c, root_fd), 0);

        snprintf(path, sizeof path, "%s/run/host/credentials", root);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0500);
        snprintf(path, sizeof path, "%s/run/host/credentials/a", root);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0400);
        assert_int_equal(st.st_size, 3);
        assert_int_equal(read_file_at(AT_FDCWD, path, &data, 16), 3);
        assert_memory_equal(data, "A\0B", 3);
        free(data);
        /* Read-only, even for root. */
        snprintf(path, sizeof path, "%s/run/host/credentials/new", root);
        assert_int_equal(open(path, O_WRONLY | O_CREAT, 0600), -1);
        assert_int_equal(errno, EROFS);
        snprintf(path, sizeof path, "%s/run/host/credentials", root);
        assert_int_equal(umount2(path, MNT_DETACH), 0);
        close(root_fd);
}

static int setup(void **state) {
        /* Mounts of this test stay in a namespace of its own. */
        if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0)
                (void) mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL);
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        return test_rm_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_unescape),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_install),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
