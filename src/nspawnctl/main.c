/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawnctl: machinectl's job (cli.c); the transfer verbs are nspawn-transfer's (transfer-main.c). */

#include "nspawnctl.h"

int main(int argc, char *argv[]) {
        return nspawnctl_main(argc, argv, NULL);
}
