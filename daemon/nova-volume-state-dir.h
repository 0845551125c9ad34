/* nova-volume: the state directory, held open for the life of the
 * daemon. Everything the daemon keeps there (the lock's pid, the store's
 * identity, the reserve) is reached beneath this descriptor, never
 * through a link, and the directory itself must be the daemon's own
 * (see nova-volume-private-dir.h). */
#pragma once

#include <glib.h>

#include "nova-volume-store.h"

G_BEGIN_DECLS

typedef struct _NovaVolumeStateDir NovaVolumeStateDir;

/* Makes @path (with its parents, mode 0700) if missing, opens it and
 * checks it is private. @path is absolute. */
NovaVolumeStateDir *nova_volume_state_dir_open  (const char          *path,
                                                 GError             **error);
void                nova_volume_state_dir_free  (NovaVolumeStateDir  *self);
const char         *nova_volume_state_dir_get_path (NovaVolumeStateDir *self);
int                 nova_volume_state_dir_get_fd   (NovaVolumeStateDir *self);

/* The lock on the directory itself, which the kernel drops when the
 * process dies and which no file operation can take away. 0 when taken,
 * else the errno (EWOULDBLOCK: another daemon has it). */
int   nova_volume_state_dir_try_lock   (NovaVolumeStateDir *self);
/* Writes our pid into <dir>/lock, which only tells people who holds it. */
void  nova_volume_state_dir_write_pid  (NovaVolumeStateDir *self);
/* The pid in <dir>/lock, 0 when unreadable. */
long  nova_volume_state_dir_lock_owner (NovaVolumeStateDir *self);

/* The store's file name in the directory. */
#define NOVA_VOLUME_STATE_DIR_STORE "nova-volume.db"

/* Before the store is opened (which would make a new one): a store that
 * is gone or empty while the directory says it had one is an error, unless
 * @recovering (nova-volumed --recover), which logs it and goes on. */
gboolean nova_volume_state_dir_check_store_present   (NovaVolumeStateDir  *self,
                                                      gboolean             recovering,
                                                      GError             **error);
/* After: the store's identity and the directory's agree, or are made;
 * @recovering takes the store there is as the directory's. */
gboolean nova_volume_state_dir_settle_store_identity (NovaVolumeStateDir  *self,
                                                      NovaVolumeStore     *store,
                                                      gboolean             recovering,
                                                      GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaVolumeStateDir, nova_volume_state_dir_free)

G_END_DECLS
