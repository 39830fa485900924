/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the image verbs (images.c, images-ops.c) share. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* systemd's FORMAT_BYTES(): "512B", "16.0K", "1.5G" (IEC, one decimal); "" for UINT64_MAX. */
char *format_bytes(char *buf, size_t size, uint64_t bytes);

/* The image NAME, or log machined's answer: "Could not WHAT: No image 'NAME' known", and for an
 * invalid name with check_name (the verbs that change an image) "Could not WHAT: Image name 'NAME'
 * is invalid." (without: no image is known by it). */
int image_get_or_log(const char *name, const char *what, bool check_name, struct image *ret);

/* "Could not WHAT: Invalid $NSPAWN_IMAGE_PATH: ..." */
int log_invalid_image_path(const char *what);
