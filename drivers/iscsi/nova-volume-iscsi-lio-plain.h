/* nova-volume: a plain directory standing in for LIO's configfs, for the
 * fake driver and the tests (nova_iscsi_lio_set_plain_tree): what configfs
 * makes by itself below a new directory (its default groups and
 * attributes) is made, and the kernel's refusals that a wrong order would
 * run into are given, so the helper takes the same paths as on a real
 * configfs. Each takes the tree's root (<configfs>/target) and a path
 * relative to it, and returns 0 or an errno. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int nova_lio_plain_mkdir           (const char *lio_dir, const char *rel);
int nova_lio_plain_write           (const char *lio_dir, const char *rel, const char *value);
/* 0 when the link may be made (the helper then makes it) */
int nova_lio_plain_symlink_refusal (const char *lio_dir, const char *rel, const char *target_rel);
int nova_lio_plain_rmdir           (const char *lio_dir, const char *rel);

G_END_DECLS
