/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawn-transfer: nspawnctl's command line (cli.c) with the transfer verbs, which alone link
 * libarchive, libcurl and libcrypto. nspawnctl executes it, with the same command line, for those
 * verbs only (verb_transfer()).
 */

#include <stddef.h>
#include <string.h>

#include "macro.h"
#include "nspawnctl.h"
#include "log.h"

static const struct {
        const char *name;
        int (*run)(struct ctl *c, int argc, char *argv[]);
} transfer_verbs[] = {
        {"import-tar", verb_import_tar},
        {"import-raw", verb_import_raw},
        {"import-fs", verb_import_fs},
        {"export-tar", verb_export_tar},
        {"export-raw", verb_export_raw},
        {"pull-tar", verb_pull_tar},
        {"pull-raw", verb_pull_raw},
        {"list-transfers", verb_list_transfers},
        {"cancel-transfer", verb_cancel_transfer},
};

static int transfer_dispatch(struct ctl *c, int argc, char *argv[]) {
        for (size_t i = 0; i < ELEMENTSOF(transfer_verbs); i++)
                if (streq(argv[0], transfer_verbs[i].name))
                        return transfer_verbs[i].run(c, argc, argv);
        return log_error("Command verb %s is not a transfer verb.", argv[0]);
}

int main(int argc, char *argv[]) {
        return nspawnctl_main(argc, argv, transfer_dispatch);
}
