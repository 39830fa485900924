/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The verb table: machinectl 252's verbs with its argument counts (the verb itself included).
 * main.c dispatches from it, --help lists it, gen-completion.c makes the bash completion of it.
 * A verb without a function is machinectl's but not built yet: it is refused as "not supported
 * yet" after its arguments were checked.
 */

#include <stddef.h>

#include "config.h"
#include "macro.h"
#include "nspawnctl.h"

/* The transfer verbs need libarchive, libcurl and libcrypto (meson feature "import"): they run in
 * nspawn-transfer (verb_transfer()). */
#if HAVE_IMPORT
#define IMPORT_VERB verb_transfer
#else
#define IMPORT_VERB NULL
#endif

const char *const verb_group_title[_VERB_GROUP_MAX] = {
        [VERB_GROUP_MACHINE] = "Machine Commands",
        [VERB_GROUP_IMAGE] = "Image Commands",
        [VERB_GROUP_TRANSFER] = "Image Transfer Commands",
};

#define M VERB_GROUP_MACHINE
#define I VERB_GROUP_IMAGE
#define X VERB_GROUP_TRANSFER

const struct verb verbs[] = {
        {"help", VERB_ANY, VERB_ANY, false, verb_help, M, NULL, NULL, COMPLETE_NONE},
        {"list", VERB_ANY, 1, true, verb_list, M, "list", "List running VMs and containers", COMPLETE_NONE},
        {"status", 2, VERB_ANY, false, verb_status, M, "status NAME...", "Show VM/container details",
         COMPLETE_MACHINES},
        {"show", VERB_ANY, VERB_ANY, false, verb_show, M, "show [NAME...]",
         "Show properties of one or more VMs/containers", COMPLETE_MACHINES},
        {"start", 2, VERB_ANY, false, verb_start, M, "start NAME...", "Start container as a service",
         COMPLETE_IMAGES},
        {"login", VERB_ANY, 2, false, verb_login, M, "login [NAME]",
         "Get a login prompt in a container or on the local host", COMPLETE_MACHINES},
        {"shell", VERB_ANY, VERB_ANY, false, verb_shell, M, "shell [[USER@]NAME [COMMAND...]]",
         "Invoke a shell (or other command) in a container or on the local host", COMPLETE_MACHINES},
        {"enable", 2, VERB_ANY, false, verb_enable, M, "enable NAME...",
         "Enable automatic container start at boot", COMPLETE_IMAGES},
        {"disable", 2, VERB_ANY, false, verb_enable, M, "disable NAME...",
         "Disable automatic container start at boot", COMPLETE_IMAGES},
        {"poweroff", 2, VERB_ANY, false, verb_poweroff, M, "poweroff NAME...",
         "Power off one or more containers", COMPLETE_MACHINES},
        {"stop", 2, VERB_ANY, false, verb_poweroff, M, "stop NAME...",
         "Power off one or more containers (alias)", COMPLETE_MACHINES},
        {"reboot", 2, VERB_ANY, false, verb_reboot, M, "reboot NAME...", "Reboot one or more containers",
         COMPLETE_MACHINES},
        {"terminate", 2, VERB_ANY, false, verb_terminate, M, "terminate NAME...",
         "Terminate one or more VMs/containers", COMPLETE_MACHINES},
        {"kill", 2, VERB_ANY, false, verb_kill, M, "kill NAME...",
         "Send signal to processes of a VM/container", COMPLETE_MACHINES},
        {"copy-to", 3, 4, false, verb_copy_to, M, "copy-to NAME PATH [PATH]",
         "Copy files from the host to a container", COMPLETE_MACHINES},
        {"copy-from", 3, 4, false, verb_copy_from, M, "copy-from NAME PATH [PATH]",
         "Copy files from a container to the host", COMPLETE_MACHINES},
        {"bind", 3, 4, false, verb_bind, M, "bind NAME PATH [PATH]",
         "Bind mount a path from the host into a container", COMPLETE_MACHINES},
        {"list-images", VERB_ANY, 1, false, verb_list_images, I, "list-images",
         "Show available container and VM images", COMPLETE_NONE},
        {"image-status", VERB_ANY, VERB_ANY, false, verb_image_status, I, "image-status [NAME...]",
         "Show image details", COMPLETE_IMAGES},
        {"show-image", VERB_ANY, VERB_ANY, false, verb_show_image, I, "show-image [NAME...]",
         "Show properties of image", COMPLETE_IMAGES},
        {"clone", 3, 3, false, verb_clone, I, "clone NAME NAME", "Clone an image", COMPLETE_IMAGES},
        {"rename", 3, 3, false, verb_rename, I, "rename NAME NAME", "Rename an image", COMPLETE_IMAGES},
        {"read-only", 2, 3, false, verb_read_only, I, "read-only NAME [BOOL]",
         "Mark or unmark image read-only", COMPLETE_IMAGES},
        {"remove", 2, VERB_ANY, false, verb_remove, I, "remove NAME...", "Remove an image", COMPLETE_IMAGES},
        {"set-limit", 2, 3, false, verb_set_limit, I, "set-limit [NAME] BYTES",
         "Set image or pool size limit (disk quota)", COMPLETE_IMAGES},
        {"clean", VERB_ANY, 1, false, verb_clean, I, "clean", "Remove hidden (or all) images",
         COMPLETE_NONE},
        {"pull-tar", 2, 3, false, IMPORT_VERB, X, "pull-tar URL [NAME]", "Download a TAR container image",
         COMPLETE_NONE},
        {"pull-raw", 2, 3, false, IMPORT_VERB, X, "pull-raw URL [NAME]",
         "Download a RAW container or VM image", COMPLETE_NONE},
        {"import-tar", 2, 3, false, IMPORT_VERB, X, "import-tar FILE [NAME]",
         "Import a local TAR container image", COMPLETE_FILES},
        {"import-raw", 2, 3, false, IMPORT_VERB, X, "import-raw FILE [NAME]",
         "Import a local RAW container or VM image", COMPLETE_FILES},
        {"import-fs", 2, 3, false, IMPORT_VERB, X, "import-fs DIRECTORY [NAME]",
         "Import a local directory container image", COMPLETE_FILES},
        {"export-tar", 2, 3, false, IMPORT_VERB, X, "export-tar NAME [FILE]",
         "Export a TAR container image locally", COMPLETE_IMAGES},
        {"export-raw", 2, 3, false, IMPORT_VERB, X, "export-raw NAME [FILE]",
         "Export a RAW container or VM image locally", COMPLETE_IMAGES},
        {"list-transfers", VERB_ANY, 1, false, IMPORT_VERB, X, "list-transfers",
         "Show list of downloads in progress", COMPLETE_NONE},
        {"cancel-transfer", 2, VERB_ANY, false, IMPORT_VERB, X, "cancel-transfer [ID...]",
         "Cancel a download", COMPLETE_NONE},
};

const size_t n_verbs = ELEMENTSOF(verbs);

const struct verb *verb_find(const char *name) {
        for (size_t i = 0; i < n_verbs; i++)
                if ((!name && verbs[i].is_default) || (name && streq(name, verbs[i].name)))
                        return &verbs[i];
        return NULL;
}
