/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * machinectl's tables (systemd's format-table, as 252 prints them): left-aligned columns one
 * space apart, each as wide as its widest shown cell, no trailing spaces, "-" for a missing cell;
 * a cell may hold several lines (addresses), cut to a maximum height with "…". As JSON: an array
 * of objects keyed by the lower-case column names, missing cells null.
 */

#include <stdbool.h>
#include <stdio.h>

#include "nspawnctl.h"

struct table;

struct table *table_new(const char *const *columns, size_t n_columns);
struct table *table_free(struct table *t);
static inline void table_freep(struct table **t) {
        *t = table_free(*t);
}
/* Append a row: n_columns cells, NULL or "" for a missing one (copied). */
int table_add_row(struct table *t, const char *const *cells);
size_t table_rows(const struct table *t);
/* Rows by their first column. */
void table_sort(struct table *t);
/* Column c is right-aligned, its header too (machinectl's USAGE). */
void table_set_right_aligned(struct table *t, size_t column);
/* What a missing cell of column c shows instead of "-" ("" leaves it blank; a column is at least
 * one wide, as systemd's). */
int table_set_missing(struct table *t, size_t column, const char *text);
/* A multi-line cell shows at most this many lines (0: all). */
void table_set_height_max(struct table *t, unsigned lines);
int table_print(const struct table *t, bool header, FILE *f);
int table_print_json(const struct table *t, enum output_mode mode, FILE *f);

/* systemd's JSON text of a jansson value: compact, or pretty with tabs and "key" : value. */
struct json_t;
int json_print(struct json_t *v, bool pretty, FILE *f);
/* The width of a UTF-8 string in terminal columns (one per character). */
size_t utf8_width(const char *s, size_t n);
