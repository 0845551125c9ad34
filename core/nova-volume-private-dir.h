/* nova-volume: a directory whose files the daemon trusts must be its own,
 * as sshd's StrictModes asks of ~/.ssh: owned by the daemon's uid and
 * writable by nobody else, or another user could put a link or a FIFO
 * where the daemon expects its file by the time it opens it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks the directory open on @dir_fd. @what names it for a person
 * ("file_volumes_dir", "the state directory") and @path says where it
 * is; the error gives the chown or chmod that fixes it. */
gboolean nova_volume_check_private_dir (int          dir_fd,
                                        const char  *what,
                                        const char  *path,
                                        GError     **error);

G_END_DECLS
