/* nova-volume: the state store. One SQLite connection, serialized by a
 * recursive mutex so that the put/delete calls made from inside
 * nova_volume_store_transaction's func run on the same transaction. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "nova-volume-error.h"
#include "nova-volume-ledger.h"
#include "nova-volume-store.h"

/* Statements are prepared once per text and kept (parsing SQL was a
 * ninth of the time of a busy daemon): store_prepare hands out the kept
 * one when nobody uses it, and the autoptr's release resets it instead of
 * finalizing it. Which statements are kept, and which are handed out, is
 * known here without the store, so the release needs nothing but the
 * statement and may run after the store's mutex was let go. */
static GMutex kept_lock;
static GHashTable *kept_in_use;   /* sqlite3_stmt* kept -> GINT_TO_POINTER (handed out) */

/* SQLite's virtual-machine steps of every statement run through
 * store_prepare: a query that reads n rows takes some multiple of n, so a
 * test can show that a call does not grow with the store */
static guint64 vm_steps;   /* under kept_lock */

static void
store_stmt_release (sqlite3_stmt *stmt)
{
  int steps = sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, TRUE);
  gboolean kept;

  g_mutex_lock (&kept_lock);
  vm_steps += (guint64) MAX (steps, 0);
  kept = kept_in_use != NULL && g_hash_table_contains (kept_in_use, stmt);
  if (kept)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      g_hash_table_insert (kept_in_use, stmt, GINT_TO_POINTER (FALSE));
    }
  g_mutex_unlock (&kept_lock);
  if (!kept)
    sqlite3_finalize (stmt);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, store_stmt_release)

struct _NovaVolumeStore
{
  GObject    parent_instance;

  sqlite3   *db;
  char      *path;
  int        schema_version;
  GRecMutex  mutex;
  GHashTable *statements;  /* SQL text -> its kept sqlite3_stmt */
  /* open transaction levels: 0 outside, 1 inside BEGIN, more inside
   * savepoints; only touched with the mutex held */
  guint      depth;
};

static void nova_volume_store_ledger_init (NovaVolumeLedgerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeStore, nova_volume_store, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_LEDGER, nova_volume_store_ledger_init))

/* ---------------------------------------------------------------------
 * rows: one table per record says which column holds which field and
 * how; the statements that write and read a row are made from it, and one
 * pair of functions moves any record in and out of its row. A new column
 * is one line here (and its migration). */

typedef enum {
  COL_TEXT,            /* char *, never NULL ("" for NULL either way) */
  COL_TEXT_NULLABLE,   /* char *, NULL stays NULL */
  COL_UINT64,          /* guint64, its bit pattern as a signed 64-bit integer */
  COL_INT64,
  COL_BOOLEAN,         /* gboolean as 0/1 */
  COL_DOUBLE,
  COL_VOLUME_STATUS,   /* NovaVolumeStatus by its name */
  COL_SNAPSHOT_STATUS, /* NovaSnapshotStatus by its name */
  COL_BACKUP_STATUS,   /* NovaBackupStatus by its name */
} ColumnType;

typedef struct {
  const char *name;
  ColumnType  type;
  gsize       offset;  /* of the field in the record */
} Column;

#define VOLUME_FIELD(f) G_STRUCT_OFFSET (NovaVolumeRecord, f)
static const Column volume_columns[] = {
  { "id", COL_TEXT, VOLUME_FIELD (id) },  /* first: the key */
  { "name", COL_TEXT, VOLUME_FIELD (name) },
  { "description", COL_TEXT, VOLUME_FIELD (description) },
  { "size", COL_UINT64, VOLUME_FIELD (size) },
  { "status", COL_VOLUME_STATUS, VOLUME_FIELD (status) },
  { "status_reason", COL_TEXT, VOLUME_FIELD (status_reason) },
  { "attached", COL_BOOLEAN, VOLUME_FIELD (attached) },
  { "instance_uuid", COL_TEXT, VOLUME_FIELD (instance_uuid) },
  { "mountpoint", COL_TEXT, VOLUME_FIELD (mountpoint) },
  { "attached_host", COL_TEXT, VOLUME_FIELD (attached_host) },
  { "availability_zone", COL_TEXT, VOLUME_FIELD (availability_zone) },
  { "source_snapshot_id", COL_TEXT_NULLABLE, VOLUME_FIELD (source_snapshot_id) },
  { "source_volume_id", COL_TEXT_NULLABLE, VOLUME_FIELD (source_volume_id) },
  { "provider_location", COL_TEXT, VOLUME_FIELD (provider_location) },
  { "provider_auth", COL_TEXT, VOLUME_FIELD (provider_auth) },
  { "driver", COL_TEXT, VOLUME_FIELD (driver) },
  { "created_at", COL_INT64, VOLUME_FIELD (created_at) },
  { "updated_at", COL_INT64, VOLUME_FIELD (updated_at) },
  { "backend", COL_TEXT, VOLUME_FIELD (backend) },
  { "migration", COL_TEXT, VOLUME_FIELD (migration) },
  { "reverting_to", COL_TEXT, VOLUME_FIELD (reverting_to) },
  { "multiattach", COL_BOOLEAN, VOLUME_FIELD (multiattach) },
};

#define SNAPSHOT_FIELD(f) G_STRUCT_OFFSET (NovaSnapshotRecord, f)
static const Column snapshot_columns[] = {
  { "id", COL_TEXT, SNAPSHOT_FIELD (id) },  /* first: the key */
  { "volume_id", COL_TEXT, SNAPSHOT_FIELD (volume_id) },
  { "name", COL_TEXT, SNAPSHOT_FIELD (name) },
  { "description", COL_TEXT, SNAPSHOT_FIELD (description) },
  { "size", COL_UINT64, SNAPSHOT_FIELD (size) },
  { "status", COL_SNAPSHOT_STATUS, SNAPSHOT_FIELD (status) },
  { "status_reason", COL_TEXT, SNAPSHOT_FIELD (status_reason) },
  { "progress", COL_DOUBLE, SNAPSHOT_FIELD (progress) },
  { "provider_location", COL_TEXT, SNAPSHOT_FIELD (provider_location) },
  { "created_at", COL_INT64, SNAPSHOT_FIELD (created_at) },
  { "updated_at", COL_INT64, SNAPSHOT_FIELD (updated_at) },
};

#define BACKUP_FIELD(f) G_STRUCT_OFFSET (NovaBackupRecord, f)
static const Column backup_columns[] = {
  { "id", COL_TEXT, BACKUP_FIELD (id) },  /* first: the key */
  { "volume_id", COL_TEXT, BACKUP_FIELD (volume_id) },
  { "snapshot_id", COL_TEXT, BACKUP_FIELD (snapshot_id) },
  { "name", COL_TEXT, BACKUP_FIELD (name) },
  { "description", COL_TEXT, BACKUP_FIELD (description) },
  { "parent_id", COL_TEXT, BACKUP_FIELD (parent_id) },
  { "size", COL_UINT64, BACKUP_FIELD (size) },
  { "stored_bytes", COL_UINT64, BACKUP_FIELD (stored_bytes) },
  { "status", COL_BACKUP_STATUS, BACKUP_FIELD (status) },
  { "status_reason", COL_TEXT, BACKUP_FIELD (status_reason) },
  { "created_at", COL_INT64, BACKUP_FIELD (created_at) },
  { "updated_at", COL_INT64, BACKUP_FIELD (updated_at) },
};

typedef struct {
  const char   *table;
  const char   *what;     /* "volume", for messages */
  const Column *columns;
  gsize         n_columns;
  char         *select;   /* SELECT <columns> FROM <table> */
  char         *upsert;   /* INSERT ... ON CONFLICT (id) DO UPDATE SET ... */
} RowShape;

static RowShape volume_rows = { "volumes", "volume", volume_columns, G_N_ELEMENTS (volume_columns), NULL, NULL };
static RowShape snapshot_rows = { "snapshots", "snapshot", snapshot_columns, G_N_ELEMENTS (snapshot_columns),
                                  NULL, NULL };
static RowShape backup_rows = { "backups", "backup", backup_columns, G_N_ELEMENTS (backup_columns), NULL, NULL };

/* the statements of @shape, made once. An upsert, not INSERT OR REPLACE:
 * replacing deletes the row first, and the delete would cascade to what
 * goes with it (metadata, connections). */
static const RowShape *
row_shape (RowShape *shape)
{
  static GMutex lock;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  g_autoptr(GString) names = NULL, values = NULL, updates = NULL;

  if (shape->select != NULL)
    return shape;
  names = g_string_new (NULL);
  values = g_string_new (NULL);
  updates = g_string_new (NULL);
  for (gsize i = 0; i < shape->n_columns; i++)
    {
      const char *name = shape->columns[i].name;

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", name);
      g_string_append_printf (values, "%s?%" G_GSIZE_FORMAT, i > 0 ? ", " : "", i + 1);
      if (i > 0)
        g_string_append_printf (updates, "%s%s = excluded.%s", i > 1 ? ", " : "", name, name);
    }
  shape->upsert = g_strdup_printf ("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s",
                                   shape->table, names->str, values->str, updates->str);
  shape->select = g_strdup_printf ("SELECT %s FROM %s", names->str, shape->table);
  return shape;
}

/* SQLite's last failure was for want of space: what a caller can act on
 * (NoSpace), not an internal failure */
static gboolean
store_is_full (NovaVolumeStore *self)
{
  int errsv = sqlite3_system_errno (self->db);

  return (sqlite3_extended_errcode (self->db) & 0xff) == SQLITE_FULL || errsv == ENOSPC || errsv == EDQUOT;
}

static void
set_store_error (NovaVolumeStore *self, GError **error, const char *what, const char *message)
{
  if (store_is_full (self))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                 "state database %s: cannot %s: the file system that holds it is full (%s). Deletes, "
                 "detaches and disconnects still run, on space kept for them; free space on that file system "
                 "to do more", self->path, what, message);
  else
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "state database %s: failed to %s: %s", self->path, what, message);
}

/* always returns FALSE so callers can `return store_error (...)`; call it
 * before any rollback, which would replace sqlite's message */
static gboolean
store_error (NovaVolumeStore *self, GError **error, const char *what)
{
  set_store_error (self, error, what, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
store_exec (NovaVolumeStore *self, const char *sql, GError **error)
{
  char *errmsg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    {
      g_autofree char *what = g_strdup_printf ("run \"%s\"", sql);

      set_store_error (self, error, what, errmsg != NULL ? errmsg : sqlite3_errmsg (self->db));
      sqlite3_free (errmsg);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
store_prepare (NovaVolumeStore *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean keep;

  g_mutex_lock (&kept_lock);
  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL && !GPOINTER_TO_INT (g_hash_table_lookup (kept_in_use, stmt)))
    {
      g_hash_table_insert (kept_in_use, stmt, GINT_TO_POINTER (TRUE));
      g_mutex_unlock (&kept_lock);
      return stmt;
    }
  /* the kept one is in use (a statement run inside another of its own
   * text): this one is finalized after use */
  keep = stmt == NULL;
  g_mutex_unlock (&kept_lock);

  stmt = NULL;
  if (sqlite3_prepare_v3 (self->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, NULL) != SQLITE_OK)
    {
      store_error (self, error, "prepare a statement");
      return NULL;
    }
  if (keep && stmt != NULL)
    {
      g_mutex_lock (&kept_lock);
      if (kept_in_use == NULL)
        kept_in_use = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (self->statements, g_strdup (sql), stmt);
      g_hash_table_insert (kept_in_use, stmt, GINT_TO_POINTER (TRUE));
      g_mutex_unlock (&kept_lock);
    }
  return stmt;
}

/* Finalizes the kept statements (before the connection closes) */
static void
store_forget_statements (NovaVolumeStore *self)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&kept_lock);
  g_hash_table_iter_init (&iter, self->statements);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_warn_if_fail (!GPOINTER_TO_INT (g_hash_table_lookup (kept_in_use, value)));
      g_hash_table_remove (kept_in_use, value);
      sqlite3_finalize (value);
      g_hash_table_iter_remove (&iter);
    }
  g_mutex_unlock (&kept_lock);
}

static sqlite3_stmt *
store_prepare_printf (NovaVolumeStore *self, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

static sqlite3_stmt *
store_prepare_printf (NovaVolumeStore *self, GError **error, const char *format, ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  return store_prepare (self, sql, error);
}

/* a statement that returns no rows */
static gboolean
store_step_done (NovaVolumeStore *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return store_error (self, error, what);
  return TRUE;
}

guint32
nova_volume_store_get_identity (NovaVolumeStore *self, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);
  g_autoptr(sqlite3_stmt) stmt = store_prepare (self, "PRAGMA application_id", error);

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      store_error (self, error, "read its identity");
      return 0;
    }
  return (guint32) sqlite3_column_int (stmt, 0);
}

gboolean
nova_volume_store_set_identity (NovaVolumeStore *self, guint32 identity, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);
  g_autofree char *sql = g_strdup_printf ("PRAGMA application_id = %d", (int) identity);

  return store_exec (self, sql, error);
}

static int
store_read_user_version (NovaVolumeStore *self, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = store_prepare (self, "PRAGMA user_version", error);
  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      store_error (self, error, "read the schema version");
      return -1;
    }
  return sqlite3_column_int (stmt, 0);
}

/* Opens a transaction level: BEGIN at the outermost level (IMMEDIATE for
 * writes, so that the write lock is taken up front and a WAL snapshot
 * never has to be upgraded), a savepoint inside an open transaction so
 * a failed nested call undoes only its own changes. */
static gboolean
store_begin (NovaVolumeStore *self, gboolean write, GError **error)
{
  g_autofree char *sql = NULL;

  if (self->depth == 0)
    sql = g_strdup (write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  else
    sql = g_strdup_printf ("SAVEPOINT nova_volume_%u", self->depth);
  if (!store_exec (self, sql, error))
    return FALSE;
  self->depth++;
  return TRUE;
}

/* Closes the level store_begin opened: commit or roll back. */
static gboolean
store_end (NovaVolumeStore *self, gboolean commit, GError **error)
{
  g_autofree char *release = NULL;
  g_autofree char *rollback_to = NULL;

  g_return_val_if_fail (self->depth > 0, FALSE);

  self->depth--;
  if (self->depth == 0)
    {
      /* sqlite rolls back on its own after some errors (full disk, I/O):
       * then there is nothing left to end */
      if (sqlite3_get_autocommit (self->db))
        {
          if (commit)
            {
              g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                           "state database %s: the transaction was rolled back by SQLite",
                           self->path);
              return FALSE;
            }
          return TRUE;
        }
      if (commit)
        {
          if (store_exec (self, "COMMIT", error))
            return TRUE;
          /* never leave a failed transaction open behind the next caller */
          if (!sqlite3_get_autocommit (self->db))
            store_exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
      return store_exec (self, "ROLLBACK", error);
    }

  release = g_strdup_printf ("RELEASE nova_volume_%u", self->depth);
  if (commit)
    return store_exec (self, release, error);

  /* undo this level only; the savepoint itself must still be released
   * for the enclosing transaction to go on */
  rollback_to = g_strdup_printf ("ROLLBACK TO nova_volume_%u", self->depth);
  if (!store_exec (self, rollback_to, error))
    return FALSE;
  return store_exec (self, release, error);
}

static void
bind_text (sqlite3_stmt *stmt, int column, const char *value)
{
  sqlite3_bind_text (stmt, column, value, -1, SQLITE_STATIC);
}

/* for the columns the records promise are never NULL: a hand-made record
 * with a NULL there is stored as "" rather than refused */
static void
bind_text_nonnull (sqlite3_stmt *stmt, int column, const char *value)
{
  sqlite3_bind_text (stmt, column, value != NULL ? value : "", -1, SQLITE_STATIC);
}

static char *
column_dup (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static char *
column_dup_nonnull (sqlite3_stmt *stmt, int column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

#define FIELD(record, column, type) ((type *) (gpointer) ((guint8 *) (record) + (column)->offset))

/* @record's fields into the upsert of its shape */
static void
bind_row (sqlite3_stmt *stmt, const RowShape *shape, gconstpointer record)
{
  for (gsize i = 0; i < shape->n_columns; i++)
    {
      const Column *c = &shape->columns[i];
      int n = (int) i + 1;

      switch (c->type)
        {
        case COL_TEXT:
          bind_text_nonnull (stmt, n, *FIELD (record, c, char *));
          break;
        case COL_TEXT_NULLABLE:
          bind_text (stmt, n, *FIELD (record, c, char *));
          break;
        case COL_UINT64:
          sqlite3_bind_int64 (stmt, n, (sqlite3_int64) *FIELD (record, c, guint64));
          break;
        case COL_INT64:
          sqlite3_bind_int64 (stmt, n, *FIELD (record, c, gint64));
          break;
        case COL_BOOLEAN:
          sqlite3_bind_int (stmt, n, *FIELD (record, c, gboolean) ? 1 : 0);
          break;
        case COL_DOUBLE:
          sqlite3_bind_double (stmt, n, *FIELD (record, c, double));
          break;
        case COL_VOLUME_STATUS:
          bind_text (stmt, n, nova_volume_status_to_string (*FIELD (record, c, NovaVolumeStatus)));
          break;
        case COL_SNAPSHOT_STATUS:
          bind_text (stmt, n, nova_snapshot_status_to_string (*FIELD (record, c, NovaSnapshotStatus)));
          break;
        case COL_BACKUP_STATUS:
          bind_text (stmt, n, nova_backup_status_to_string (*FIELD (record, c, NovaBackupStatus)));
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* the row @stmt stands on into @record (zeroed, strings not yet set); a
 * status this build does not know is an error naming the row */
static gboolean
read_row (NovaVolumeStore *self, sqlite3_stmt *stmt, const RowShape *shape, gpointer record, GError **error)
{
  for (gsize i = 0; i < shape->n_columns; i++)
    {
      const Column *c = &shape->columns[i];
      int n = (int) i;
      const char *text = (const char *) sqlite3_column_text (stmt, n);
      gboolean known = TRUE;

      switch (c->type)
        {
        case COL_TEXT:
          *FIELD (record, c, char *) = column_dup_nonnull (stmt, n);
          break;
        case COL_TEXT_NULLABLE:
          *FIELD (record, c, char *) = column_dup (stmt, n);
          break;
        case COL_UINT64:
          *FIELD (record, c, guint64) = (guint64) sqlite3_column_int64 (stmt, n);
          break;
        case COL_INT64:
          *FIELD (record, c, gint64) = sqlite3_column_int64 (stmt, n);
          break;
        case COL_BOOLEAN:
          *FIELD (record, c, gboolean) = sqlite3_column_int (stmt, n) != 0;
          break;
        case COL_DOUBLE:
          *FIELD (record, c, double) = sqlite3_column_double (stmt, n);
          break;
        case COL_VOLUME_STATUS:
          known = nova_volume_status_from_string (text, FIELD (record, c, NovaVolumeStatus));
          break;
        case COL_SNAPSHOT_STATUS:
          known = nova_snapshot_status_from_string (text, FIELD (record, c, NovaSnapshotStatus));
          break;
        case COL_BACKUP_STATUS:
          known = nova_backup_status_from_string (text, FIELD (record, c, NovaBackupStatus));
          break;
        default:
          g_assert_not_reached ();
        }
      if (!known)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                       "state database %s: %s %s has an unknown status \"%s\"", self->path, shape->what,
                       (const char *) sqlite3_column_text (stmt, 0), text != NULL ? text : "");
          return FALSE;
        }
    }
  return TRUE;
}

/* the row of @shape whose id is @id goes; NotFound naming it when there
 * was none. One statement: its own transaction, or part of the caller's. */
static gboolean
delete_row (NovaVolumeStore *self, RowShape *shape, const char *id, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *what = g_strdup_printf ("delete a %s", shape->what);

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = store_prepare_printf (self, error, "DELETE FROM %s WHERE id = ?1", shape->table);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  if (!store_step_done (self, stmt, what, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND, "%s %s not found", shape->what, id);
      return FALSE;
    }
  return TRUE;
}

/* every row of @shape by created_at, each read into a zeroed record of
 * @record_size (freed with @free_record) */
static GPtrArray *
list_rows (NovaVolumeStore *self, RowShape *shape, gsize record_size, GDestroyNotify free_record, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->mutex);
  rows = g_ptr_array_new_with_free_func (free_record);
  stmt = store_prepare_printf (self, error, "%s ORDER BY created_at, id", row_shape (shape)->select);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gpointer record = g_malloc0 (record_size);

      if (!read_row (self, stmt, shape, record, error))
        {
          free_record (record);
          return NULL;
        }
      g_ptr_array_add (rows, record);
    }
  if (rc != SQLITE_DONE)
    {
      g_autofree char *what = g_strdup_printf ("list the %ss", shape->what);

      store_error (self, error, what);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* ---------------------------------------------------------------------
 * opening and migrations */

static gboolean
store_migrate (NovaVolumeStore *self, GError **error)
{
  int version;

  if (!store_begin (self, TRUE, error))
    return FALSE;

  /* read again under the write lock: another process may have migrated
   * the file since we looked */
  version = store_read_user_version (self, error);
  if (version < 0)
    {
      store_end (self, FALSE, NULL);
      return FALSE;
    }
  if (version > NOVA_VOLUME_STORE_SCHEMA_VERSION)
    {
      store_end (self, FALSE, NULL);
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "state database %s was written by a newer nova-volume "
                   "(schema %d; this build knows %d); refusing to open it",
                   self->path, version, NOVA_VOLUME_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  /* each case takes the schema from its version to the next one and
   * falls through to the rest; a new version N+1 adds its step as
   * "case N:" just above the final case */
  switch (version)
    {
    case 0:
      /* 0 -> 1: the first schema. Volumes with their metadata and the
       * connections they handed out (both go with the volume); snapshots
       * refer to their volume without cascading, so a volume that still
       * has snapshots cannot be deleted by accident. */
      if (!store_exec (self,
                       "CREATE TABLE volumes ("
                       "  id TEXT PRIMARY KEY NOT NULL,"
                       "  name TEXT NOT NULL DEFAULT '',"
                       "  description TEXT NOT NULL DEFAULT '',"
                       "  size INTEGER NOT NULL DEFAULT 0,"
                       "  status TEXT NOT NULL,"
                       "  status_reason TEXT NOT NULL DEFAULT '',"
                       "  attached INTEGER NOT NULL DEFAULT 0,"
                       "  instance_uuid TEXT NOT NULL DEFAULT '',"
                       "  mountpoint TEXT NOT NULL DEFAULT '',"
                       "  attached_host TEXT NOT NULL DEFAULT '',"
                       "  availability_zone TEXT NOT NULL DEFAULT '',"
                       "  source_snapshot_id TEXT,"
                       "  source_volume_id TEXT,"
                       "  provider_location TEXT NOT NULL DEFAULT '',"
                       "  provider_auth TEXT NOT NULL DEFAULT '',"
                       "  driver TEXT NOT NULL DEFAULT '',"
                       "  created_at INTEGER NOT NULL DEFAULT 0,"
                       "  updated_at INTEGER NOT NULL DEFAULT 0"
                       ");"
                       "CREATE INDEX volumes_by_created_at ON volumes (created_at, id);"
                       "CREATE TABLE volume_metadata ("
                       "  volume_id TEXT NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,"
                       "  key TEXT NOT NULL,"
                       "  value TEXT NOT NULL,"
                       "  PRIMARY KEY (volume_id, key)"
                       ");"
                       "CREATE TABLE snapshots ("
                       "  id TEXT PRIMARY KEY NOT NULL,"
                       "  volume_id TEXT NOT NULL REFERENCES volumes (id),"
                       "  name TEXT NOT NULL DEFAULT '',"
                       "  description TEXT NOT NULL DEFAULT '',"
                       "  size INTEGER NOT NULL DEFAULT 0,"
                       "  status TEXT NOT NULL,"
                       "  status_reason TEXT NOT NULL DEFAULT '',"
                       "  progress REAL NOT NULL DEFAULT 0,"
                       "  provider_location TEXT NOT NULL DEFAULT '',"
                       "  created_at INTEGER NOT NULL DEFAULT 0,"
                       "  updated_at INTEGER NOT NULL DEFAULT 0"
                       ");"
                       /* the foreign key check on every volume delete
                        * looks snapshots up by volume */
                       "CREATE INDEX snapshots_by_volume ON snapshots (volume_id);"
                       "CREATE INDEX snapshots_by_created_at ON snapshots (created_at, id);"
                       "CREATE TABLE connections ("
                       "  volume_id TEXT NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,"
                       "  connector_key TEXT NOT NULL,"
                       "  connector TEXT NOT NULL,"
                       "  created_at INTEGER NOT NULL DEFAULT 0,"
                       "  PRIMARY KEY (volume_id, connector_key)"
                       ");",
                       error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case 1:
      /* 1 -> 2: export numbers (iSCSI targets, AoE blades), held by a
       * volume and gone with it */
      if (!store_exec (self,
                       "CREATE TABLE export_numbers ("
                       "  kind TEXT NOT NULL,"
                       "  number INTEGER NOT NULL,"
                       "  volume_id TEXT NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,"
                       "  PRIMARY KEY (kind, number),"
                       "  UNIQUE (kind, volume_id)"
                       ");"
                       "CREATE INDEX export_numbers_by_volume ON export_numbers (volume_id);",
                       error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case 2:
      /* 2 -> 3: the backend each volume lives on. A database from a
       * daemon with one driver had one backend, named after that driver
       * (as a [DEFAULT]-only config still names it). And where a
       * Migrate stands, for init_host to finish or undo it. */
      if (!store_exec (self,
                       "ALTER TABLE volumes ADD COLUMN backend TEXT NOT NULL DEFAULT '';"
                       "UPDATE volumes SET backend = driver;"
                       "ALTER TABLE volumes ADD COLUMN migration TEXT NOT NULL DEFAULT '';",
                       error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case 3:
      /* 3 -> 4: the snapshot a revert was asked for, for init_host to
       * finish an interrupted one */
      if (!store_exec (self, "ALTER TABLE volumes ADD COLUMN reverting_to TEXT NOT NULL DEFAULT '';", error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case 4:
      /* 4 -> 5: volumes let go of by Unmanage, whose data stays on the
       * backend without a row on purpose */
      if (!store_exec (self,
                       "CREATE TABLE released ("
                       "  id TEXT PRIMARY KEY NOT NULL,"
                       "  backend TEXT NOT NULL,"
                       "  released_at INTEGER NOT NULL DEFAULT 0"
                       ");",
                       error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case 5:
      /* 5 -> 6: attachments of their own (several per volume with
       * multiattach), each attached volume's one carried over with a new
       * id; the volume's columns keep the first one's */
      if (!store_exec (self,
                       "ALTER TABLE volumes ADD COLUMN multiattach INTEGER NOT NULL DEFAULT 0;"
                       "CREATE TABLE attachments ("
                       "  id TEXT PRIMARY KEY NOT NULL,"
                       "  volume_id TEXT NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,"
                       "  instance_uuid TEXT NOT NULL DEFAULT '',"
                       "  mountpoint TEXT NOT NULL DEFAULT '',"
                       "  host TEXT NOT NULL DEFAULT '',"
                       "  mode TEXT NOT NULL DEFAULT 'rw',"
                       "  connector TEXT NOT NULL DEFAULT '',"
                       "  attached_at INTEGER NOT NULL DEFAULT 0"
                       ");"
                       "CREATE INDEX attachments_by_volume ON attachments (volume_id, attached_at);"
                       "INSERT INTO attachments (id, volume_id, instance_uuid, mountpoint, host, mode, attached_at)"
                       "  SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'"
                       "         || substr(lower(hex(randomblob(2))), 2) || '-'"
                       "         || substr('89ab', 1 + abs(random()) % 4, 1) || substr(lower(hex(randomblob(2))), 2)"
                       "         || '-' || lower(hex(randomblob(6))),"
                       "         id, instance_uuid, mountpoint, attached_host, 'rw', updated_at"
                       "  FROM volumes WHERE attached != 0;",
                       error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case 6:
      /* 6 -> 7: each backend's provisioned bytes, kept by triggers in the
       * transaction that changes a volume, so a driver's free-space check
       * reads one row instead of summing every volume. No OR IGNORE in
       * them: the upsert that fires them would override it. */
      if (!store_exec (self,
                       "CREATE TABLE provisioned ("
                       "  backend TEXT PRIMARY KEY NOT NULL,"
                       "  bytes INTEGER NOT NULL DEFAULT 0"
                       ");"
                       "INSERT INTO provisioned (backend, bytes)"
                       "  SELECT backend, total(size) FROM volumes GROUP BY backend;"
                       "CREATE TRIGGER provisioned_on_insert AFTER INSERT ON volumes BEGIN"
                       "  INSERT INTO provisioned (backend) SELECT NEW.backend"
                       "    WHERE NOT EXISTS (SELECT 1 FROM provisioned WHERE backend = NEW.backend);"
                       "  UPDATE provisioned SET bytes = bytes + NEW.size WHERE backend = NEW.backend;"
                       " END;"
                       "CREATE TRIGGER provisioned_on_update AFTER UPDATE OF size, backend ON volumes BEGIN"
                       "  UPDATE provisioned SET bytes = bytes - OLD.size WHERE backend = OLD.backend;"
                       "  INSERT INTO provisioned (backend) SELECT NEW.backend"
                       "    WHERE NOT EXISTS (SELECT 1 FROM provisioned WHERE backend = NEW.backend);"
                       "  UPDATE provisioned SET bytes = bytes + NEW.size WHERE backend = NEW.backend;"
                       " END;"
                       "CREATE TRIGGER provisioned_on_delete AFTER DELETE ON volumes BEGIN"
                       "  UPDATE provisioned SET bytes = bytes - OLD.size WHERE backend = OLD.backend;"
                       " END;",
                       error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case 7:
      /* 7 -> 8: backups. A backup outlives its volume (no reference);
       * its chunks and manifest are in the repository, the row is what
       * this daemon knows of it */
      if (!store_exec (self,
                       "CREATE TABLE backups ("
                       "  id TEXT PRIMARY KEY NOT NULL,"
                       "  volume_id TEXT NOT NULL,"
                       "  snapshot_id TEXT NOT NULL DEFAULT '',"
                       "  name TEXT NOT NULL DEFAULT '',"
                       "  description TEXT NOT NULL DEFAULT '',"
                       "  parent_id TEXT NOT NULL DEFAULT '',"
                       "  size INTEGER NOT NULL DEFAULT 0,"
                       "  stored_bytes INTEGER NOT NULL DEFAULT 0,"
                       "  status TEXT NOT NULL,"
                       "  status_reason TEXT NOT NULL DEFAULT '',"
                       "  created_at INTEGER NOT NULL DEFAULT 0,"
                       "  updated_at INTEGER NOT NULL DEFAULT 0"
                       ");"
                       "CREATE INDEX backups_by_created_at ON backups (created_at, id);",
                       error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case NOVA_VOLUME_STORE_SCHEMA_VERSION:
      /* up to date */
      break;
    default:
      g_assert_not_reached ();
    }

  if (version != NOVA_VOLUME_STORE_SCHEMA_VERSION)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d",
                                              NOVA_VOLUME_STORE_SCHEMA_VERSION);
      if (!store_exec (self, sql, error))
        {
          store_end (self, FALSE, NULL);
          return FALSE;
        }
    }
  if (!store_end (self, TRUE, error))
    return FALSE;

  self->schema_version = NOVA_VOLUME_STORE_SCHEMA_VERSION;
  return TRUE;
}

static gboolean
store_set_journal_mode_wal (NovaVolumeStore *self, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *mode;

  stmt = store_prepare (self, "PRAGMA journal_mode = WAL", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return store_error (self, error, "switch to WAL mode");

  /* sqlite answers with the mode it is in, which is not WAL on a file
   * system without shared memory */
  mode = (const char *) sqlite3_column_text (stmt, 0);
  if (g_ascii_strcasecmp (mode != NULL ? mode : "", "wal") != 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "state database %s: cannot use WAL mode (SQLite stays in \"%s\"); "
                   "put the state directory on a local file system",
                   self->path, mode != NULL ? mode : "");
      return FALSE;
    }
  return TRUE;
}

NovaVolumeStore *
nova_volume_store_open (const char *path, GError **error)
{
  g_autoptr(NovaVolumeStore) self = NULL;
  g_autoptr(GRecMutexLocker) locker = NULL;
  gboolean created;
  int version;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (NOVA_VOLUME_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  locker = g_rec_mutex_locker_new (&self->mutex);

  created = !g_file_test (path, G_FILE_TEST_EXISTS);
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
                        | SQLITE_OPEN_NOFOLLOW,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot open state database %s: %s",
                   path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  /* the volumes table holds CHAP secrets (provider_auth); sqlite gives
   * the -wal and -shm files the database file's mode */
  if (created && g_chmod (path, 0600) != 0)
    {
      int errsv = errno;
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot make state database %s private: %s",
                   path, g_strerror (errsv));
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);
  /* until the version is known to be ours, closing must not checkpoint
   * a WAL that a newer nova-volume left behind into its database */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);

  /* look at the version before anything that writes (the WAL switch
   * does): a newer database must be left exactly as it is */
  version = store_read_user_version (self, error);
  if (version < 0)
    return NULL;
  if (version > NOVA_VOLUME_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "state database %s was written by a newer nova-volume "
                   "(schema %d; this build knows %d); refusing to open it",
                   path, version, NOVA_VOLUME_STORE_SCHEMA_VERSION);
      return NULL;
    }

  sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);

  if (!store_set_journal_mode_wal (self, error))
    return NULL;
  /* a committed state change must survive a power cut, not only a crash */
  if (!store_exec (self, "PRAGMA synchronous = FULL", error))
    return NULL;
  if (!store_exec (self, "PRAGMA foreign_keys = ON", error))
    return NULL;
  /* the WAL keeps the space it grew to, up to its checkpoint size, so
   * that on a full file system the next commits reuse it */
  if (!store_exec (self, "PRAGMA journal_size_limit = 4194304", error))
    return NULL;
  if (!store_migrate (self, error))
    return NULL;

  g_clear_pointer (&locker, g_rec_mutex_locker_free);
  return g_steal_pointer (&self);
}

int
nova_volume_store_get_schema_version (NovaVolumeStore *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), -1);
  return self->schema_version;
}

const char *
nova_volume_store_get_path (NovaVolumeStore *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  return self->path;
}

/* ---------------------------------------------------------------------
 * volumes */

/* the record's attachments are the whole set, as its metadata */
static gboolean
store_write_attachments (NovaVolumeStore *self, const NovaVolumeRecord *volume, GError **error)
{
  g_autoptr(sqlite3_stmt) clear = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;

  clear = store_prepare (self, "DELETE FROM attachments WHERE volume_id = ?1", error);
  if (clear == NULL)
    return FALSE;
  bind_text (clear, 1, volume->id);
  if (!store_step_done (self, clear, "replace the volume's attachments", error))
    return FALSE;
  if (volume->attachments == NULL || volume->attachments->len == 0)
    return TRUE;
  insert = store_prepare (self,
                          "INSERT INTO attachments (id, volume_id, instance_uuid, mountpoint, host, mode, connector,"
                          " attached_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (insert == NULL)
    return FALSE;
  for (guint i = 0; i < volume->attachments->len; i++)
    {
      const NovaAttachmentRecord *attachment = g_ptr_array_index (volume->attachments, i);

      sqlite3_reset (insert);
      bind_text (insert, 1, attachment->id);
      bind_text (insert, 2, volume->id);
      bind_text_nonnull (insert, 3, attachment->instance_uuid);
      bind_text_nonnull (insert, 4, attachment->mountpoint);
      bind_text_nonnull (insert, 5, attachment->host);
      bind_text_nonnull (insert, 6, attachment->mode);
      bind_text_nonnull (insert, 7, attachment->connector);
      sqlite3_bind_int64 (insert, 8, attachment->attached_at);
      if (!store_step_done (self, insert, "store the volume's attachments", error))
        return FALSE;
    }
  return TRUE;
}

/* an attachment from the row stmt stands on (its columns from @first:
 * id, instance_uuid, mountpoint, host, mode, connector, attached_at) */
static NovaAttachmentRecord *
read_attachment_columns (sqlite3_stmt *stmt, int first)
{
  NovaAttachmentRecord *attachment = g_new0 (NovaAttachmentRecord, 1);

  attachment->id = column_dup_nonnull (stmt, first);
  attachment->instance_uuid = column_dup_nonnull (stmt, first + 1);
  attachment->mountpoint = column_dup_nonnull (stmt, first + 2);
  attachment->host = column_dup_nonnull (stmt, first + 3);
  attachment->mode = column_dup_nonnull (stmt, first + 4);
  attachment->connector = column_dup_nonnull (stmt, first + 5);
  attachment->attached_at = sqlite3_column_int64 (stmt, first + 6);
  return attachment;
}

#define ATTACHMENT_COLUMNS "id, instance_uuid, mountpoint, host, mode, connector, attached_at"

static gboolean
store_write_volume (NovaVolumeStore *self, const NovaVolumeRecord *volume, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) clear = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  stmt = store_prepare (self, row_shape (&volume_rows)->upsert, error);
  if (stmt == NULL)
    return FALSE;
  bind_row (stmt, &volume_rows, volume);
  if (!store_step_done (self, stmt, "store the volume", error))
    return FALSE;

  /* the record's metadata is the whole set: replace, do not merge */
  clear = store_prepare (self, "DELETE FROM volume_metadata WHERE volume_id = ?1", error);
  if (clear == NULL)
    return FALSE;
  bind_text (clear, 1, volume->id);
  if (!store_step_done (self, clear, "replace the volume metadata", error))
    return FALSE;

  if (volume->metadata == NULL || g_hash_table_size (volume->metadata) == 0)
    return store_write_attachments (self, volume, error);
  insert = store_prepare (self,
                          "INSERT INTO volume_metadata (volume_id, key, value) VALUES (?1, ?2, ?3)",
                          error);
  if (insert == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, volume->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      sqlite3_reset (insert);
      bind_text (insert, 1, volume->id);
      bind_text (insert, 2, key);
      bind_text_nonnull (insert, 3, value);
      if (!store_step_done (self, insert, "store the volume metadata", error))
        return FALSE;
    }
  return store_write_attachments (self, volume, error);
}

gboolean
nova_volume_store_put_volume (NovaVolumeStore *self, const NovaVolumeRecord *volume, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (volume->id != NULL && volume->id[0] != '\0', FALSE);
  g_return_val_if_fail (nova_volume_status_to_string (volume->status) != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  if (!store_begin (self, TRUE, error))
    return FALSE;
  if (!store_write_volume (self, volume, error))
    {
      g_prefix_error (error, "volume %s: ", volume->id);
      store_end (self, FALSE, NULL);
      return FALSE;
    }
  return store_end (self, TRUE, error);
}

gboolean
nova_volume_store_delete_volume (NovaVolumeStore *self, const char *id, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);

  /* one statement (the cascade to metadata and connections included) is
   * one transaction on its own, or joins the caller's */
  stmt = store_prepare (self, "DELETE FROM volumes WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE,
                   "volume %s still has snapshots; delete them first", id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return store_error (self, error, "delete a volume");
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "volume %s not found", id);
      return FALSE;
    }
  return TRUE;
}

static NovaVolumeRecord *
read_volume_row (NovaVolumeStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr(NovaVolumeRecord) volume = g_new0 (NovaVolumeRecord, 1);

  volume->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  volume->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_attachment_record_free);
  if (!read_row (self, stmt, &volume_rows, volume, error))
    return NULL;
  /* a row written without one lives where schema 3 put the older rows:
   * on the backend named after its driver */
  if (volume->backend[0] == '\0')
    nova_record_set_string (&volume->backend, volume->driver);
  return g_steal_pointer (&volume);
}

static gboolean
store_read_metadata (NovaVolumeStore *self, NovaVolumeRecord *volume, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = store_prepare (self, "SELECT key, value FROM volume_metadata WHERE volume_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, volume->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (volume->metadata, column_dup (stmt, 0), column_dup_nonnull (stmt, 1));
  if (rc != SQLITE_DONE)
    return store_error (self, error, "read the volume metadata");
  return TRUE;
}

static gboolean
store_read_attachments (NovaVolumeStore *self, NovaVolumeRecord *volume, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = store_prepare (self, "SELECT " ATTACHMENT_COLUMNS " FROM attachments WHERE volume_id = ?1 "
                        "ORDER BY attached_at, id", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, volume->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (volume->attachments, read_attachment_columns (stmt, 0));
  if (rc != SQLITE_DONE)
    return store_error (self, error, "read the volume's attachments");
  return TRUE;
}

/* The row of @shape's table with @id, stepped onto: NotFound naming the
 * kind and the id when there is none. */
static sqlite3_stmt *
select_row_by_id (NovaVolumeStore *self, RowShape *shape, const char *id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = store_prepare_printf (self, error, "%s WHERE id = ?1", row_shape (shape)->select);
  g_autofree char *what = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_steal_pointer (&stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "%s %s not found", shape->what, id);
      return NULL;
    }
  what = g_strdup_printf ("read a %s", shape->what);
  store_error (self, error, what);
  return NULL;
}

static NovaVolumeRecord *
store_get_volume (NovaVolumeStore *self, const char *id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = select_row_by_id (self, &volume_rows, id, error);
  g_autoptr(NovaVolumeRecord) volume = NULL;

  if (stmt == NULL)
    return NULL;
  volume = read_volume_row (self, stmt, error);
  if (volume == NULL)
    return NULL;
  if (!store_read_metadata (self, volume, error) || !store_read_attachments (self, volume, error))
    return NULL;
  return g_steal_pointer (&volume);
}

NovaVolumeRecord *
nova_volume_store_get_volume (NovaVolumeStore *self, const char *id, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(NovaVolumeRecord) volume = NULL;
  g_autoptr(GError) error_local = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->mutex);

  /* the row and its metadata from one snapshot of the file */
  if (!store_begin (self, FALSE, error))
    return NULL;
  volume = store_get_volume (self, id, &error_local);
  if (volume == NULL)
    {
      store_end (self, FALSE, NULL);
      g_propagate_error (error, g_steal_pointer (&error_local));
      return NULL;
    }
  if (!store_end (self, TRUE, error))
    return NULL;
  return g_steal_pointer (&volume);
}

static GPtrArray *
store_list_volumes (NovaVolumeStore *self, GError **error)
{
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) metadata = NULL;
  g_autoptr(sqlite3_stmt) attachments = NULL;
  int rc;

  volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_record_free);
  /* borrowed: the array owns the records */
  by_id = g_hash_table_new (g_str_hash, g_str_equal);

  stmt = store_prepare_printf (self, error, "%s ORDER BY created_at, id", row_shape (&volume_rows)->select);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      NovaVolumeRecord *volume = read_volume_row (self, stmt, error);
      if (volume == NULL)
        return NULL;
      g_ptr_array_add (volumes, volume);
      g_hash_table_insert (by_id, volume->id, volume);
    }
  if (rc != SQLITE_DONE)
    {
      store_error (self, error, "list the volumes");
      return NULL;
    }

  /* all the metadata in one pass rather than one query per volume */
  metadata = store_prepare (self, "SELECT volume_id, key, value FROM volume_metadata", error);
  if (metadata == NULL)
    return NULL;
  while ((rc = sqlite3_step (metadata)) == SQLITE_ROW)
    {
      NovaVolumeRecord *volume = g_hash_table_lookup (by_id, sqlite3_column_text (metadata, 0));
      if (volume == NULL)
        continue;
      g_hash_table_insert (volume->metadata, column_dup (metadata, 1), column_dup_nonnull (metadata, 2));
    }
  if (rc != SQLITE_DONE)
    {
      store_error (self, error, "list the volume metadata");
      return NULL;
    }

  /* and all the attachments, in the order they were made */
  attachments = store_prepare (self, "SELECT volume_id, " ATTACHMENT_COLUMNS " FROM attachments "
                               "ORDER BY attached_at, id", error);
  if (attachments == NULL)
    return NULL;
  while ((rc = sqlite3_step (attachments)) == SQLITE_ROW)
    {
      NovaVolumeRecord *volume = g_hash_table_lookup (by_id, sqlite3_column_text (attachments, 0));
      if (volume == NULL)
        continue;
      g_ptr_array_add (volume->attachments, read_attachment_columns (attachments, 1));
    }
  if (rc != SQLITE_DONE)
    {
      store_error (self, error, "list the attachments");
      return NULL;
    }
  return g_steal_pointer (&volumes);
}

GPtrArray *
nova_volume_store_list_volumes (NovaVolumeStore *self, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GError) error_local = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->mutex);
  if (!store_begin (self, FALSE, error))
    return NULL;
  volumes = store_list_volumes (self, &error_local);
  if (volumes == NULL)
    {
      store_end (self, FALSE, NULL);
      g_propagate_error (error, g_steal_pointer (&error_local));
      return NULL;
    }
  if (!store_end (self, TRUE, error))
    return NULL;
  return g_steal_pointer (&volumes);
}

gboolean
nova_volume_store_provisioned (NovaVolumeStore *self, const char *backend, guint64 *out_bytes, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (backend != NULL && out_bytes != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = store_prepare (self, "SELECT bytes FROM provisioned WHERE backend = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, backend, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_error (self, error, "read the provisioned bytes");
  *out_bytes = rc == SQLITE_ROW ? (guint64) sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

guint64
nova_volume_store_get_vm_steps (void)
{
  guint64 steps;

  g_mutex_lock (&kept_lock);
  steps = vm_steps;
  g_mutex_unlock (&kept_lock);
  return steps;
}

/* ---------------------------------------------------------------------
 * snapshots */

gboolean
nova_volume_store_put_snapshot (NovaVolumeStore *self, const NovaSnapshotRecord *snapshot, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (snapshot != NULL, FALSE);
  g_return_val_if_fail (snapshot->id != NULL && snapshot->id[0] != '\0', FALSE);
  g_return_val_if_fail (snapshot->volume_id != NULL, FALSE);
  g_return_val_if_fail (nova_snapshot_status_to_string (snapshot->status) != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);

  /* one statement: its own transaction, or part of the caller's */
  stmt = store_prepare (self, row_shape (&snapshot_rows)->upsert, error);
  if (stmt == NULL)
    return FALSE;
  bind_row (stmt, &snapshot_rows, snapshot);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "cannot store snapshot %s: volume %s not found",
                   snapshot->id, snapshot->volume_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      store_error (self, error, "store a snapshot");
      g_prefix_error (error, "snapshot %s: ", snapshot->id);
      return FALSE;
    }
  return TRUE;
}

gboolean
nova_volume_store_delete_snapshot (NovaVolumeStore *self, const char *id, GError **error)
{
  return delete_row (self, &snapshot_rows, id, error);
}

gboolean
nova_volume_store_release_volume (NovaVolumeStore *self, const char *id, const char *backend, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL && backend != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  if (!store_begin (self, TRUE, error))
    return FALSE;
  if (!nova_volume_store_delete_volume (self, id, error))
    {
      store_end (self, FALSE, NULL);
      return FALSE;
    }
  stmt = store_prepare (self, "INSERT OR REPLACE INTO released (id, backend, released_at) VALUES (?1, ?2, ?3)",
                        error);
  if (stmt == NULL)
    {
      store_end (self, FALSE, NULL);
      return FALSE;
    }
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, backend);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (!store_step_done (self, stmt, "record a released volume", error))
    {
      store_end (self, FALSE, NULL);
      return FALSE;
    }
  return store_end (self, TRUE, error);
}

GHashTable *
nova_volume_store_list_released (NovaVolumeStore *self, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GHashTable) released = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->mutex);
  released = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  stmt = store_prepare (self, "SELECT id, backend FROM released", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_replace (released, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                          g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  if (rc != SQLITE_DONE)
    {
      store_error (self, error, "list the released volumes");
      return NULL;
    }
  return g_steal_pointer (&released);
}

gboolean
nova_volume_store_forget_released (NovaVolumeStore *self, const char *id, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = store_prepare (self, "DELETE FROM released WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  return store_step_done (self, stmt, "forget a released volume", error);
}

static NovaSnapshotRecord *
read_snapshot_row (NovaVolumeStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr(NovaSnapshotRecord) snapshot = g_new0 (NovaSnapshotRecord, 1);

  if (!read_row (self, stmt, &snapshot_rows, snapshot, error))
    return NULL;
  return g_steal_pointer (&snapshot);
}

NovaSnapshotRecord *
nova_volume_store_get_snapshot (NovaVolumeStore *self, const char *id, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = select_row_by_id (self, &snapshot_rows, id, error);
  if (stmt == NULL)
    return NULL;
  return read_snapshot_row (self, stmt, error);
}

GPtrArray *
nova_volume_store_list_snapshots (NovaVolumeStore *self, GError **error)
{
  return list_rows (self, &snapshot_rows, sizeof (NovaSnapshotRecord), (GDestroyNotify) nova_snapshot_record_free, error);
}

/* ---------------------------------------------------------------------
 * backups */

gboolean
nova_volume_store_put_backup (NovaVolumeStore *self, const NovaBackupRecord *backup, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (backup != NULL && backup->id != NULL && backup->volume_id != NULL, FALSE);
  g_return_val_if_fail (nova_backup_status_to_string (backup->status) != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = store_prepare (self, row_shape (&backup_rows)->upsert, error);
  if (stmt == NULL)
    return FALSE;
  bind_row (stmt, &backup_rows, backup);
  if (!store_step_done (self, stmt, "store a backup", error))
    {
      g_prefix_error (error, "backup %s: ", backup->id);
      return FALSE;
    }
  return TRUE;
}

gboolean
nova_volume_store_delete_backup (NovaVolumeStore *self, const char *id, GError **error)
{
  return delete_row (self, &backup_rows, id, error);
}

GPtrArray *
nova_volume_store_list_backups (NovaVolumeStore *self, GError **error)
{
  return list_rows (self, &backup_rows, sizeof (NovaBackupRecord), (GDestroyNotify) nova_backup_record_free, error);
}

/* ---------------------------------------------------------------------
 * connections */

/* @connector as the row keeps it, or NULL when not every value of it
 * prints as text the parser reads back (a subnormal double such as
 * 5e-324 does not): such a row would make the volume's connections
 * unreadable for good */
static char *
connector_text (GVariant *connector)
{
  /* with type annotations, so g_variant_parse gives back the same types */
  g_autofree char *text = g_variant_print (connector, TRUE);
  g_autoptr(GVariant) back = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, NULL);

  return back != NULL ? g_steal_pointer (&text) : NULL;
}

gboolean
nova_volume_store_connector_is_storable (GVariant *connector)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (connector != NULL, FALSE);
  text = connector_text (connector);
  return text != NULL;
}

gboolean
nova_volume_store_put_connection (NovaVolumeStore *self,
                                  const char      *volume_id,
                                  const char      *connector_key,
                                  GVariant        *connector,
                                  GError         **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *text = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (volume_id != NULL, FALSE);
  g_return_val_if_fail (connector_key != NULL, FALSE);
  g_return_val_if_fail (connector != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* take a floating reference the way GLib's own calls do */
  owned = g_variant_ref_sink (connector);
  if (!g_variant_is_of_type (owned, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "connector for volume %s must be a{sv}, not %s",
                   volume_id, g_variant_get_type_string (owned));
      return FALSE;
    }
  text = connector_text (owned);
  if (text == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "connector %s for volume %s holds a value that cannot be stored",
                   connector_key, volume_id);
      return FALSE;
    }

  locker = g_rec_mutex_locker_new (&self->mutex);
  /* a second InitializeConnection from the same connector updates it but
   * keeps when it was first handed out */
  stmt = store_prepare (self,
                        "INSERT INTO connections (volume_id, connector_key, connector, created_at) "
                        "VALUES (?1, ?2, ?3, ?4) "
                        "ON CONFLICT (volume_id, connector_key) DO UPDATE SET "
                        "connector = excluded.connector",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, volume_id);
  bind_text (stmt, 2, connector_key);
  bind_text (stmt, 3, text);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "cannot store connection %s: volume %s not found",
                   connector_key, volume_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return store_error (self, error, "store a connection");
  return TRUE;
}

gboolean
nova_volume_store_delete_connection (NovaVolumeStore *self,
                                     const char      *volume_id,
                                     const char      *connector_key,
                                     GError         **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (volume_id != NULL, FALSE);
  g_return_val_if_fail (connector_key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = store_prepare (self,
                        "DELETE FROM connections WHERE volume_id = ?1 AND connector_key = ?2",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, volume_id);
  bind_text (stmt, 2, connector_key);
  if (!store_step_done (self, stmt, "delete a connection", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "volume %s has no connection for connector %s",
                   volume_id, connector_key);
      return FALSE;
    }
  return TRUE;
}

/* The connector of a row whose columns 0 and 1 are its key and its
 * text, or NULL with @error saying why it cannot be read. */
static GVariant *
connector_of_row (NovaVolumeStore *self, sqlite3_stmt *stmt, const char *volume_id, GError **error)
{
  const char *text = (const char *) sqlite3_column_text (stmt, 1);
  g_autoptr(GError) error_local = NULL;
  GVariant *connector;

  connector = g_variant_parse (G_VARIANT_TYPE_VARDICT, text != NULL ? text : "", NULL, NULL, &error_local);
  if (connector == NULL)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "state database %s: connection %s of volume %s is unreadable: %s",
                 self->path, (const char *) sqlite3_column_text (stmt, 0), volume_id, error_local->message);
  return connector;
}

GPtrArray *
nova_volume_store_list_connections (NovaVolumeStore *self, const char *volume_id, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GPtrArray) connectors = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  g_return_val_if_fail (volume_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->mutex);
  connectors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  stmt = store_prepare (self,
                        "SELECT connector_key, connector FROM connections WHERE volume_id = ?1 "
                        "ORDER BY created_at, connector_key",
                        error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, volume_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GVariant *connector = connector_of_row (self, stmt, volume_id, error);

      if (connector == NULL)
        return NULL;
      g_ptr_array_add (connectors, connector);
    }
  if (rc != SQLITE_DONE)
    {
      store_error (self, error, "list the connections");
      return NULL;
    }
  return g_steal_pointer (&connectors);
}

GHashTable *
nova_volume_store_list_all_connections (NovaVolumeStore *self, GHashTable **unreadable, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GHashTable) bad = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), NULL);
  g_return_val_if_fail (unreadable != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->mutex);
  all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  bad = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  stmt = store_prepare (self,
                        "SELECT connector_key, connector, volume_id FROM connections "
                        "ORDER BY volume_id, created_at, connector_key",
                        error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *volume_id = (const char *) sqlite3_column_text (stmt, 2);
      g_autoptr(GError) why = NULL;
      GVariant *connector;
      GPtrArray *connectors;

      if (volume_id == NULL || g_hash_table_contains (bad, volume_id))
        continue;
      connector = connector_of_row (self, stmt, volume_id, &why);
      if (connector == NULL)
        {
          g_hash_table_remove (all, volume_id);
          g_hash_table_insert (bad, g_strdup (volume_id), g_strdup (why->message));
          continue;
        }
      connectors = g_hash_table_lookup (all, volume_id);
      if (connectors == NULL)
        {
          connectors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
          g_hash_table_insert (all, g_strdup (volume_id), connectors);
        }
      g_ptr_array_add (connectors, connector);
    }
  if (rc != SQLITE_DONE)
    {
      store_error (self, error, "list the connections");
      return NULL;
    }
  *unreadable = g_steal_pointer (&bad);
  return g_steal_pointer (&all);
}

/* ---------------------------------------------------------------------
 * export numbers */

static gboolean
store_lookup_number_locked (NovaVolumeStore *self, const char *kind, const char *volume_id,
                            guint *out_number, gboolean *out_found, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = store_prepare (self,
                                                "SELECT number FROM export_numbers WHERE kind = ?1 AND volume_id = ?2",
                                                error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, kind);
  bind_text (stmt, 2, volume_id);
  rc = sqlite3_step (stmt);
  *out_found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    *out_number = (guint) sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    return store_error (self, error, "read an export number");
  return TRUE;
}

gboolean
nova_volume_store_lookup_number (NovaVolumeStore *self, const char *kind, const char *volume_id,
                                 guint *out_number, gboolean *out_found, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (kind != NULL && volume_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  return store_lookup_number_locked (self, kind, volume_id, out_number, out_found, error);
}

typedef struct {
  const char *kind;
  const char *volume_id;
  guint       min;
  guint       max;
  guint       number;
} Allocation;

static gboolean
allocate_in_transaction (NovaVolumeStore *self, gpointer user_data, GError **error)
{
  Allocation *a = user_data;
  g_autoptr(sqlite3_stmt) free_stmt = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  gboolean found = FALSE;
  gint64 number;
  int rc;

  if (!store_lookup_number_locked (self, a->kind, a->volume_id, &a->number, &found, error))
    return FALSE;
  if (found)
    return TRUE;

  /* the lowest free number: min itself, or one above a taken one */
  free_stmt = store_prepare (self,
                             "SELECT MIN(n) FROM ("
                             "  SELECT ?2 AS n WHERE NOT EXISTS "
                             "    (SELECT 1 FROM export_numbers WHERE kind = ?1 AND number = ?2)"
                             "  UNION ALL"
                             "  SELECT number + 1 FROM export_numbers e WHERE kind = ?1"
                             "    AND number >= ?2 AND number < ?3 AND NOT EXISTS"
                             "    (SELECT 1 FROM export_numbers WHERE kind = ?1 AND number = e.number + 1))",
                             error);
  if (free_stmt == NULL)
    return FALSE;
  bind_text (free_stmt, 1, a->kind);
  sqlite3_bind_int64 (free_stmt, 2, a->min);
  sqlite3_bind_int64 (free_stmt, 3, a->max);
  rc = sqlite3_step (free_stmt);
  if (rc != SQLITE_ROW)
    return store_error (self, error, "find a free export number");
  if (sqlite3_column_type (free_stmt, 0) == SQLITE_NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                   "no free %s number for volume %s: all of %u..%u are held by other volumes",
                   a->kind, a->volume_id, a->min, a->max);
      return FALSE;
    }
  number = sqlite3_column_int64 (free_stmt, 0);

  insert = store_prepare (self, "INSERT INTO export_numbers (kind, number, volume_id) VALUES (?1, ?2, ?3)", error);
  if (insert == NULL)
    return FALSE;
  bind_text (insert, 1, a->kind);
  sqlite3_bind_int64 (insert, 2, number);
  bind_text (insert, 3, a->volume_id);
  rc = sqlite3_step (insert);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "cannot give volume %s a %s number: the volume is not in the store", a->volume_id, a->kind);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return store_error (self, error, "store an export number");
  a->number = (guint) number;
  return TRUE;
}

gboolean
nova_volume_store_allocate_number (NovaVolumeStore *self, const char *kind, const char *volume_id,
                                   guint min, guint max, guint *out_number, GError **error)
{
  Allocation a = { kind, volume_id, min, max, 0 };

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (kind != NULL && volume_id != NULL, FALSE);
  g_return_val_if_fail (min <= max, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!nova_volume_store_transaction (self, allocate_in_transaction, &a, error))
    return FALSE;
  *out_number = a.number;
  return TRUE;
}

gboolean
nova_volume_store_release_number (NovaVolumeStore *self, const char *kind, const char *volume_id,
                                  GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (kind != NULL && volume_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = store_prepare (self, "DELETE FROM export_numbers WHERE kind = ?1 AND volume_id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, kind);
  bind_text (stmt, 2, volume_id);
  return store_step_done (self, stmt, "free an export number", error);
}

/* ---------------------------------------------------------------------
 * transactions and checks */

gboolean
nova_volume_store_transaction (NovaVolumeStore                *self,
                               NovaVolumeStoreTransactionFunc  func,
                               gpointer                        user_data,
                               GError                        **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GError) error_local = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* held until the commit: other threads wait rather than write into
   * the middle of this transaction */
  locker = g_rec_mutex_locker_new (&self->mutex);
  if (!store_begin (self, TRUE, error))
    return FALSE;
  if (!func (self, user_data, &error_local))
    {
      store_end (self, FALSE, NULL);
      if (error_local == NULL)
        g_set_error (&error_local, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "state database %s: the transaction was rolled back",
                     self->path);
      g_propagate_error (error, g_steal_pointer (&error_local));
      return FALSE;
    }
  if (error_local != NULL)
    g_warning ("transaction function succeeded but set an error: %s", error_local->message);
  return store_end (self, TRUE, error);
}

gboolean
nova_volume_store_check_integrity (NovaVolumeStore *self, GError **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc;

  g_return_val_if_fail (NOVA_VOLUME_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->mutex);
  stmt = store_prepare (self, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;
  /* one row "ok", or one row per problem found */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *row = (const char *) sqlite3_column_text (stmt, 0);
      if (g_strcmp0 (row, "ok") == 0)
        continue;
      if (problems->len > 0)
        g_string_append (problems, "; ");
      g_string_append (problems, row != NULL ? row : "(null)");
    }
  /* damage bad enough that the check cannot even walk the file */
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
    {
      if (problems->len > 0)
        g_string_append (problems, "; ");
      g_string_append (problems, sqlite3_errmsg (self->db));
    }
  else if (rc != SQLITE_DONE)
    return store_error (self, error, "check integrity");
  if (problems->len > 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "state database %s is damaged: %s; restore it from a backup",
                   self->path, problems->str);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------
 * GObject */

static void
nova_volume_store_finalize (GObject *object)
{
  NovaVolumeStore *self = NOVA_VOLUME_STORE (object);

  store_forget_statements (self);
  g_hash_table_unref (self->statements);
  if (self->db != NULL)
    {
      /* every other statement is finalized by its autoptr, so this only
       * fails on a bug */
      if (sqlite3_close (self->db) != SQLITE_OK)
        g_warning ("state database %s: failed to close: %s", self->path, sqlite3_errmsg (self->db));
      self->db = NULL;
    }
  g_rec_mutex_clear (&self->mutex);
  g_free (self->path);

  G_OBJECT_CLASS (nova_volume_store_parent_class)->finalize (object);
}

static void
nova_volume_store_class_init (NovaVolumeStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = nova_volume_store_finalize;
}

static void
nova_volume_store_init (NovaVolumeStore *self)
{
  g_rec_mutex_init (&self->mutex);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---------------------------------------------------------------------
 * the ledger drivers see (nova-volume-ledger.h) */

static gboolean
ledger_allocate_number (NovaVolumeLedger *ledger, const char *kind, const char *volume_id,
                        guint min, guint max, guint *out_number, GError **error)
{
  return nova_volume_store_allocate_number (NOVA_VOLUME_STORE (ledger), kind, volume_id, min, max,
                                            out_number, error);
}

static gboolean
ledger_release_number (NovaVolumeLedger *ledger, const char *kind, const char *volume_id, GError **error)
{
  return nova_volume_store_release_number (NOVA_VOLUME_STORE (ledger), kind, volume_id, error);
}

static gboolean
ledger_lookup_number (NovaVolumeLedger *ledger, const char *kind, const char *volume_id,
                      guint *out_number, gboolean *out_found, GError **error)
{
  return nova_volume_store_lookup_number (NOVA_VOLUME_STORE (ledger), kind, volume_id, out_number,
                                          out_found, error);
}

static gboolean
ledger_provisioned (NovaVolumeLedger *ledger, const char *backend, guint64 *out_bytes, GError **error)
{
  return nova_volume_store_provisioned (NOVA_VOLUME_STORE (ledger), backend, out_bytes, error);
}

static void
nova_volume_store_ledger_init (NovaVolumeLedgerInterface *iface)
{
  iface->allocate_number = ledger_allocate_number;
  iface->release_number = ledger_release_number;
  iface->lookup_number = ledger_lookup_number;
  iface->provisioned = ledger_provisioned;
}
