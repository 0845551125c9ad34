/* nova-volume: secrets made by the daemon itself (CHAP user names and
 * passwords), drawn from the kernel's random number generator. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @length characters from [A-Za-z0-9], each equally likely, from
 * getrandom(2). Never fails: a kernel without getrandom is fatal
 * (g_error), since a guessable secret is worse than none. Free with
 * g_free (). */
char *nova_volume_secret_generate (gsize length);

G_END_DECLS
