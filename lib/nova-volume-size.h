/* nova-volume: sizes as people write and read them ("10G", "10.0 GiB") */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses "1073741824", "10G", "10GiB", "512M", "1.5T", "4096K", "2048B"
 * (suffixes K M G T P E, binary multiples, optional "iB"/"B", any case,
 * no spaces, no sign). Refuses 0 only when allow_zero is FALSE, anything
 * that overflows 64 bits, and trailing garbage, with
 * NOVA_VOLUME_ERROR_INVALID_ARGUMENT and a message that quotes the input. */
gboolean nova_volume_size_parse (const char  *text,
                                 gboolean     allow_zero,
                                 guint64     *out_bytes,
                                 GError     **error);

/* "0 B", "512 B", "1.0 KiB", "10.0 GiB", "1.5 TiB": one decimal, binary units. */
char *nova_volume_size_format (guint64 bytes);

G_END_DECLS
