/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd's pager: when stdout is a terminal, output goes through $SYSTEMD_PAGER, $PAGER, less or
 * more (LESS=FRSXMK unless set); "" or "cat" means none. pager_close() waits for it. */
void pager_open(void);
void pager_close(void);
