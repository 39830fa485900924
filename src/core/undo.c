/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "undo.h"

#include "macro.h"

int undo_push(struct undo *u, void (*fn)(void *data), void *data) {
        struct undo_entry *e = realloc(u->entries, (u->n + 1) * sizeof(*e));
        if (!e) {
                fn(data);
                return -ENOMEM;
        }
        e[u->n++] = (struct undo_entry) { fn, data };
        u->entries = e;
        return 0;
}

void undo_run(struct undo *u) {
        while (u->n > 0) {
                struct undo_entry *e = &u->entries[--u->n];
                e->fn(e->data);
        }
        free(u->entries);
        u->entries = NULL;
}
