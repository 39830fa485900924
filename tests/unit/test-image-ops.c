/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image discovery, lock files, image locks and the image operations, in a private search path
 * (NSPAWN_IMAGE_PATH) below /tmp. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "image-ops.h"
#include "image-tmp.h"
#include "image.h"
#include "lock-file.h"
#include "macro.h"
#include "strv.h"

TEST_SCRATCH_DIR(scratch, "/tmp/test-image-ops-XXXXXX")

static const char *at(const char *rel) {
        static char buf[8][512];
        static unsigned i;
        char *p = buf[i++ % 8];
        snprintf(p, 512, "%s/%s", scratch, rel);
        return p;
}

static void mk(const char *rel) {
        assert_int_equal(mkdir(at(rel), 0755), 0);
}

static void put(const char *rel, const char *text, mode_t mode) {
        int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static bool exists(const char *rel) {
        struct stat st;
        return lstat(at(rel), &st) == 0;
}

static int set_immutable(const char *rel, bool b) {
        _cleanup_close_ int fd = open(at(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        unsigned attr = 0;
        if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0)
                return -errno;
        attr = b ? attr | FS_IMMUTABLE_FL : attr & ~FS_IMMUTABLE_FL;
        return ioctl(fd, FS_IOC_SETFLAGS, &attr) < 0 ? -errno : 0;
}

/* A fresh search path s1:s2 for each test. */
static int path_setup(void **state) {
        char env[1100];
        (void) test_rm_rf(at("s1"));
        (void) test_rm_rf(at("s2"));
        mk("s1");
        mk("s2");
        snprintf(env, sizeof env, "%s:%s", at("s1"), at("s2"));
        setenv(IMAGE_PATH_ENV, env, 1);
        return 0;
}

static bool is_root(void) {
        return geteuid() == 0;
}

static void test_search_path(void **state) {
        char **l = NULL, *pool = NULL;

        assert_int_equal(image_search_path_get(&l), 0);
        assert_string_equal(l[0], at("s1"));
        assert_string_equal(l[1], at("s2"));
        assert_null(l[2]);
        strv_free(l);
        assert_int_equal(image_pool_path(&pool), 0);
        assert_string_equal(pool, at("s1"));
        free(pool);

        static const char *const bad[] = {"rel", "/a::/b", "/a:", ""};
        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                setenv(IMAGE_PATH_ENV, bad[k], 1);
                assert_int_equal(image_search_path_get(&l), -EINVAL);
        }
        unsetenv(IMAGE_PATH_ENV);
        assert_int_equal(image_pool_path(&pool), 0);
        assert_string_equal(pool, "/var/lib/machines");
        free(pool);
        assert_int_equal(image_search_path_get(&l), 0);
        assert_string_equal(l[0], "/etc/machines");
        strv_free(l);
}

static const struct image *find(const struct image *a, size_t n, const char *name) {
        for (size_t k = 0; k < n; k++)
                if (streq(a[k].name, name))
                        return &a[k];
        return NULL;
}

/* What machined lists: directories, NAME.raw files, symlinks to either, the first of a name;
 * hidden ones too; ".#" temporaries, other files and invalid names not. */
static void test_discover(void **state) {
        struct image *a = NULL, i;
        size_t n = 0;

        mk("s1/a");
        mk("s1/dup");
        mk("s1/.hid");
        mk("s1/.#clone.x0123456789abcdef");
        put("s1/d.raw", "raw data", 0644);
        put("s1/plain", "not an image", 0644);
        mk("s2/dup");
        mk("s2/target");
        put("s2/b.raw", "", 0444);
        assert_int_equal(symlink(at("s2/target"), at("s1/sym")), 0);

        assert_int_equal(image_discover(&a, &n), 0);
        const char *names[] = {".hid", ".host", "a", "b", "d", "dup", "sym", "target"};
        assert_int_equal(n, ELEMENTSOF(names));
        for (size_t k = 0; k < n; k++)
                assert_string_equal(a[k].name, names[k]); /* sorted */
        assert_int_equal(find(a, n, "a")->type, IMAGE_DIRECTORY);
        assert_false(find(a, n, "a")->read_only);
        assert_int_equal(find(a, n, "a")->usage, UINT64_MAX);
        assert_int_equal(find(a, n, "a")->mtime, 0);
        assert_string_equal(find(a, n, "dup")->path, at("s1/dup"));
        assert_int_equal(find(a, n, "d")->type, IMAGE_RAW);
        assert_string_equal(find(a, n, "d")->path, at("s1/d.raw"));
        assert_int_equal(find(a, n, "d")->limit, 8);
        assert_true(find(a, n, "d")->mtime > 0);
        assert_true(find(a, n, "b")->read_only); /* no write permission */
        assert_string_equal(find(a, n, "sym")->path, at("s1/sym"));
        assert_string_equal(find(a, n, ".host")->path, "/");
        assert_true(image_is_hidden(find(a, n, ".hid")));
        assert_true(image_is_host(find(a, n, ".host")));
        image_array_free(a, n);

        assert_int_equal(image_get("d", &i), 0);
        assert_int_equal(i.type, IMAGE_RAW);
        image_done(&i);
        assert_int_equal(image_get("dup", &i), 0);
        assert_string_equal(i.path, at("s1/dup"));
        image_done(&i);
        assert_int_equal(image_get(".host", &i), 0);
        assert_string_equal(i.path, "/");
        image_done(&i);
        assert_int_equal(image_get("plain", &i), -ENOENT);
        assert_int_equal(image_get("bad/x", &i), -ENOENT);
        assert_int_equal(image_get(".#clone.x0123456789abcdef", &i), -ENOENT);

        /* the immutable attribute makes a directory read-only (root, and a file system with it) */
        if (is_root() && set_immutable("s1/a", true) >= 0) {
                assert_int_equal(image_get("a", &i), 0);
                assert_true(i.read_only);
                image_done(&i);
                assert_int_equal(set_immutable("s1/a", false), 0);
        }
}

/* systemd's lock files: exclusive against everything, shared with shared; the last holder
 * removes the file; a stale one (its holder died) is taken over. */
static void test_lock_file(void **state) {
        _cleanup_close_ int dfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct lock_file a = LOCK_FILE_INIT, b = LOCK_FILE_INIT;

        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_EX, NULL, NULL, &a), 0);
        assert_true(exists("l"));
        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_EX, NULL, NULL, &b), -EBUSY);
        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_SH, NULL, NULL, &b), -EBUSY);
        lock_file_release(&a);
        assert_false(exists("l"));

        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_SH, NULL, NULL, &a), 0);
        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_SH, NULL, NULL, &b), 0);
        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_EX, NULL, NULL, &(struct lock_file){}), -EBUSY);
        lock_file_release(&a);
        assert_true(exists("l")); /* b still holds it */
        lock_file_release(&b);
        assert_false(exists("l"));

        put("l", "", 0600); /* left by a killed holder */
        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_EX, NULL, NULL, &a), 0);
        lock_file_release(&a);
        assert_false(exists("l"));
        lock_file_release(&a); /* twice: nothing */

        /* a sweep removes free lock files only */
        put("l", "", 0600);
        assert_int_equal(lock_file_remove_stale(dfd, "l"), 1);
        assert_false(exists("l"));
        assert_int_equal(lock_file_acquire(dfd, "l", LOCK_SH, NULL, NULL, &a), 0);
        assert_int_equal(lock_file_remove_stale(dfd, "l"), 0);
        assert_true(exists("l"));
        lock_file_release(&a);
        assert_int_equal(lock_file_remove_stale(dfd, "l"), 0); /* gone already */
}

/* image_path_lock(): nspawn's flock, the local and the global lock file; nspawn's own lock
 * (image_tree_lock) excludes it and the other way round. */
static void test_path_lock(void **state) {
        struct image_lock l = IMAGE_LOCK_INIT, m = IMAGE_LOCK_INIT;
        struct tree_lock t = TREE_LOCK_INIT;
        struct lock_file nl = LOCK_FILE_INIT, nl2 = LOCK_FILE_INIT;

        if (!is_root())
                skip(); /* the global locks live in /run/systemd/nspawn/locks */
        mk("s1/a");
        assert_int_equal(image_path_lock(at("s1/a"), LOCK_EX, &l), 0);
        assert_true(exists("s1/.#a.lck"));
        assert_int_equal(image_path_lock(at("s1/a"), LOCK_SH, &m), -EBUSY);
        _cleanup_close_ int fd = open(at("s1/a"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(image_lock(fd, true), -EBUSY); /* a container cannot start on it */
        assert_int_equal(image_tree_lock(fd, at("s1/a"), false, true, NULL, &t), -EBUSY);
        image_path_unlock(&l);
        assert_false(exists("s1/.#a.lck"));

        /* a running container (nspawn's lock) keeps it busy; read-only ones only from changes */
        assert_int_equal(image_tree_lock(fd, at("s1/a"), false, true, NULL, &t), 0);
        assert_int_equal(image_path_lock(at("s1/a"), LOCK_SH, &l), -EBUSY);
        image_tree_unlock(&t);
        assert_int_equal(image_tree_lock(fd, at("s1/a"), true, true, NULL, &t), 0);
        assert_int_equal(image_path_lock(at("s1/a"), LOCK_EX, &l), -EBUSY);
        assert_int_equal(image_path_lock(at("s1/a"), LOCK_SH, &l), 0);
        image_path_unlock(&l);
        image_tree_unlock(&t);

        /* the global lock file alone (a systemd-nspawn holding only that) is enough */
        assert_int_equal(image_lock_global(fd, LOCK_EX, NULL, NULL, &nl), 0);
        assert_int_equal(image_path_lock(at("s1/a"), LOCK_SH, &l), -EBUSY);
        lock_file_release(&nl);

        assert_int_equal(image_path_lock("/", LOCK_EX, &l), -EBUSY);
        assert_int_equal(image_path_lock("/", LOCK_SH, &l), 0);
        image_path_unlock(&l);

        assert_int_equal(image_name_lock(".host", &nl), -EBUSY);
        assert_int_equal(image_name_lock("bad/x", &nl), -EINVAL);
        assert_int_equal(image_name_lock("test-image-ops-n", &nl), 0);
        assert_int_equal(image_name_lock("test-image-ops-n", &nl2), -EBUSY);
        lock_file_release(&nl);
}

static bool image_exists(const char *name) {
        struct image i;
        if (image_get(name, &i) < 0)
                return false;
        image_done(&i);
        return true;
}

static void get(const char *name, struct image *ret) {
        assert_int_equal(image_get(name, ret), 0);
}

/* clone, rename, read-only, remove: with the .nspawn file, never over an existing image. */
static void test_ops(void **state) {
        char *error = NULL;
        struct image i;
        struct stat st;

        if (!is_root())
                skip(); /* locks in /run, the immutable attribute */
        mk("s2/a");
        mk("s2/a/etc");
        put("s2/a/etc/os-release", "ID=test\n", 0644);
        put("s2/a.nspawn", "[Exec]\n", 0644);

        get("a", &i);
        assert_int_equal(image_clone(&i, "b", false, &error), 0);
        assert_int_equal(image_clone(&i, "b", false, &error), -EEXIST);
        assert_int_equal(image_clone(&i, "bad/x", false, &error), -EINVAL);
        assert_string_equal(error, "Image name 'bad/x' is invalid.");
        free(error);
        error = NULL;
        assert_int_equal(image_clone(&i, ".host", false, &error), -EBUSY);
        image_done(&i);
        assert_true(exists("s1/b/etc/os-release")); /* in the pool: the first directory */
        assert_true(exists("s2/b.nspawn"));         /* next to the original settings file */

        get("b", &i);
        assert_int_equal(image_rename(&i, "a", &error), -EEXIST);
        assert_int_equal(image_set_read_only(&i, true, &error), 0);
        image_done(&i);
        get("b", &i);
        assert_true(i.read_only);
        assert_int_equal(image_rename(&i, "c", &error), 0);
        image_done(&i);
        assert_false(exists("s1/b"));
        get("c", &i);
        assert_true(i.read_only);                      /* still read-only after the rename */
        assert_int_equal(image_remove(&i, &error), 0); /* also when read-only */
        image_done(&i);
        assert_false(exists("s1/c"));
        assert_false(image_exists("c"));

        /* raw: read-only is the file mode */
        put("s2/r.raw", "data", 0644);
        get("r", &i);
        assert_int_equal(image_clone(&i, "r2", true, &error), 0);
        image_done(&i);
        assert_int_equal(stat(at("s1/r2.raw"), &st), 0);
        assert_int_equal(st.st_mode & 0777, 0444);
        get("r2", &i);
        assert_true(i.read_only);
        assert_int_equal(image_set_read_only(&i, false, &error), 0);
        assert_int_equal(stat(at("s1/r2.raw"), &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644);
        assert_int_equal(image_remove(&i, &error), 0);
        image_done(&i);
        assert_false(exists("s1/r2.raw"));

        /* .host and images in use stay */
        get(".host", &i);
        assert_int_equal(image_remove(&i, &error), -EROFS);
        assert_int_equal(image_rename(&i, "x", &error), -EROFS);
        image_done(&i);
        get("a", &i);
        struct image_lock l;
        assert_int_equal(image_path_lock(i.path, LOCK_SH, &l), 0);
        assert_int_equal(image_remove(&i, &error), -EBUSY);
        assert_int_equal(image_set_read_only(&i, true, &error), -EBUSY);
        image_path_unlock(&l);
        image_done(&i);
        assert_true(exists("s2/a/etc/os-release"));
}

/* A killed clone's temporary (unlocked) is swept by the next clone; a live one (locked) stays. */
static void test_temporaries(void **state) {
        char *error = NULL;
        struct image i;

        if (!is_root())
                skip();
        mk("s2/a");
        mk("s1/.#clone.b0123456789abcdef");
        mk("s1/.#clone.c0123456789abcdef");
        _cleanup_close_ int live =
                open(at("s1/.#clone.c0123456789abcdef"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(flock(live, LOCK_EX), 0);
        get("a", &i);
        assert_int_equal(image_clone(&i, "b", false, &error), 0);
        image_done(&i);
        assert_false(exists("s1/.#clone.b0123456789abcdef"));
        assert_true(exists("s1/.#clone.c0123456789abcdef"));
        assert_true(exists("s1/b"));
        close(live);
        live = -EBADF;
        _cleanup_close_ int s1 = open(at("s1"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(tmp_sweep(s1, IMAGE_CLONE_PREFIX, true), 1);
        assert_false(exists("s1/.#clone.c0123456789abcdef"));
}

static unsigned n_removed;
static void count_removed(const struct image *i, void *userdata) {
        n_removed++;
}

/* clean: the hidden images; --all: every one but .host; images in use stay. */
static void test_clean(void **state) {
        char *error = NULL;
        struct image_lock l;

        if (!is_root())
                skip();
        mk("s1/.h1");
        mk("s2/.h2");
        mk("s1/v");
        mk("s1/busy");
        assert_int_equal(image_path_lock(at("s1/busy"), LOCK_SH, &l), 0);
        n_removed = 0;
        assert_int_equal(image_clean(false, count_removed, NULL, &error), 0);
        assert_int_equal(n_removed, 2);
        assert_false(exists("s1/.h1") || exists("s2/.h2"));
        assert_true(exists("s1/v"));
        assert_int_equal(image_clean(true, count_removed, NULL, &error), 0);
        assert_int_equal(n_removed, 3);
        assert_false(exists("s1/v"));
        assert_true(exists("s1/busy"));
        image_path_unlock(&l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_search_path, path_setup),
                cmocka_unit_test_setup(test_discover, path_setup),
                cmocka_unit_test_setup(test_lock_file, path_setup),
                cmocka_unit_test_setup(test_path_lock, path_setup),
                cmocka_unit_test_setup(test_ops, path_setup),
                cmocka_unit_test_setup(test_temporaries, path_setup),
                cmocka_unit_test_setup(test_clean, path_setup),
        };
        return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
