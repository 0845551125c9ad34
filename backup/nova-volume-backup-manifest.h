/* nova-volume: a backup's manifest, the small JSON file that makes a
 * backup: which volume it copied, how big, and the id of every chunk in
 * order. It names every chunk, an incremental backup's too (those it
 * shares with its parent by id), so a restore reads one manifest; and it
 * is written last, so a backup cut short has none. Read from a
 * repository anyone with access to it could have written: every field is
 * checked, nothing is trusted. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char      *id;            /* a UUID */
  char      *volume_id;     /* the source volume's, a UUID */
  char      *snapshot_id;   /* the snapshot it was taken from, or "" */
  char      *name;
  char      *description;
  char      *parent_id;     /* the backup it is incremental to, or "" for a full one */
  guint64    size;          /* of the volume, bytes */
  guint64    chunk_size;    /* bytes; the last chunk may be shorter */
  guint64    stored_bytes;  /* what it added to the repository */
  gint64     created_at;    /* microseconds since the epoch */
  GPtrArray *chunks;        /* char* ids, NULL for an all-zero chunk */
} NovaBackupManifest;

/* the bounds a manifest is held to */
#define NOVA_BACKUP_MIN_CHUNK_SIZE (64 * 1024)
#define NOVA_BACKUP_MAX_CHUNK_SIZE (64 * 1024 * 1024)
#define NOVA_BACKUP_MAX_NAME_LEN 255
#define NOVA_BACKUP_MAX_DESCRIPTION_LEN 1024

NovaBackupManifest *nova_backup_manifest_new      (void);
void                nova_backup_manifest_free     (NovaBackupManifest *manifest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaBackupManifest, nova_backup_manifest_free)

/* How many chunks of @chunk_size a volume of @size bytes has. */
guint64             nova_backup_manifest_n_chunks (guint64 size, guint64 chunk_size);
/* The length of chunk @index (the last one may be shorter). */
guint64             nova_backup_manifest_chunk_len (const NovaBackupManifest *manifest, guint64 index);

/* The manifest as JSON text (a new string, its length in *out_len). */
char               *nova_backup_manifest_to_json   (const NovaBackupManifest *manifest, gsize *out_len);

/* Reads a manifest; G_IO_ERROR_INVALID_DATA naming what is wrong when it
 * is not one this version wrote (or could have). */
NovaBackupManifest *nova_backup_manifest_from_json (const char *data, gsize len, GError **error);

G_END_DECLS
