/* nova-volume: one structured log record for each change of state, with a
 * stable MESSAGE_ID (journalctl MESSAGE_ID=... finds every one of a kind,
 * whatever the text says) and the ids of what changed as fields. The
 * MESSAGE is one line a person can read. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NOVA_VOLUME_EVENT_VOLUME_CREATED,
  NOVA_VOLUME_EVENT_VOLUME_DELETED,
  NOVA_VOLUME_EVENT_VOLUME_EXTENDED,
  NOVA_VOLUME_EVENT_VOLUME_ATTACHED,
  NOVA_VOLUME_EVENT_VOLUME_DETACHED,
  NOVA_VOLUME_EVENT_VOLUME_EXPORTED,        /* a connection initialized */
  NOVA_VOLUME_EVENT_VOLUME_UNEXPORTED,      /* a connection terminated */
  NOVA_VOLUME_EVENT_SNAPSHOT_CREATED,
  NOVA_VOLUME_EVENT_SNAPSHOT_DELETED,
  NOVA_VOLUME_EVENT_VOLUME_ERROR,           /* a volume went to status error */
  NOVA_VOLUME_EVENT_OPERATION_FAILED,       /* a method failed */
  NOVA_VOLUME_EVENT_RECONCILED,             /* start-up brought state back */
  NOVA_VOLUME_EVENT_VOLUME_MIGRATED,        /* a volume moved to another backend */
  NOVA_VOLUME_EVENT_IMAGE_EXPORTED,         /* a volume copied out into an image */
  NOVA_VOLUME_EVENT_VOLUME_REVERTED,        /* a volume's bytes made a snapshot's again */
  NOVA_VOLUME_EVENT_THIN_POOL_WARNING,      /* a thin pool past thin_pool_warn_percent */
  NOVA_VOLUME_EVENT_VOLUME_MANAGED,         /* a backend's own object taken under control */
  NOVA_VOLUME_EVENT_VOLUME_UNMANAGED,       /* a volume let go of, its data left */
  NOVA_VOLUME_EVENT_BACKUP_CREATED,         /* a volume's bytes stored in the backup repository */
  NOVA_VOLUME_EVENT_BACKUP_RESTORED,        /* a backup's bytes written into a volume */
  NOVA_VOLUME_EVENT_BACKUP_DELETED,
  NOVA_VOLUME_EVENT_N_EVENTS,
} NovaVolumeEvent;

/* The event's MESSAGE_ID, 32 lowercase hex digits. */
const char *nova_volume_event_message_id (NovaVolumeEvent event);

/* The event's name ("volume-created"), the NOVA_VOLUME_EVENT field. */
const char *nova_volume_event_name (NovaVolumeEvent event);

/* Logs @event about @volume_id and/or @snapshot_id (either may be NULL);
 * failures with journal priority warning, the rest notice. */
void nova_volume_log_event (NovaVolumeEvent event,
                            const char     *volume_id,
                            const char     *snapshot_id,
                            const char     *format,
                            ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
