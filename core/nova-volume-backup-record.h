/* nova-volume: what the store keeps of a backup. The bytes and the
 * chunk list are in the repository's manifest; the row is what this
 * daemon knows of it (its status, why it failed). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  NOVA_BACKUP_STATUS_CREATING,
  NOVA_BACKUP_STATUS_AVAILABLE,
  NOVA_BACKUP_STATUS_RESTORING,
  NOVA_BACKUP_STATUS_DELETING,
  NOVA_BACKUP_STATUS_ERROR,
} NovaBackupStatus;

/* "creating", "available", ...: the names of the API and the store. */
const char *nova_backup_status_to_string   (NovaBackupStatus status);
gboolean    nova_backup_status_from_string (const char *text, NovaBackupStatus *out);

typedef struct {
  char             *id;            /* UUID */
  char             *volume_id;     /* the source volume's (it may be gone) */
  char             *snapshot_id;   /* never NULL: "" when the volume itself was read */
  char             *name;          /* never NULL */
  char             *description;   /* never NULL */
  char             *parent_id;     /* never NULL: "" for a full backup */
  guint64           size;          /* the volume's, bytes */
  guint64           stored_bytes;  /* what it added to the repository */
  NovaBackupStatus  status;
  char             *status_reason; /* never NULL */
  gint64            created_at;    /* usec since the epoch */
  gint64            updated_at;
} NovaBackupRecord;

/* A new record with every string "" and status creating. */
NovaBackupRecord *nova_backup_record_new  (void);
NovaBackupRecord *nova_backup_record_copy (const NovaBackupRecord *record);
void              nova_backup_record_free (NovaBackupRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaBackupRecord, nova_backup_record_free)

G_END_DECLS
