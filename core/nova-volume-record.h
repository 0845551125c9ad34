/* nova-volume: what the store keeps of a volume, a snapshot and a
 * connection. Plain structs with copy/free: the manager owns the live
 * copies on the main thread and hands copies to driver threads. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  NOVA_VOLUME_STATUS_CREATING,
  NOVA_VOLUME_STATUS_AVAILABLE,
  NOVA_VOLUME_STATUS_ATTACHING,
  NOVA_VOLUME_STATUS_IN_USE,
  NOVA_VOLUME_STATUS_DETACHING,
  NOVA_VOLUME_STATUS_EXTENDING,
  NOVA_VOLUME_STATUS_DELETING,
  NOVA_VOLUME_STATUS_ERROR,
  NOVA_VOLUME_STATUS_ERROR_DELETING,
  NOVA_VOLUME_STATUS_MIGRATING,       /* being copied to another backend */
  NOVA_VOLUME_STATUS_REVERTING,       /* its bytes being made a snapshot's again */
  NOVA_VOLUME_STATUS_RESTORING_BACKUP, /* its bytes being replaced by a backup's */
} NovaVolumeStatus;

typedef enum {
  NOVA_SNAPSHOT_STATUS_CREATING,
  NOVA_SNAPSHOT_STATUS_AVAILABLE,
  NOVA_SNAPSHOT_STATUS_DELETING,
  NOVA_SNAPSHOT_STATUS_ERROR,
  NOVA_SNAPSHOT_STATUS_ERROR_DELETING,
} NovaSnapshotStatus;

/* "in-use", "error_deleting", ...: the names of the API and the store. */
const char *nova_volume_status_to_string   (NovaVolumeStatus status);
gboolean    nova_volume_status_from_string (const char *text, NovaVolumeStatus *out);
const char *nova_snapshot_status_to_string   (NovaSnapshotStatus status);
gboolean    nova_snapshot_status_from_string (const char *text, NovaSnapshotStatus *out);

/* One instance a volume is attached to (Volume.Attach). */
typedef struct {
  char   *id;             /* UUID */
  char   *instance_uuid;
  char   *mountpoint;
  char   *host;           /* never NULL: "" when the caller named none */
  char   *mode;           /* "rw" or "ro" */
  char   *connector;      /* never NULL: the connector its host connected with (GVariant
                           * text, a{sv}, secrets left out), "" until it connects */
  gint64  attached_at;    /* usec since the epoch */
} NovaAttachmentRecord;

NovaAttachmentRecord *nova_attachment_record_new  (void);
NovaAttachmentRecord *nova_attachment_record_copy (const NovaAttachmentRecord *record);
void                  nova_attachment_record_free (NovaAttachmentRecord *record);

typedef struct {
  char              *id;                /* UUID */
  char              *name;              /* never NULL ("" when none) */
  char              *description;       /* never NULL */
  guint64            size;              /* bytes */
  NovaVolumeStatus   status;
  char              *status_reason;     /* never NULL */
  gboolean           multiattach;       /* may be attached to several instances */
  GPtrArray         *attachments;       /* NovaAttachmentRecord, oldest first; never NULL */
  /* the first attachment's, for the seed's single-attachment view (the
   * store's columns and the Volume properties of the same names); kept
   * by nova_volume_record_sync_attached */
  gboolean           attached;          /* AttachStatus attached/detached */
  char              *instance_uuid;     /* never NULL */
  char              *mountpoint;        /* never NULL */
  char              *attached_host;     /* never NULL */
  char              *availability_zone; /* never NULL */
  char              *source_snapshot_id;/* NULL when none */
  char              *source_volume_id;  /* NULL when none */
  char              *provider_location; /* never NULL; set by the driver */
  char              *provider_auth;     /* never NULL; secret, never exported */
  char              *driver;            /* short name of the creating driver */
  char              *backend;           /* the backend it lives on */
  char              *migration;         /* never NULL: "" none, "to:BACKEND" while copied
                                         * there, "from:BACKEND" while the copy left there
                                         * is deleted (Migrate) */
  char              *reverting_to;      /* never NULL: "" none, else the snapshot a revert
                                         * was asked for, until it is done (init_host
                                         * finishes an interrupted one) */
  gint64             created_at;        /* usec since the epoch */
  gint64             updated_at;        /* usec since the epoch */
  GHashTable        *metadata;          /* char* -> char*, never NULL */
} NovaVolumeRecord;

typedef struct {
  char               *id;
  char               *volume_id;
  char               *name;
  char               *description;
  guint64             size;
  NovaSnapshotStatus  status;
  char               *status_reason;
  double              progress;         /* 0.0 .. 1.0 */
  char               *provider_location;
  gint64              created_at;
  gint64              updated_at;
} NovaSnapshotRecord;

/* A new record with every string "" (metadata empty), ids NULL. */
NovaVolumeRecord   *nova_volume_record_new    (void);
NovaVolumeRecord   *nova_volume_record_copy   (const NovaVolumeRecord *record);
void                nova_volume_record_free   (NovaVolumeRecord *record);
NovaSnapshotRecord *nova_snapshot_record_new  (void);
NovaSnapshotRecord *nova_snapshot_record_copy (const NovaSnapshotRecord *record);
void                nova_snapshot_record_free (NovaSnapshotRecord *record);

/* attached, instance_uuid, mountpoint and attached_host made the first
 * attachment's again (cleared when there is none), after the attachments
 * changed. */
void nova_volume_record_sync_attached (NovaVolumeRecord *volume);
/* The attachment with id @id, or NULL. */
NovaAttachmentRecord *nova_volume_record_find_attachment (const NovaVolumeRecord *volume, const char *id);

/* The one check of a volume or snapshot id before a driver makes a name,
 * a path or an argv word of it: ids are UUIDs the manager chose, but
 * nothing that could climb out of a directory, be read as an option or
 * split a command line may pass: not empty, no '/', no whitespace or
 * control character, not starting with '.' or '-'. InvalidArgument
 * naming @kind ("volume", "snapshot") and the id. */
gboolean nova_volume_check_id (const char *kind, const char *id, GError **error);

/* Replace a string field: g_free the old, g_strdup the new (NULL -> ""
 * unless the field may be NULL, then pass NULL through). */
void nova_record_set_string (char **field, const char *value);

GType nova_volume_record_get_type   (void) G_GNUC_CONST;
GType nova_snapshot_record_get_type (void) G_GNUC_CONST;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaVolumeRecord, nova_volume_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaSnapshotRecord, nova_snapshot_record_free)

G_END_DECLS
