/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * pull-tar URL [NAME], pull-raw URL [NAME] (--verify=no|checksum|signature, --force,
 * --read-only): machinectl 252's arguments and messages, the work of systemd-pull done here
 * (transfer.h). The image is streamed from libcurl (http.h) through a SHA-256 digest into the
 * unpacker (unpack.h) while it downloads, and verified before it is moved into place: SHA256SUMS
 * and its signature (verify.h) are fetched and checked first, the digest at the end. NAME.nspawn
 * next to the image on the server is fetched too (and verified) and kept next to the image, as
 * systemd-pull does. Unlike systemd-pull 252 no copy of the download stays in the pool as a hidden
 * ".tar-URL" image: the image is made once, in its temporary.
 */

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fdutil.h"
#include "http.h"
#include "image-ops.h"
#include "image-tmp.h"
#include "image.h"
#include "images.h"
#include "import-util.h"
#include "log.h"
#include "macro.h"
#include "name-valid.h"
#include "nspawnctl.h"
#include "transfer.h"
#include "verify.h"

#define SUMS_MAX (1024 * 1024)
#define SETTINGS_MAX (64 * 1024)

struct pull {
        struct transfer t;
        const char *url;
        bool raw;
        enum import_verify verify;
        char *sums;
        size_t sums_size;
        EVP_MD_CTX *digest;
        char *settings;
        size_t settings_size;
};

static char *mfree_error(char *p) {
        free(p);
        return NULL;
}

static void pull_done(struct pull *p) {
        free(p->sums);
        free(p->settings);
        if (p->digest)
                EVP_MD_CTX_free(p->digest);
}

/* "HTTP request to … failed" and the like, then what it means for the pull. */
static int log_fetch_failed(struct pull *p, int r, const char *error, const char *what) {
        progress_clear(&p->t.progress);
        if (r == -ECANCELED)
                return transfer_log_cancelled(&p->t);
        if (error)
                log_error("%s", error);
        return log_error("%s", what);
}

/* ---- verification --------------------------------------------------------------------------- */

static int fetch_sums(struct pull *p) {
        _cleanup_free_ char *sums_url = NULL, *sig_url = NULL, *sig = NULL, *error = NULL;
        const char *keyring;
        size_t sig_size;
        int r;

        if (p->verify == IMPORT_VERIFY_NO)
                return 0;
        if (import_url_change_last_component(p->url, "SHA256SUMS", &sums_url) < 0 ||
            asprintf(&sig_url, "%s.gpg", sums_url) < 0)
                return log_error_errno(ENOMEM, "Out of memory.");
        r = http_get_memory(sums_url, SUMS_MAX, p->t.signal_fd, &p->sums, &p->sums_size, &error);
        if (r < 0)
                return log_fetch_failed(
                        p, r, error,
                        "Failed to retrieve SHA256 checksum, cannot verify. (Try --verify=no?)");
        if (p->verify != IMPORT_VERIFY_SIGNATURE)
                return 0;

        error = mfree_error(error);
        r = http_get_memory(sig_url, SUMS_MAX, p->t.signal_fd, &sig, &sig_size, &error);
        if (r < 0)
                return log_fetch_failed(
                        p, r, error, "Failed to retrieve signature file, cannot verify. (Try --verify=no?)");
        if (verify_keyring(&keyring) < 0)
                return log_error(
                        "No keyring to verify the signature with: %s is missing. (Try --verify=no?)",
                        keyring);
        error = mfree_error(error);
        r = verify_signature(keyring, p->sums, p->sums_size, sig, sig_size, &error);
        if (r == -ENOENT)
                return log_error("Cannot verify the signature: gpgv is not installed. (Try --verify=no?)");
        if (r == -EBADMSG) {
                if (error)
                        log_error("%s", error);
                return log_error("DOWNLOAD INVALID: Signature verification failed.");
        }
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Failed to verify the signature: %m");
        log_info("Signature verification succeeded.");
        return 0;
}

/* The file behind url against SHA256SUMS. */
static int check_one(struct pull *p, const char *url, const char *hex) {
        _cleanup_free_ char *name = NULL;
        int r = import_url_last_component(url, &name);

        if (r < 0)
                return log_error_errno(r, "Failed to get final component of URL: %m");
        if (verify_checksum(p->sums, p->sums_size, name, hex) < 0)
                return log_error(
                        "DOWNLOAD INVALID: Checksum of %s file did not check out, file has been tampered "
                        "with.",
                        name);
        log_info("SHA256 checksum of %s is valid.", url);
        return 0;
}

static int digest_hex(EVP_MD_CTX *ctx, char hex[SHA256_HEX_LEN + 1]) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned n = 0;

        if (EVP_DigestFinal_ex(ctx, md, &n) != 1 || n != 32)
                return -EIO;
        verify_hex(md, n, hex);
        return 0;
}

/* ---- the image ------------------------------------------------------------------------------ */

static void on_start(uint64_t length, void *userdata) {
        struct pull *p = userdata;
        char size[32];

        if (length != UINT64_MAX) {
                log_info("Downloading %s for %s.", format_bytes(size, sizeof size, length), p->url);
                progress_set_total(&p->t.progress, length);
        }
}

static int on_data(const void *data, size_t size, void *userdata) {
        struct pull *p = userdata;

        if (p->digest && EVP_DigestUpdate(p->digest, data, size) != 1)
                return -EIO;
        return transfer_feed(&p->t, data, size);
}

static int fetch_image(struct pull *p) {
        _cleanup_free_ char *error = NULL;
        char size[32], hex[SHA256_HEX_LEN + 1];
        struct http_request req = {.url = p->url,
                                   .start = on_start,
                                   .sink = on_data,
                                   .userdata = p,
                                   .cancel_fd = p->t.signal_fd};
        uint64_t uncompressed = 0;
        int r;

        if (p->verify != IMPORT_VERIFY_NO &&
            (!(p->digest = EVP_MD_CTX_new()) || EVP_DigestInit_ex(p->digest, EVP_sha256(), NULL) != 1))
                return log_error("Failed to set up SHA-256.");
        if ((r = transfer_start_unpacker(&p->t)) < 0)
                return r;
        r = http_get(&req, &error);
        if (r == -ECANCELED)
                return transfer_log_cancelled(&p->t);
        if (r < 0 && r != -EPIPE)
                return log_fetch_failed(p, r, error, "Failed to retrieve image file.");
        /* -EPIPE: the unpacker stopped reading, and says why */
        transfer_progress(&p->t, p->t.fed, true);
        if ((r = transfer_finish_unpacker(&p->t, &uncompressed)) < 0)
                return r;
        log_info("Acquired %s.", format_bytes(size, sizeof size, uncompressed));
        log_info("Download of %s complete.", p->url);
        if (!p->digest)
                return 0;
        if (digest_hex(p->digest, hex) < 0)
                return log_error("Failed to get checksum.");
        return check_one(p, p->url, hex);
}

/* ---- the settings file ---------------------------------------------------------------------- */

static int fetch_settings(struct pull *p) {
        _cleanup_free_ char *url = NULL, *error = NULL;
        char hex[SHA256_HEX_LEN + 1];
        uint8_t md[32];
        int r;

        if (import_url_settings(p->url, p->raw, &url) < 0)
                return 0; /* no name to derive it from */
        r = http_get_memory(url, SETTINGS_MAX, p->t.signal_fd, &p->settings, &p->settings_size, &error);
        if (r == -ECANCELED)
                return transfer_log_cancelled(&p->t);
        if (r < 0) {
                log_info("%s", error ?: strerror(-r));
                log_info("Settings file could not be retrieved, proceeding without.");
                return 0;
        }
        log_info("Download of %s complete.", url);
        if (p->verify == IMPORT_VERIFY_NO)
                return 0;
        if (EVP_Digest(p->settings, p->settings_size, md, NULL, EVP_sha256(), NULL) != 1)
                return log_error("Failed to get checksum.");
        verify_hex(md, sizeof md, hex);
        return check_one(p, url, hex);
}

/* NAME.nspawn next to the image in the pool: written to a temporary, renamed into place (over an
 * old one only with --force). */
static int install_settings(struct pull *p) {
        _cleanup_free_ char *name = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!p->settings)
                return 0;
        if (asprintf(&name, "%s.nspawn", p->t.local) < 0)
                return log_error_errno(ENOMEM, "Out of memory.");
        fd = tmp_file_new(p->t.pool_fd, IMAGE_IMPORT_PREFIX, name, 0644, &tmp);
        if (fd < 0) {
                log_warning_errno(fd, "Failed to write %s, proceeding without: %m", name);
                return 0;
        }
        r = write_all(fd, p->settings, p->settings_size);
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = negative_errno();
        if (r >= 0 &&
            (p->t.ctl->force ? renameat(p->t.pool_fd, tmp, p->t.pool_fd, name)
                             : renameat2(p->t.pool_fd, tmp, p->t.pool_fd, name, RENAME_NOREPLACE)) < 0)
                r = negative_errno();
        if (r < 0)
                (void) unlinkat(p->t.pool_fd, tmp, 0);
        /* the image is in place: a settings file that could not be written is a warning */
        if (r == -EEXIST)
                log_warning("Settings file %s exists already, kept as it is.", name);
        else if (r < 0)
                log_warning_errno(r, "Failed to write %s, proceeding without: %m", name);
        return 0;
}

/* ---- the verbs ------------------------------------------------------------------------------ */

static int pull(struct ctl *c, int argc, char *argv[], bool raw) {
        _cleanup_free_ char *last = NULL, *local = NULL;
        const char *name;
        struct pull p = {.url = argv[1], .raw = raw, .verify = c->verify};
        int r;

        if (!http_url_is_valid(p.url))
                return log_error("URL '%s' is not valid.", p.url);
        if (argc >= 3)
                name = argv[2];
        else {
                r = import_url_last_component(p.url, &last);
                if (r < 0)
                        return log_error_errno(r, "Failed to get final component of URL: %m");
                name = last;
        }
        if (!*name || streq(name, "-"))
                return log_error("Pulling without a local name is not supported yet.");
        r = raw ? raw_strip_suffixes(name, &local) : tar_strip_suffixes(name, &local);
        if (r < 0 && r != -EINVAL)
                return log_error_errno(r, "Out of memory.");
        if (r < 0 || !machine_name_is_valid(local))
                return log_error("Local name %s is not a suitable machine name.", r < 0 ? name : local);

        transfer_init(&p.t, c, raw ? "pull-raw" : "pull-tar", local, p.url, raw);
        r = transfer_begin(&p.t);
        if (r >= 0)
                r = transfer_prepare(&p.t);
        if (r >= 0) {
                log_info("Pulling '%s', saving as '%s'.", p.url, local);
                r = fetch_sums(&p);
        }
        if (r >= 0)
                r = fetch_image(&p);
        if (r >= 0)
                r = fetch_settings(&p);
        if (r >= 0)
                r = transfer_install(&p.t);
        if (r >= 0)
                r = install_settings(&p);
        if (r >= 0) {
                log_info("Created new local image '%s'.", local);
                log_info("Operation completed successfully.");
                log_info("Exiting.");
        }
        transfer_end(&p.t);
        pull_done(&p);
        return r;
}

int verb_pull_tar(struct ctl *c, int argc, char *argv[]) {
        return pull(c, argc, argv, false);
}

int verb_pull_raw(struct ctl *c, int argc, char *argv[]) {
        return pull(c, argc, argv, true);
}
