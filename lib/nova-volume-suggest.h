/* nova-volume: the word a person most likely meant by a typo: a
 * command of the CLI, a key of the configuration file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The edits (insert, delete or replace a character, swap two adjacent
 * ones) that turn @a into @b, ignoring case: a typo is one or two. */
gsize       nova_volume_edit_distance (const char *a, const char *b);

/* The word of @known (NULL-terminated) nearest to @word when it is near
 * enough to be a typo of it (a third of it wrong at most) or @word starts
 * it (three characters at least), else NULL. */
const char *nova_volume_suggest       (const char *word, const char *const *known);

G_END_DECLS
