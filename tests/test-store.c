/* nova-volume: tests for the records and the SQLite state store. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "nova-volume-error.h"
#include "nova-volume-record.h"
#include "nova-volume-store.h"
#include "test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

typedef struct {
  char *dir;   /* a fresh directory per test, removed afterwards */
  char *path;  /* dir/state.db, not created yet */
} Fixture;

static void
fixture_setup (Fixture *fixture, gconstpointer user_data)
{
  fixture->dir = test_make_tmp_dir ("nova-volume-test-store-XXXXXX");
  fixture->path = g_build_filename (fixture->dir, "state.db", NULL);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer user_data)
{
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static NovaVolumeStore *
open_store (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeStore *store = nova_volume_store_open (fixture->path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* a volume with every field set to something distinct */
static NovaVolumeRecord *
make_volume (const char *id, gint64 created_at)
{
  NovaVolumeRecord *volume = nova_volume_record_new ();

  nova_record_set_string (&volume->id, id);
  nova_record_set_string (&volume->name, "data disk");
  nova_record_set_string (&volume->description, "it's got \"quotes\" and ünïcode");
  volume->size = G_GUINT64_CONSTANT (10) * 1024 * 1024 * 1024;
  volume->status = NOVA_VOLUME_STATUS_IN_USE;
  nova_record_set_string (&volume->status_reason, "attached by test");
  volume->attached = TRUE;
  nova_record_set_string (&volume->instance_uuid, "6b8f0a4e-8c1d-4b7e-9b5f-2a7d6e3c1f00");
  nova_record_set_string (&volume->mountpoint, "/dev/vdb");
  nova_record_set_string (&volume->attached_host, "compute-1");
  nova_record_set_string (&volume->availability_zone, "nova");
  nova_record_set_string (&volume->provider_location, "10.0.0.2:3260,1 iqn.2010-10.org.openstack:volume-x 0");
  nova_record_set_string (&volume->provider_auth, "CHAP user secret");
  nova_record_set_string (&volume->driver, "fake");
  nova_record_set_string (&volume->backend, "fake-1");
  nova_record_set_string (&volume->migration, "to:fake-2");
  volume->created_at = created_at;
  volume->updated_at = created_at + 17;
  g_hash_table_insert (volume->metadata, g_strdup ("purpose"), g_strdup ("database"));
  g_hash_table_insert (volume->metadata, g_strdup ("owner"), g_strdup ("team ä"));
  return volume;
}

static NovaSnapshotRecord *
make_snapshot (const char *id, const char *volume_id, gint64 created_at)
{
  NovaSnapshotRecord *snapshot = nova_snapshot_record_new ();

  nova_record_set_string (&snapshot->id, id);
  nova_record_set_string (&snapshot->volume_id, volume_id);
  nova_record_set_string (&snapshot->name, "nightly");
  nova_record_set_string (&snapshot->description, "before the upgrade");
  snapshot->size = G_GUINT64_CONSTANT (1) << 40;
  snapshot->status = NOVA_SNAPSHOT_STATUS_AVAILABLE;
  nova_record_set_string (&snapshot->status_reason, "done");
  snapshot->progress = 0.75;
  nova_record_set_string (&snapshot->provider_location, "/srv/snapshot-x");
  snapshot->created_at = created_at;
  snapshot->updated_at = created_at + 5;
  return snapshot;
}

static void
assert_metadata_equal (GHashTable *a, GHashTable *b)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (b, key), ==, value);
}

static void
assert_volume_equal (const NovaVolumeRecord *a, const NovaVolumeRecord *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->description, ==, b->description);
  g_assert_cmpuint (a->size, ==, b->size);
  g_assert_cmpint (a->status, ==, b->status);
  g_assert_cmpstr (a->status_reason, ==, b->status_reason);
  g_assert_cmpint (a->attached, ==, b->attached);
  g_assert_cmpstr (a->instance_uuid, ==, b->instance_uuid);
  g_assert_cmpstr (a->mountpoint, ==, b->mountpoint);
  g_assert_cmpstr (a->attached_host, ==, b->attached_host);
  g_assert_cmpstr (a->availability_zone, ==, b->availability_zone);
  g_assert_cmpstr (a->source_snapshot_id, ==, b->source_snapshot_id);
  g_assert_cmpstr (a->source_volume_id, ==, b->source_volume_id);
  g_assert_cmpstr (a->provider_location, ==, b->provider_location);
  g_assert_cmpstr (a->provider_auth, ==, b->provider_auth);
  g_assert_cmpstr (a->driver, ==, b->driver);
  g_assert_cmpstr (a->backend, ==, b->backend);
  g_assert_cmpstr (a->migration, ==, b->migration);
  g_assert_cmpint (a->created_at, ==, b->created_at);
  g_assert_cmpint (a->updated_at, ==, b->updated_at);
  assert_metadata_equal (a->metadata, b->metadata);
}

static void
assert_snapshot_equal (const NovaSnapshotRecord *a, const NovaSnapshotRecord *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->volume_id, ==, b->volume_id);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->description, ==, b->description);
  g_assert_cmpuint (a->size, ==, b->size);
  g_assert_cmpint (a->status, ==, b->status);
  g_assert_cmpstr (a->status_reason, ==, b->status_reason);
  g_assert_cmpfloat (a->progress, ==, b->progress);
  g_assert_cmpstr (a->provider_location, ==, b->provider_location);
  g_assert_cmpint (a->created_at, ==, b->created_at);
  g_assert_cmpint (a->updated_at, ==, b->updated_at);
}

/* a second, independent connection: what is really in the file */
static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
raw_query_int (const char *path, const char *sql)
{
  sqlite3 *db = raw_open (path);
  gint64 value;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;
    g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    value = sqlite3_column_int64 (stmt, 0);
  }
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  return value;
}

static char *
raw_query_text (const char *path, const char *sql)
{
  sqlite3 *db = raw_open (path);
  char *value;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;
    g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  }
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  return value;
}

static void
raw_exec (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *errmsg = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("%s: %s", sql, errmsg);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &error);

  g_assert_no_error (error);
  /* a copy, so the comparison does not depend on the mapping */
  return g_bytes_new (g_mapped_file_get_contents (file), g_mapped_file_get_length (file));
}

/* ---------------------------------------------------------------------
 * records */

static void
test_record_volume_status (void)
{
  NovaVolumeStatus status = NOVA_VOLUME_STATUS_AVAILABLE;
  const char *names[] = { "creating", "available", "attaching", "in-use", "detaching",
                          "extending", "deleting", "error", "error_deleting" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (nova_volume_status_to_string ((NovaVolumeStatus) i), ==, names[i]);
      g_assert_true (nova_volume_status_from_string (names[i], &status));
      g_assert_cmpint (status, ==, (NovaVolumeStatus) i);
    }

  /* unknown text leaves @out alone */
  status = NOVA_VOLUME_STATUS_DELETING;
  g_assert_false (nova_volume_status_from_string ("in_use", &status));
  g_assert_false (nova_volume_status_from_string ("IN-USE", &status));
  g_assert_false (nova_volume_status_from_string ("error-deleting", &status));
  g_assert_false (nova_volume_status_from_string ("", &status));
  g_assert_false (nova_volume_status_from_string (NULL, &status));
  g_assert_cmpint (status, ==, NOVA_VOLUME_STATUS_DELETING);
  g_assert_null (nova_volume_status_to_string ((NovaVolumeStatus) 42));
}

static void
test_record_snapshot_status (void)
{
  NovaSnapshotStatus status = NOVA_SNAPSHOT_STATUS_AVAILABLE;
  const char *names[] = { "creating", "available", "deleting", "error", "error_deleting" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (nova_snapshot_status_to_string ((NovaSnapshotStatus) i), ==, names[i]);
      g_assert_true (nova_snapshot_status_from_string (names[i], &status));
      g_assert_cmpint (status, ==, (NovaSnapshotStatus) i);
    }

  status = NOVA_SNAPSHOT_STATUS_ERROR;
  /* a volume status is not a snapshot status */
  g_assert_false (nova_snapshot_status_from_string ("in-use", &status));
  g_assert_false (nova_snapshot_status_from_string ("Available", &status));
  g_assert_false (nova_snapshot_status_from_string (NULL, &status));
  g_assert_cmpint (status, ==, NOVA_SNAPSHOT_STATUS_ERROR);
  g_assert_null (nova_snapshot_status_to_string ((NovaSnapshotStatus) 42));
}

static void
test_record_new (void)
{
  g_autoptr(NovaVolumeRecord) volume = nova_volume_record_new ();
  g_autoptr(NovaSnapshotRecord) snapshot = nova_snapshot_record_new ();

  /* the never-NULL fields start as "", the ids and sources as NULL */
  g_assert_null (volume->id);
  g_assert_cmpstr (volume->name, ==, "");
  g_assert_cmpstr (volume->description, ==, "");
  g_assert_cmpstr (volume->status_reason, ==, "");
  g_assert_cmpstr (volume->instance_uuid, ==, "");
  g_assert_cmpstr (volume->mountpoint, ==, "");
  g_assert_cmpstr (volume->attached_host, ==, "");
  g_assert_cmpstr (volume->availability_zone, ==, "");
  g_assert_null (volume->source_snapshot_id);
  g_assert_null (volume->source_volume_id);
  g_assert_cmpstr (volume->provider_location, ==, "");
  g_assert_cmpstr (volume->provider_auth, ==, "");
  g_assert_cmpstr (volume->driver, ==, "");
  g_assert_nonnull (volume->metadata);
  g_assert_cmpuint (g_hash_table_size (volume->metadata), ==, 0);
  g_assert_false (volume->attached);

  g_assert_null (snapshot->id);
  g_assert_null (snapshot->volume_id);
  g_assert_cmpstr (snapshot->name, ==, "");
  g_assert_cmpstr (snapshot->description, ==, "");
  g_assert_cmpstr (snapshot->status_reason, ==, "");
  g_assert_cmpstr (snapshot->provider_location, ==, "");
  g_assert_cmpfloat (snapshot->progress, ==, 0.0);
}

static void
test_record_copy (void)
{
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-000000000001", 1000);
  g_autoptr(NovaVolumeRecord) copy = NULL;
  g_autoptr(NovaSnapshotRecord) snapshot = make_snapshot ("s1", "v1", 2000);
  g_autoptr(NovaSnapshotRecord) snapshot_copy = NULL;

  nova_record_set_string (&volume->source_volume_id, "source-volume");
  copy = nova_volume_record_copy (volume);
  assert_volume_equal (volume, copy);

  /* deep: nothing is shared */
  g_assert_true (copy->id != volume->id);
  g_assert_true (copy->source_volume_id != volume->source_volume_id);
  g_assert_true (copy->metadata != volume->metadata);
  g_hash_table_insert (copy->metadata, g_strdup ("purpose"), g_strdup ("changed"));
  g_hash_table_insert (copy->metadata, g_strdup ("extra"), g_strdup ("only in the copy"));
  nova_record_set_string (&copy->name, "renamed");
  g_assert_cmpstr (g_hash_table_lookup (volume->metadata, "purpose"), ==, "database");
  g_assert_null (g_hash_table_lookup (volume->metadata, "extra"));
  g_assert_cmpstr (volume->name, ==, "data disk");

  snapshot_copy = nova_snapshot_record_copy (snapshot);
  assert_snapshot_equal (snapshot, snapshot_copy);
  g_assert_true (snapshot_copy->volume_id != snapshot->volume_id);
}

static void
test_record_set_string (void)
{
  g_autofree char *field = NULL;

  /* NULL stays NULL: only the nullable fields are given it */
  nova_record_set_string (&field, NULL);
  g_assert_null (field);
  nova_record_set_string (&field, "one");
  g_assert_cmpstr (field, ==, "one");
  nova_record_set_string (&field, "");
  g_assert_cmpstr (field, ==, "");
  nova_record_set_string (&field, "two-and-more");
  /* assigning a field its own value, or a part of it, must not read
   * freed memory (valgrind checks that) */
  nova_record_set_string (&field, field);
  g_assert_cmpstr (field, ==, "two-and-more");
  nova_record_set_string (&field, field + 4);
  g_assert_cmpstr (field, ==, "and-more");
  nova_record_set_string (&field, NULL);
  g_assert_null (field);
}

static void
test_record_boxed (void)
{
  g_autoptr(NovaVolumeRecord) volume = make_volume ("boxed", 1);
  g_autoptr(NovaSnapshotRecord) snapshot = make_snapshot ("boxed-snap", "boxed", 2);
  NovaVolumeRecord *volume_copy;
  NovaSnapshotRecord *snapshot_copy;
  g_auto(GValue) value = G_VALUE_INIT;

  g_assert_true (G_TYPE_IS_BOXED (nova_volume_record_get_type ()));
  g_assert_true (G_TYPE_IS_BOXED (nova_snapshot_record_get_type ()));
  g_assert_cmpstr (g_type_name (nova_volume_record_get_type ()), ==, "NovaVolumeRecord");
  g_assert_cmpstr (g_type_name (nova_snapshot_record_get_type ()), ==, "NovaSnapshotRecord");

  volume_copy = g_boxed_copy (nova_volume_record_get_type (), volume);
  assert_volume_equal (volume, volume_copy);
  g_boxed_free (nova_volume_record_get_type (), volume_copy);

  snapshot_copy = g_boxed_copy (nova_snapshot_record_get_type (), snapshot);
  assert_snapshot_equal (snapshot, snapshot_copy);
  g_boxed_free (nova_snapshot_record_get_type (), snapshot_copy);

  /* through a GValue, as a signal or property would carry it */
  g_value_init (&value, nova_volume_record_get_type ());
  g_value_set_boxed (&value, volume);
  assert_volume_equal (volume, g_value_get_boxed (&value));
  g_assert_true (g_value_get_boxed (&value) != volume);
}

/* ---------------------------------------------------------------------
 * opening, schema, migrations */

static void
test_open_fresh (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autofree char *journal_mode = NULL;
  GStatBuf st;

  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  store = open_store (fixture);
  g_assert_cmpstr (nova_volume_store_get_path (store), ==, fixture->path);
  g_assert_cmpint (nova_volume_store_get_schema_version (store), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION);
  g_assert_cmpint (NOVA_VOLUME_STORE_SCHEMA_VERSION, ==, 8);

  /* what the file itself says, through another connection */
  g_assert_cmpint (raw_query_int (fixture->path, "PRAGMA user_version"), ==, 8);
  journal_mode = raw_query_text (fixture->path, "PRAGMA journal_mode");
  g_assert_cmpstr (journal_mode, ==, "wal");
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                                  "('volumes', 'volume_metadata', 'snapshots', 'connections', 'backups')"),
                   ==, 5);

  /* CHAP secrets live in there: only the owner may read it */
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_reopen (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-00000000aaaa", 5);
  g_autoptr(NovaSnapshotRecord) snapshot = make_snapshot ("snap-a", volume->id, 6);
  g_autoptr(NovaVolumeRecord) again = NULL;
  g_autoptr(NovaSnapshotRecord) snapshot_again = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(NovaVolumeStore) store = open_store (fixture);
    g_assert_true (nova_volume_store_put_volume (store, volume, &error));
    g_assert_no_error (error);
    g_assert_true (nova_volume_store_put_snapshot (store, snapshot, &error));
    g_assert_no_error (error);
    g_assert_true (nova_volume_store_put_connection (store, volume->id, "iqn.1993-08.org.debian:01:abc",
                                                     g_variant_new_parsed ("{'host': <'compute-1'>}"),
                                                     &error));
    g_assert_no_error (error);
  }

  /* opening an up-to-date database migrates nothing and keeps every row */
  {
    g_autoptr(NovaVolumeStore) store = open_store (fixture);
    g_assert_cmpint (nova_volume_store_get_schema_version (store), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION);
    again = nova_volume_store_get_volume (store, volume->id, &error);
    g_assert_no_error (error);
    assert_volume_equal (volume, again);
    snapshot_again = nova_volume_store_get_snapshot (store, snapshot->id, &error);
    g_assert_no_error (error);
    assert_snapshot_equal (snapshot, snapshot_again);
    connections = nova_volume_store_list_connections (store, volume->id, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (connections->len, ==, 1);
  }
  g_assert_cmpint (raw_query_int (fixture->path, "PRAGMA user_version"), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION);
}

/* what a later nova-volume might have written; with @keep_wal its last
 * transaction is still only in the WAL, as after a crash */
static void
write_future_database (const char *path, const char *journal_mode, gboolean keep_wal)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("PRAGMA journal_mode = %s;"
                         "CREATE TABLE volumes (id TEXT PRIMARY KEY, shiny_new_column TEXT);"
                         "PRAGMA user_version = %d;"
                         "INSERT INTO volumes VALUES ('from-the-future', 'x');",
                         journal_mode, NOVA_VOLUME_STORE_SCHEMA_VERSION + 1);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  if (keep_wal)
    g_assert_cmpint (sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_open_newer_schema (Fixture *fixture, gconstpointer user_data)
{
  struct { const char *journal_mode; gboolean keep_wal; } variants[] = {
    { "DELETE", FALSE }, { "WAL", FALSE }, { "WAL", TRUE },
  };
  g_autofree char *wal_path = g_strconcat (fixture->path, "-wal", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autoptr(NovaVolumeStore) store = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) before = NULL;
      g_autoptr(GBytes) after = NULL;
      g_autoptr(GBytes) wal_before = NULL;
      g_autoptr(GBytes) wal_after = NULL;
      g_autofree char *expected = NULL;

      g_test_message ("journal_mode %s, %s", variants[i].journal_mode,
                      variants[i].keep_wal ? "with a WAL left behind" : "cleanly closed");
      g_unlink (fixture->path);
      g_unlink (wal_path);

      write_future_database (fixture->path, variants[i].journal_mode, variants[i].keep_wal);
      before = read_bytes (fixture->path);
      g_assert_cmpint (g_file_test (wal_path, G_FILE_TEST_EXISTS), ==, variants[i].keep_wal);
      if (variants[i].keep_wal)
        {
          wal_before = read_bytes (wal_path);
          g_assert_cmpuint (g_bytes_get_size (wal_before), >, 0);
        }

      store = nova_volume_store_open (fixture->path, &error);
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
      g_assert_null (store);
      expected = g_strdup_printf ("state database %s was written by a newer nova-volume "
                                  "(schema %d; this build knows %d); refusing to open it",
                                  fixture->path, NOVA_VOLUME_STORE_SCHEMA_VERSION + 1,
                                  NOVA_VOLUME_STORE_SCHEMA_VERSION);
      g_assert_cmpstr (error->message, ==, expected);

      /* untouched, to the byte, and still readable by its own version */
      after = read_bytes (fixture->path);
      g_assert_true (g_bytes_equal (before, after));
      if (variants[i].keep_wal)
        {
          wal_after = read_bytes (wal_path);
          g_assert_true (g_bytes_equal (wal_before, wal_after));
        }
      g_assert_cmpint (raw_query_int (fixture->path, "PRAGMA user_version"), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION + 1);
      g_assert_cmpint (raw_query_int (fixture->path,
                                      "SELECT count(*) FROM volumes WHERE shiny_new_column = 'x'"),
                       ==, 1);
    }
}

static void
test_open_not_a_database (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) after = NULL;
  const char *junk = "this is a text file, not an SQLite database, and it is long enough "
                     "for SQLite to read a whole header from it............................";

  g_assert_true (g_file_set_contents (fixture->path, junk, -1, NULL));
  store = nova_volume_store_open (fixture->path, &error);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, fixture->path));

  after = read_bytes (fixture->path);
  g_assert_cmpmem (g_bytes_get_data (after, NULL), g_bytes_get_size (after), junk, strlen (junk));
}

static void
test_open_missing_directory (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "no-such-dir", "state.db", NULL);

  store = nova_volume_store_open (path, &error);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_null (store);
  /* the message names the file that could not be opened */
  g_assert_nonnull (strstr (error->message, path));
}

/* tests/data/store-v1.db was written by the schema-1 store (volume,
 * metadata, snapshot, connection); every later schema must still open
 * it and keep what it holds. */
static void
test_open_v1_fixture (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autoptr(NovaVolumeRecord) volume = NULL;
  g_autoptr(NovaSnapshotRecord) snapshot = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GVariant) initiator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  const char *fixture_path = g_test_get_filename (G_TEST_DIST, "data", "store-v1.db", NULL);

  /* migrate a copy: the fixture in the source tree stays as it was */
  g_assert_true (g_file_get_contents (fixture_path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (fixture->path, contents, (gssize) length, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_query_int (fixture->path, "PRAGMA user_version"), ==, 1);

  store = open_store (fixture);
  g_assert_cmpint (nova_volume_store_get_schema_version (store), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION);

  volumes = nova_volume_store_list_volumes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (volumes->len, ==, 2);

  volume = nova_volume_store_get_volume (store, "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (volume->name, ==, "fixture volume");
  g_assert_cmpuint (volume->size, ==, G_GUINT64_CONSTANT (1073741824));
  g_assert_cmpint (volume->status, ==, NOVA_VOLUME_STATUS_IN_USE);
  g_assert_true (volume->attached);
  g_assert_cmpstr (volume->mountpoint, ==, "/dev/vdb");
  g_assert_cmpstr (volume->provider_auth, ==, "CHAP fixture-user fixture-secret");
  g_assert_null (volume->source_snapshot_id);
  g_assert_null (volume->source_volume_id);
  g_assert_cmpstr (g_hash_table_lookup (volume->metadata, "purpose"), ==, "migration fixture");
  g_assert_cmpint (volume->created_at, ==, G_GINT64_CONSTANT (1700000000000000));
  /* schema 3: the backend is the one the driver's daemon had */
  g_assert_cmpstr (volume->backend, ==, volume->driver);

  snapshot = nova_volume_store_get_snapshot (store, "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (snapshot->volume_id, ==, "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
  g_assert_cmpint (snapshot->status, ==, NOVA_SNAPSHOT_STATUS_AVAILABLE);
  g_assert_cmpfloat (snapshot->progress, ==, 1.0);

  /* the clone made from that snapshot */
  g_assert_cmpstr (((NovaVolumeRecord *) volumes->pdata[1])->source_snapshot_id, ==,
                   "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d");

  connections = nova_volume_store_list_connections (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
  initiator = g_variant_lookup_value (connections->pdata[0], "initiator", G_VARIANT_TYPE_STRING);
  g_assert_nonnull (initiator);
  g_assert_cmpstr (g_variant_get_string (initiator, NULL), ==, "iqn.1993-08.org.debian:01:fixture");

  /* schema 2: the migrated volume can hold export numbers */
  {
    guint tid = 0;

    g_assert_true (nova_volume_store_allocate_number (store, "iscsi-target", volume->id, 1, 100, &tid, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (tid, ==, 1);
  }

  g_assert_true (nova_volume_store_check_integrity (store, &error));
  g_assert_no_error (error);
}

/* tests/data/store-v2.db was written by a schema-2 nova-volumed with the
 * file driver (one volume, one snapshot of it): schema 3 gives each
 * volume the backend it lives on, which for a one-driver daemon is named
 * after the driver. */
static void
test_open_v2_fixture (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autoptr(NovaVolumeRecord) volume = NULL;
  g_autoptr(NovaSnapshotRecord) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint64 provisioned = 0;
  const char *fixture_path = g_test_get_filename (G_TEST_DIST, "data", "store-v2.db", NULL);

  g_assert_true (g_file_get_contents (fixture_path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (fixture->path, contents, (gssize) length, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_query_int (fixture->path, "PRAGMA user_version"), ==, 2);

  store = open_store (fixture);
  g_assert_cmpint (nova_volume_store_get_schema_version (store), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION);

  volume = nova_volume_store_get_volume (store, "eaf6a81f-8281-4954-bfde-d375f37b9129", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (volume->name, ==, "v2 fixture volume");
  g_assert_cmpuint (volume->size, ==, 16 * 1024 * 1024);
  g_assert_cmpint (volume->status, ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpstr (volume->driver, ==, "file");
  g_assert_cmpstr (volume->backend, ==, "file");

  snapshot = nova_volume_store_get_snapshot (store, "cb77feb3-f3b0-4f5f-b461-0ae30c131a60", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (snapshot->volume_id, ==, volume->id);
  g_assert_cmpstr (snapshot->name, ==, "v2 fixture snapshot");

  g_assert_true (nova_volume_ledger_provisioned (NOVA_VOLUME_LEDGER (store), "file", &provisioned, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (provisioned, ==, 16 * 1024 * 1024);
  g_assert_true (nova_volume_ledger_provisioned (NOVA_VOLUME_LEDGER (store), "other", &provisioned, &error));
  g_assert_cmpuint (provisioned, ==, 0);

  /* a volume moved to another backend is counted there */
  nova_record_set_string (&volume->backend, "other");
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  g_clear_pointer (&volume, nova_volume_record_free);
  volume = nova_volume_store_get_volume (store, "eaf6a81f-8281-4954-bfde-d375f37b9129", &error);
  g_assert_cmpstr (volume->backend, ==, "other");
  g_assert_true (nova_volume_ledger_provisioned (NOVA_VOLUME_LEDGER (store), "other", &provisioned, &error));
  g_assert_cmpuint (provisioned, ==, 16 * 1024 * 1024);

  g_assert_true (nova_volume_store_check_integrity (store, &error));
  g_assert_no_error (error);
}

static NovaAttachmentRecord *
make_attachment (const char *id, const char *instance, const char *mode, gint64 at)
{
  NovaAttachmentRecord *attachment = nova_attachment_record_new ();

  attachment->id = g_strdup (id);
  nova_record_set_string (&attachment->instance_uuid, instance);
  nova_record_set_string (&attachment->mountpoint, "/dev/vdc");
  nova_record_set_string (&attachment->host, "compute-2");
  nova_record_set_string (&attachment->mode, mode);
  nova_record_set_string (&attachment->connector, "{'host': <'compute-2'>}");
  attachment->attached_at = at;
  return attachment;
}

/* a volume's attachments are kept with it, in their order, replaced as a
 * whole, and go with it */
static void
test_volume_attachments (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000a1", 10);
  g_autoptr(NovaVolumeRecord) back = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  const NovaAttachmentRecord *second;

  volume->multiattach = TRUE;
  g_ptr_array_add (volume->attachments, make_attachment ("aaaaaaaa-0000-4000-8000-000000000001",
                                                         "6b8f0a4e-8c1d-4b7e-9b5f-2a7d6e3c1f00", "rw", 100));
  g_ptr_array_add (volume->attachments, make_attachment ("aaaaaaaa-0000-4000-8000-000000000002",
                                                         "7c9f0a4e-8c1d-4b7e-9b5f-2a7d6e3c1f01", "ro", 200));
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  back = nova_volume_store_get_volume (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_true (back->multiattach);
  g_assert_cmpuint (back->attachments->len, ==, 2);
  second = g_ptr_array_index (back->attachments, 1);
  g_assert_cmpstr (second->id, ==, "aaaaaaaa-0000-4000-8000-000000000002");
  g_assert_cmpstr (second->mode, ==, "ro");
  g_assert_cmpstr (second->host, ==, "compute-2");
  g_assert_cmpstr (second->connector, ==, "{'host': <'compute-2'>}");
  g_assert_cmpint (second->attached_at, ==, 200);
  all = nova_volume_store_list_volumes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((NovaVolumeRecord *) g_ptr_array_index (all, 0))->attachments->len, ==, 2);

  g_ptr_array_remove_index (volume->attachments, 0);
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM attachments"), ==, 1);
  g_assert_true (nova_volume_store_delete_volume (store, volume->id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM attachments"), ==, 0);
}

/* a backup's row: every field back as it went in, in creation order,
 * without its volume (a backup outlives it); an unknown status is an
 * error naming the row */
static void
test_backup_round_trip (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaBackupRecord) later = nova_backup_record_new ();
  g_autoptr(NovaBackupRecord) earlier = nova_backup_record_new ();
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GError) error = NULL;
  const NovaBackupRecord *got;

  later->id = g_strdup ("3f2a0c8e-0000-4000-8000-0000000000b2");
  later->volume_id = g_strdup ("3f2a0c8e-0000-4000-8000-0000000000a9");
  nova_record_set_string (&later->parent_id, "3f2a0c8e-0000-4000-8000-0000000000b1");
  nova_record_set_string (&later->name, "tuesday");
  later->size = 64 << 20;
  later->stored_bytes = 12345;
  later->status = NOVA_BACKUP_STATUS_ERROR;
  nova_record_set_string (&later->status_reason, "cut short");
  later->created_at = 20;
  earlier->id = g_strdup ("3f2a0c8e-0000-4000-8000-0000000000b1");
  earlier->volume_id = g_strdup (later->volume_id);
  earlier->status = NOVA_BACKUP_STATUS_AVAILABLE;
  earlier->created_at = 10;
  g_assert_true (nova_volume_store_put_backup (store, later, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_backup (store, earlier, &error));
  g_assert_no_error (error);

  backups = nova_volume_store_list_backups (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (backups->len, ==, 2);
  g_assert_cmpstr (((NovaBackupRecord *) g_ptr_array_index (backups, 0))->id, ==, earlier->id);
  got = g_ptr_array_index (backups, 1);
  g_assert_cmpstr (got->parent_id, ==, later->parent_id);
  g_assert_cmpstr (got->name, ==, "tuesday");
  g_assert_cmpstr (got->snapshot_id, ==, "");
  g_assert_cmpuint (got->size, ==, 64 << 20);
  g_assert_cmpuint (got->stored_bytes, ==, 12345);
  g_assert_cmpint (got->status, ==, NOVA_BACKUP_STATUS_ERROR);
  g_assert_cmpstr (got->status_reason, ==, "cut short");

  g_assert_true (nova_volume_store_delete_backup (store, earlier->id, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_store_delete_backup (store, earlier->id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);

  raw_exec (fixture->path, "UPDATE backups SET status = 'hatching';");
  g_clear_pointer (&backups, g_ptr_array_unref);
  backups = nova_volume_store_list_backups (store, &error);
  g_assert_null (backups);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "backup 3f2a0c8e-0000-4000-8000-0000000000b2"));
}

/* what schemas 7 and 8 added, for a database made to look older */
#define DROP_SCHEMAS_7_8 "DROP TRIGGER provisioned_on_insert; DROP TRIGGER provisioned_on_update; " \
                      "DROP TRIGGER provisioned_on_delete; DROP TABLE provisioned; DROP TABLE backups; "

/* schema 5 to 6: an attached volume's one attachment becomes a row of its
 * own, with a UUID, read-write */
static void
test_open_v5_attached (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000a2", 10);
  g_autoptr(NovaVolumeRecord) back = NULL;
  g_autoptr(GError) error = NULL;
  const NovaAttachmentRecord *attachment;

  {
    g_autoptr(NovaVolumeStore) store = open_store (fixture);

    g_assert_true (nova_volume_store_put_volume (store, volume, &error));
    g_assert_no_error (error);
  }
  raw_exec (fixture->path, "DROP TABLE attachments; ALTER TABLE volumes DROP COLUMN multiattach; "
                           DROP_SCHEMAS_7_8 "PRAGMA user_version = 5;");
  {
    g_autoptr(NovaVolumeStore) store = open_store (fixture);

    g_assert_cmpint (nova_volume_store_get_schema_version (store), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION);
    back = nova_volume_store_get_volume (store, volume->id, &error);
    g_assert_no_error (error);
  }
  g_assert_false (back->multiattach);
  g_assert_cmpuint (back->attachments->len, ==, 1);
  attachment = g_ptr_array_index (back->attachments, 0);
  g_assert_true (g_uuid_string_is_valid (attachment->id));
  g_assert_cmpstr (attachment->instance_uuid, ==, volume->instance_uuid);
  g_assert_cmpstr (attachment->mountpoint, ==, "/dev/vdb");
  g_assert_cmpstr (attachment->host, ==, "compute-1");
  g_assert_cmpstr (attachment->mode, ==, "rw");
}

/* Unmanage: the row goes and the release is kept, in one transaction;
 * a volume with a snapshot is refused and nothing is kept */
static void
test_volume_release (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000ee", 10);
  g_autoptr(NovaSnapshotRecord) snapshot = make_snapshot ("snap-ee", volume->id, 30);
  g_autoptr(GHashTable) released = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_snapshot (store, snapshot, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_store_release_volume (store, volume->id, "file", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM released"), ==, 0);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 1);

  g_assert_true (nova_volume_store_delete_snapshot (store, snapshot->id, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_release_volume (store, volume->id, "file", &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 0);
  released = nova_volume_store_list_released (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (released), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (released, volume->id), ==, "file");
  g_clear_pointer (&released, g_hash_table_unref);

  /* managed again: forgotten; forgetting what is not there is no error */
  g_assert_true (nova_volume_store_forget_released (store, volume->id, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_forget_released (store, volume->id, &error));
  g_assert_no_error (error);
  released = nova_volume_store_list_released (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (released), ==, 0);

  /* a volume that is not there is not released */
  g_assert_false (nova_volume_store_release_volume (store, volume->id, "file", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM released"), ==, 0);
}

/* ---------------------------------------------------------------------
 * export numbers */

static void
put_volume (NovaVolumeStore *store, const char *id)
{
  g_autoptr(NovaVolumeRecord) volume = make_volume (id, 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
}

static guint
allocate (NovaVolumeStore *store, const char *kind, const char *id, guint min, guint max)
{
  g_autoptr(GError) error = NULL;
  guint number = 0;

  g_assert_true (nova_volume_store_allocate_number (store, kind, id, min, max, &number, &error));
  g_assert_no_error (error);
  return number;
}

/* lowest free first, the same number again for the same volume, freed
 * numbers reused, kinds apart, NoSpace when full, gone with the volume */
static void
test_numbers (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(GError) error = NULL;
  const char *a = "00000000-0000-4000-8000-00000000000a";
  const char *b = "00000000-0000-4000-8000-00000000000b";
  const char *c = "00000000-0000-4000-8000-00000000000c";
  const char *d = "00000000-0000-4000-8000-00000000000d";
  gboolean found = TRUE;
  guint number = 0;

  put_volume (store, a);
  put_volume (store, b);
  put_volume (store, c);
  put_volume (store, d);
  g_assert_true (nova_volume_store_lookup_number (store, "iscsi-target", a, &number, &found, &error));
  g_assert_false (found);
  g_assert_cmpuint (allocate (store, "iscsi-target", a, 1, 3), ==, 1);
  g_assert_cmpuint (allocate (store, "iscsi-target", a, 1, 3), ==, 1);
  g_assert_cmpuint (allocate (store, "iscsi-target", b, 1, 3), ==, 2);
  g_assert_cmpuint (allocate (store, "iscsi-target", c, 1, 3), ==, 3);
  g_assert_false (nova_volume_store_allocate_number (store, "iscsi-target", d, 1, 3, &number, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "1..3"));
  g_clear_error (&error);
  /* another kind is another space */
  g_assert_cmpuint (allocate (store, "aoe-blade", d, 0, 15), ==, 0);

  g_assert_true (nova_volume_store_release_number (store, "iscsi-target", b, &error));
  g_assert_true (nova_volume_store_release_number (store, "iscsi-target", b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (allocate (store, "iscsi-target", d, 1, 3), ==, 2);
  g_assert_true (nova_volume_store_lookup_number (store, "iscsi-target", d, &number, &found, &error));
  g_assert_true (found);
  g_assert_cmpuint (number, ==, 2);

  /* a number needs its volume, and goes with it */
  g_assert_false (nova_volume_store_allocate_number (store, "iscsi-target", "00000000-0000-4000-8000-0000000000ff",
                                                     1, 10, &number, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (nova_volume_store_delete_volume (store, a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (allocate (store, "iscsi-target", b, 1, 3), ==, 1);
}

typedef struct {
  NovaVolumeStore *store;
  const char      *id;
  guint            number;
} NumberJob;

static gpointer
allocate_in_thread (gpointer data)
{
  NumberJob *job = data;

  job->number = allocate (job->store, "iscsi-target", job->id, 1, 1000);
  return NULL;
}

/* 100 creates at once, from threads on one store and from a second store
 * on the same file (another process would be the same): 100 numbers, no
 * two alike, 1..100 */
static void
test_numbers_concurrent (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeStore) other = open_store (fixture);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  NumberJob jobs[100];
  GThread *threads[100];
  char ids[100][37];

  for (guint i = 0; i < 100; i++)
    {
      g_snprintf (ids[i], sizeof ids[i], "00000000-0000-4000-8000-%012u", i);
      put_volume (store, ids[i]);
    }
  for (guint i = 0; i < 100; i++)
    {
      jobs[i] = (NumberJob) { i % 2 == 0 ? store : other, ids[i], 0 };
      threads[i] = g_thread_new ("allocate", allocate_in_thread, &jobs[i]);
    }
  for (guint i = 0; i < 100; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (jobs[i].number, >=, 1);
      g_assert_cmpuint (jobs[i].number, <=, 100);
      g_assert_true (g_hash_table_add (seen, GUINT_TO_POINTER (jobs[i].number)));
    }
}

/* ---------------------------------------------------------------------
 * volumes */

static void
test_volume_round_trip (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) plain = make_volume ("3f2a0c8e-0000-4000-8000-000000000001", 100);
  g_autoptr(NovaVolumeRecord) clone = make_volume ("3f2a0c8e-0000-4000-8000-000000000002", 200);
  g_autoptr(NovaVolumeRecord) empty = nova_volume_record_new ();
  g_autoptr(GError) error = NULL;

  /* sources absent on one, present on the other */
  nova_record_set_string (&clone->source_snapshot_id, "5a6b7c8d-0000-4000-8000-000000000001");
  nova_record_set_string (&clone->source_volume_id, "3f2a0c8e-0000-4000-8000-000000000001");
  clone->status = NOVA_VOLUME_STATUS_ERROR_DELETING;
  clone->attached = FALSE;
  /* sizes use all 64 bits */
  clone->size = G_MAXUINT64;
  /* a record straight from nova_volume_record_new: "" everywhere, no metadata */
  nova_record_set_string (&empty->id, "3f2a0c8e-0000-4000-8000-000000000003");

  g_assert_true (nova_volume_store_put_volume (store, plain, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_volume (store, clone, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_volume (store, empty, &error));
  g_assert_no_error (error);

  {
    g_autoptr(NovaVolumeRecord) got = nova_volume_store_get_volume (store, plain->id, &error);
    g_assert_no_error (error);
    assert_volume_equal (plain, got);
    g_assert_null (got->source_snapshot_id);
    g_assert_null (got->source_volume_id);
  }
  {
    g_autoptr(NovaVolumeRecord) got = nova_volume_store_get_volume (store, clone->id, &error);
    g_assert_no_error (error);
    assert_volume_equal (clone, got);
  }
  {
    g_autoptr(NovaVolumeRecord) got = nova_volume_store_get_volume (store, empty->id, &error);
    g_assert_no_error (error);
    assert_volume_equal (empty, got);
    g_assert_cmpint (got->status, ==, NOVA_VOLUME_STATUS_CREATING);
  }

  /* stored the way the design says: status by name, absent sources NULL */
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT count(*) FROM volumes WHERE status = 'in-use' AND attached = 1 "
                                  "AND source_snapshot_id IS NULL AND source_volume_id IS NULL"),
                   ==, 1);
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT count(*) FROM volumes WHERE status = 'error_deleting'"),
                   ==, 1);

  {
    g_autoptr(NovaVolumeRecord) got = nova_volume_store_get_volume (store, "3f2a0c8e-ffff-4000-8000-000000000000", &error);
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
    g_assert_null (got);
    g_assert_cmpstr (error->message, ==, "volume 3f2a0c8e-ffff-4000-8000-000000000000 not found");
  }
}

static void
test_volume_list (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GError) error = NULL;
  /* id, created_at: stored out of order, with a tie broken by id */
  struct { const char *id; gint64 created_at; } rows[] = {
    { "c", 300 }, { "a", 100 }, { "e", 200 }, { "b", 200 }, { "d", 50 },
  };
  const char *expected[] = { "d", "a", "b", "e", "c" };

  volumes = nova_volume_store_list_volumes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (volumes->len, ==, 0);
  g_clear_pointer (&volumes, g_ptr_array_unref);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(NovaVolumeRecord) volume = make_volume (rows[i].id, rows[i].created_at);
      /* metadata of its own, to see it lands on the right record */
      g_hash_table_insert (volume->metadata, g_strdup ("which"), g_strdup (rows[i].id));
      g_assert_true (nova_volume_store_put_volume (store, volume, &error));
      g_assert_no_error (error);
    }

  volumes = nova_volume_store_list_volumes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (volumes->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < volumes->len; i++)
    {
      NovaVolumeRecord *volume = g_ptr_array_index (volumes, i);
      g_autoptr(NovaVolumeRecord) single = nova_volume_store_get_volume (store, expected[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (volume->id, ==, expected[i]);
      g_assert_cmpstr (g_hash_table_lookup (volume->metadata, "which"), ==, expected[i]);
      g_assert_cmpuint (g_hash_table_size (volume->metadata), ==, 3);
      /* the list and get agree on every field */
      assert_volume_equal (single, volume);
    }
  /* the array frees its records: valgrind sees a leak otherwise */
  g_ptr_array_remove_index (volumes, 0);
  g_assert_cmpuint (volumes->len, ==, G_N_ELEMENTS (expected) - 1);
}

/* what each driver's volumes were given, for its stats */
static void
test_volume_provisioned (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(GError) error = NULL;
  const char *backends[] = { "rbd", "fake", "rbd" };
  guint64 bytes = 1;

  g_assert_true (nova_volume_store_provisioned (store, "rbd", &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (backends); i++)
    {
      g_autofree char *id = g_strdup_printf ("v%u", i);
      g_autoptr(NovaVolumeRecord) volume = make_volume (id, i);

      /* counted by the backend the volume lives on, not its driver */
      nova_record_set_string (&volume->backend, backends[i]);
      volume->size = (i + 1) * 1000;
      g_assert_true (nova_volume_store_put_volume (store, volume, &error));
      g_assert_no_error (error);
    }
  g_assert_true (nova_volume_store_provisioned (store, "rbd", &bytes, &error));
  g_assert_cmpuint (bytes, ==, 1000 + 3000);
  g_assert_true (nova_volume_store_provisioned (store, "fake", &bytes, &error));
  g_assert_cmpuint (bytes, ==, 2000);
  g_assert_no_error (error);
}

static guint64
provisioned_of (NovaVolumeStore *store, const char *backend)
{
  g_autoptr(GError) error = NULL;
  guint64 bytes = G_MAXUINT64;

  g_assert_true (nova_volume_store_provisioned (store, backend, &bytes, &error));
  g_assert_no_error (error);
  return bytes;
}

/* the provisioned bytes follow every change of a volume (extend, a move
 * to another backend, delete), also across a reopen; and reading them
 * reads as much with 300 volumes as with one */
static void
test_volume_provisioned_kept (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000c1", 1);
  g_autoptr(GError) error = NULL;
  guint64 before, steps_one, steps_many;

  volume->size = 1000;
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  before = nova_volume_store_get_vm_steps ();
  g_assert_cmpuint (provisioned_of (store, "fake-1"), ==, 1000);
  steps_one = nova_volume_store_get_vm_steps () - before;
  g_assert_cmpuint (steps_one, >, 0);

  volume->size = 5000;   /* extend */
  nova_volume_store_put_volume (store, volume, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (provisioned_of (store, "fake-1"), ==, 5000);
  nova_record_set_string (&volume->backend, "other");   /* migrate */
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (provisioned_of (store, "fake-1"), ==, 0);
  g_assert_cmpuint (provisioned_of (store, "other"), ==, 5000);

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *id = g_strdup_printf ("3f2a0c8e-0000-4000-8000-%012u", i);
      g_autoptr(NovaVolumeRecord) more = make_volume (id, i + 2);

      more->size = 10;
      g_assert_true (nova_volume_store_put_volume (store, more, &error));
      g_assert_no_error (error);
    }
  before = nova_volume_store_get_vm_steps ();
  g_assert_cmpuint (provisioned_of (store, "fake-1"), ==, 3000);
  steps_many = nova_volume_store_get_vm_steps () - before;
  g_assert_cmpuint (steps_many, ==, steps_one);

  g_assert_true (nova_volume_store_delete_volume (store, volume->id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (provisioned_of (store, "other"), ==, 0);
  g_clear_object (&store);

  store = open_store (fixture);
  g_assert_cmpuint (provisioned_of (store, "fake-1"), ==, 3000);
  g_assert_cmpuint (provisioned_of (store, "other"), ==, 0);
}

/* schema 6 to 7: the totals start from the volumes already there */
static void
test_open_v6_provisioned (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(NovaVolumeStore) store = open_store (fixture);

    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *id = g_strdup_printf ("3f2a0c8e-0000-4000-8000-0000000000d%u", i);
        g_autoptr(NovaVolumeRecord) volume = make_volume (id, i);

        nova_record_set_string (&volume->backend, i == 2 ? "rbd" : "file");
        volume->size = (i + 1) * 100;
        g_assert_true (nova_volume_store_put_volume (store, volume, &error));
        g_assert_no_error (error);
      }
  }
  raw_exec (fixture->path, DROP_SCHEMAS_7_8 "PRAGMA user_version = 6;");
  {
    g_autoptr(NovaVolumeStore) store = open_store (fixture);

    g_assert_cmpint (nova_volume_store_get_schema_version (store), ==, NOVA_VOLUME_STORE_SCHEMA_VERSION);
    g_assert_cmpuint (provisioned_of (store, "file"), ==, 100 + 200);
    g_assert_cmpuint (provisioned_of (store, "rbd"), ==, 300);
    g_assert_cmpuint (provisioned_of (store, "none"), ==, 0);
  }
}

static void
test_volume_update (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000bb", 10);
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_connection (store, volume->id, "iqn.1993-08.org.debian:01:abc",
                                                   g_variant_new_parsed ("{'initiator': <'iqn.1993-08.org.debian:01:abc'>}"),
                                                   &error));
  g_assert_no_error (error);

  /* a status change: same metadata, everything else may differ */
  volume->status = NOVA_VOLUME_STATUS_DETACHING;
  volume->attached = FALSE;
  nova_record_set_string (&volume->mountpoint, "");
  volume->size *= 2;
  volume->updated_at = 99;
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  {
    g_autoptr(NovaVolumeRecord) got = nova_volume_store_get_volume (store, volume->id, &error);
    g_assert_no_error (error);
    assert_volume_equal (volume, got);
    g_assert_cmpuint (g_hash_table_size (got->metadata), ==, 2);
  }
  /* an upsert, not a delete and insert: the connection is still there */
  connections = nova_volume_store_list_connections (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
  g_clear_pointer (&connections, g_ptr_array_unref);

  /* new metadata replaces the old set, it is not merged into it */
  g_hash_table_remove (volume->metadata, "owner");
  g_hash_table_insert (volume->metadata, g_strdup ("purpose"), g_strdup ("scratch"));
  g_hash_table_insert (volume->metadata, g_strdup ("tier"), g_strdup ("gold"));
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  {
    g_autoptr(NovaVolumeRecord) got = nova_volume_store_get_volume (store, volume->id, &error);
    g_assert_no_error (error);
    assert_volume_equal (volume, got);
    g_assert_null (g_hash_table_lookup (got->metadata, "owner"));
  }
  connections = nova_volume_store_list_connections (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 1);
}

static void
test_volume_delete (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000cc", 10);
  g_autoptr(NovaVolumeRecord) other = make_volume ("3f2a0c8e-0000-4000-8000-0000000000dd", 20);
  g_autoptr(NovaSnapshotRecord) snapshot = make_snapshot ("snap-cc", volume->id, 30);
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_volume (store, other, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *key = g_strdup_printf ("host-%u", i);
      g_assert_true (nova_volume_store_put_connection (store, volume->id, key,
                                                       g_variant_new_parsed ("{'host': <%s>}", key),
                                                       &error));
      g_assert_no_error (error);
    }
  g_assert_true (nova_volume_store_put_connection (store, other->id, "host-0",
                                                   g_variant_new_parsed ("{'host': <'host-0'>}"),
                                                   &error));
  g_assert_no_error (error);

  /* a volume with a snapshot cannot go: the snapshot would point nowhere */
  g_assert_true (nova_volume_store_put_snapshot (store, snapshot, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_store_delete_volume (store, volume->id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, volume->id));
  g_clear_error (&error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volume_metadata"), ==, 4);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM connections"), ==, 3);

  g_assert_true (nova_volume_store_delete_snapshot (store, snapshot->id, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_delete_volume (store, volume->id, &error));
  g_assert_no_error (error);

  {
    g_autoptr(NovaVolumeRecord) got = nova_volume_store_get_volume (store, volume->id, &error);
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
    g_assert_null (got);
    g_clear_error (&error);
  }
  /* its metadata and connections went with it, the other volume's stayed */
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volume_metadata"), ==, 2);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM connections"), ==, 1);
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT count(*) FROM volume_metadata WHERE volume_id = "
                                  "'3f2a0c8e-0000-4000-8000-0000000000cc'"),
                   ==, 0);
  connections = nova_volume_store_list_connections (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 0);
  g_clear_pointer (&connections, g_ptr_array_unref);
  connections = nova_volume_store_list_connections (store, other->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);

  /* deleting what is not there is an error the caller can act on */
  g_assert_false (nova_volume_store_delete_volume (store, volume->id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "volume 3f2a0c8e-0000-4000-8000-0000000000cc not found");
}

/* ---------------------------------------------------------------------
 * snapshots */

static void
test_snapshot_round_trip (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000ee", 10);
  g_autoptr(NovaSnapshotRecord) first = make_snapshot ("snap-2", volume->id, 500);
  g_autoptr(NovaSnapshotRecord) second = make_snapshot ("snap-1", volume->id, 600);
  g_autoptr(NovaSnapshotRecord) orphan = make_snapshot ("snap-orphan", "no-such-volume", 700);
  g_autoptr(GPtrArray) snapshots = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);

  second->status = NOVA_SNAPSHOT_STATUS_ERROR_DELETING;
  second->progress = 0.125;
  g_assert_true (nova_volume_store_put_snapshot (store, second, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_snapshot (store, first, &error));
  g_assert_no_error (error);

  {
    g_autoptr(NovaSnapshotRecord) got = nova_volume_store_get_snapshot (store, second->id, &error);
    g_assert_no_error (error);
    assert_snapshot_equal (second, got);
  }
  g_assert_cmpint (raw_query_int (fixture->path,
                                  "SELECT count(*) FROM snapshots WHERE status = 'error_deleting'"),
                   ==, 1);

  /* ordered by created_at, not by id */
  snapshots = nova_volume_store_list_snapshots (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snapshots->len, ==, 2);
  assert_snapshot_equal (first, g_ptr_array_index (snapshots, 0));
  assert_snapshot_equal (second, g_ptr_array_index (snapshots, 1));
  g_clear_pointer (&snapshots, g_ptr_array_unref);

  /* an update in place */
  first->status = NOVA_SNAPSHOT_STATUS_DELETING;
  first->progress = 1.0;
  nova_record_set_string (&first->status_reason, "deleting on request");
  g_assert_true (nova_volume_store_put_snapshot (store, first, &error));
  g_assert_no_error (error);
  {
    g_autoptr(NovaSnapshotRecord) got = nova_volume_store_get_snapshot (store, first->id, &error);
    g_assert_no_error (error);
    assert_snapshot_equal (first, got);
  }

  /* a snapshot of a volume the store does not know */
  g_assert_false (nova_volume_store_put_snapshot (store, orphan, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-volume"));
  g_clear_error (&error);

  g_assert_true (nova_volume_store_delete_snapshot (store, first->id, &error));
  g_assert_no_error (error);
  {
    g_autoptr(NovaSnapshotRecord) got = nova_volume_store_get_snapshot (store, first->id, &error);
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
    g_assert_cmpstr (error->message, ==, "snapshot snap-2 not found");
    g_assert_null (got);
    g_clear_error (&error);
  }
  g_assert_false (nova_volume_store_delete_snapshot (store, first->id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);

  snapshots = nova_volume_store_list_snapshots (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snapshots->len, ==, 1);
  assert_snapshot_equal (second, g_ptr_array_index (snapshots, 0));
}

/* ---------------------------------------------------------------------
 * connections */

/* Every volume's connections in one read, in the order each was first
 * recorded; a volume with a row that cannot be read is set apart with the
 * reason, the others are listed. */
static void
test_connection_list_all (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) a = make_volume ("3f2a0c8e-0000-4000-8000-0000000000a1", 10);
  g_autoptr(NovaVolumeRecord) b = make_volume ("3f2a0c8e-0000-4000-8000-0000000000b1", 10);
  g_autoptr(NovaVolumeRecord) c = make_volume ("3f2a0c8e-0000-4000-8000-0000000000c1", 10);
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GHashTable) unreadable = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *of_a;
  const char *host = NULL;

  g_assert_true (nova_volume_store_put_volume (store, a, &error));
  g_assert_true (nova_volume_store_put_volume (store, b, &error));
  g_assert_true (nova_volume_store_put_volume (store, c, &error));
  g_assert_true (nova_volume_store_put_connection (store, a->id, "host:z", g_variant_new_parsed ("{'host': <'z'>}"),
                                                   &error));
  g_assert_true (nova_volume_store_put_connection (store, a->id, "host:a", g_variant_new_parsed ("{'host': <'a'>}"),
                                                   &error));
  g_assert_true (nova_volume_store_put_connection (store, b->id, "host:b", g_variant_new_parsed ("{'host': <'b'>}"),
                                                   &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  raw_exec (fixture->path, "UPDATE connections SET connector = '{not a dictionary' WHERE connector_key = 'host:b'");
  store = open_store (fixture);

  all = nova_volume_store_list_all_connections (store, &unreadable, &error);
  g_assert_no_error (error);
  g_assert_nonnull (all);
  g_assert_cmpuint (g_hash_table_size (all), ==, 1);
  of_a = g_hash_table_lookup (all, a->id);
  g_assert_cmpuint (of_a->len, ==, 2);
  g_assert_true (g_variant_lookup (g_ptr_array_index (of_a, 0), "host", "&s", &host));
  g_assert_cmpstr (host, ==, "z");
  g_assert_cmpuint (g_hash_table_size (unreadable), ==, 1);
  g_assert_nonnull (strstr (g_hash_table_lookup (unreadable, b->id), "connection host:b of volume"));
  g_assert_false (g_hash_table_contains (all, c->id));
}

static void
test_connection (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("3f2a0c8e-0000-4000-8000-0000000000ff", 10);
  g_autoptr(GVariant) connector = NULL;
  g_autoptr(GVariant) second = NULL;
  g_autoptr(GVariant) updated = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariantBuilder) extra = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);
  const char *wwpns[] = { "21000024ff000001", "21000024ff000002", NULL };

  /* a connector as Nova sends it, with every kind of value we keep */
  g_variant_builder_add (extra, "{sv}", "nested", g_variant_new_boolean (TRUE));
  g_variant_builder_add (builder, "{sv}", "ip", g_variant_new_string ("192.0.2.10"));
  g_variant_builder_add (builder, "{sv}", "initiator", g_variant_new_string ("iqn.1993-08.org.debian:01:c0ffee"));
  g_variant_builder_add (builder, "{sv}", "host", g_variant_new_string ("compute-1"));
  g_variant_builder_add (builder, "{sv}", "multipath", g_variant_new_boolean (FALSE));
  g_variant_builder_add (builder, "{sv}", "port", g_variant_new_uint32 (3260));
  g_variant_builder_add (builder, "{sv}", "lun", g_variant_new_int64 (-1));
  g_variant_builder_add (builder, "{sv}", "byte", g_variant_new_byte (7));
  g_variant_builder_add (builder, "{sv}", "wwpns", g_variant_new_strv (wwpns, -1));
  g_variant_builder_add (builder, "{sv}", "quote", g_variant_new_string ("it's \"quoted\"\n"));
  g_variant_builder_add (builder, "{sv}", "extra", g_variant_builder_end (extra));
  connector = g_variant_ref_sink (g_variant_builder_end (builder));

  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_connection (store, volume->id, "iqn.1993-08.org.debian:01:c0ffee",
                                                   connector, &error));
  g_assert_no_error (error);
  /* a floating connector is taken over, not leaked */
  second = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute-2'>, 'ip': <'192.0.2.11'>}"));
  g_assert_true (nova_volume_store_put_connection (store, volume->id, "compute-2",
                                                   g_variant_new_parsed ("{'host': <'compute-2'>, 'ip': <'192.0.2.11'>}"),
                                                   &error));
  g_assert_no_error (error);

  connections = nova_volume_store_list_connections (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 2);
  for (guint i = 0; i < connections->len; i++)
    {
      GVariant *got = g_ptr_array_index (connections, i);
      g_assert_false (g_variant_is_floating (got));
      g_assert_true (g_variant_is_of_type (got, G_VARIANT_TYPE_VARDICT));
    }
  /* the same value, types and all, in the order they were handed out */
  g_assert_true (g_variant_equal (g_ptr_array_index (connections, 0), connector));
  g_assert_true (g_variant_equal (g_ptr_array_index (connections, 1), second));
  g_clear_pointer (&connections, g_ptr_array_unref);

  /* the same connector again replaces its entry */
  updated = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute-2'>, 'ip': <'192.0.2.99'>}"));
  g_assert_true (nova_volume_store_put_connection (store, volume->id, "compute-2", updated, &error));
  g_assert_no_error (error);
  connections = nova_volume_store_list_connections (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 2);
  g_assert_true (g_variant_equal (g_ptr_array_index (connections, 1), updated));
  g_clear_pointer (&connections, g_ptr_array_unref);

  /* not a{sv} */
  g_assert_false (nova_volume_store_put_connection (store, volume->id, "bad",
                                                    g_variant_new_string ("not a dict"), &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* for a volume the store does not know */
  g_assert_false (nova_volume_store_put_connection (store, "no-such-volume", "compute-2", updated, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-volume"));
  g_clear_error (&error);

  g_assert_true (nova_volume_store_delete_connection (store, volume->id, "iqn.1993-08.org.debian:01:c0ffee", &error));
  g_assert_no_error (error);
  connections = nova_volume_store_list_connections (store, volume->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
  g_assert_true (g_variant_equal (g_ptr_array_index (connections, 0), updated));
  g_clear_pointer (&connections, g_ptr_array_unref);

  g_assert_false (nova_volume_store_delete_connection (store, volume->id, "iqn.1993-08.org.debian:01:c0ffee", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "iqn.1993-08.org.debian:01:c0ffee"));
  g_clear_error (&error);

  /* a volume without connections lists none */
  connections = nova_volume_store_list_connections (store, "no-such-volume", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 0);
}

/* ---------------------------------------------------------------------
 * transactions */

typedef struct {
  const char *path;          /* to look at the file from another connection */
  gint64 rows_outside;       /* how many volumes it holds meanwhile */
  NovaVolumeRecord *first;
  NovaVolumeRecord *second;
  NovaSnapshotRecord *snapshot;
  gboolean result;           /* what the func returns */
  gboolean set_error;        /* whether it says why when it returns FALSE */
  guint calls;
} TransactionData;

static gboolean
transaction_put_two (NovaVolumeStore *store, gpointer user_data, GError **error)
{
  TransactionData *data = user_data;

  data->calls++;
  if (!nova_volume_store_put_volume (store, data->first, error))
    return FALSE;
  if (!nova_volume_store_put_volume (store, data->second, error))
    return FALSE;
  if (data->snapshot != NULL && !nova_volume_store_put_snapshot (store, data->snapshot, error))
    return FALSE;

  /* the puts joined this transaction instead of committing their own:
   * another connection does not see them yet */
  g_assert_cmpint (raw_query_int (data->path, "SELECT count(*) FROM volumes"), ==, data->rows_outside);

  if (!data->result && data->set_error)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "changed my mind");
  return data->result;
}

static void
test_transaction_commit (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) first = make_volume ("tx-1", 1);
  g_autoptr(NovaVolumeRecord) second = make_volume ("tx-2", 2);
  g_autoptr(NovaSnapshotRecord) snapshot = make_snapshot ("tx-snap", "tx-2", 3);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  TransactionData data = { fixture->path, 0, first, second, snapshot, TRUE, FALSE, 0 };

  g_assert_true (nova_volume_store_transaction (store, transaction_put_two, &data, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (data.calls, ==, 1);

  /* committed: another connection sees all of it */
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 2);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volume_metadata"), ==, 4);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM snapshots"), ==, 1);

  /* and the store is out of the transaction: a plain put commits on
   * its own again */
  nova_record_set_string (&first->name, "after");
  g_assert_true (nova_volume_store_put_volume (store, first, &error));
  g_assert_no_error (error);
  name = raw_query_text (fixture->path, "SELECT name FROM volumes WHERE id = 'tx-1'");
  g_assert_cmpstr (name, ==, "after");
}

static void
test_transaction_rollback (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) first = make_volume ("tx-1", 1);
  g_autoptr(NovaVolumeRecord) second = make_volume ("tx-2", 2);
  g_autoptr(NovaVolumeRecord) changed = NULL;
  g_autoptr(NovaVolumeRecord) got = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GError) error = NULL;
  TransactionData data = { fixture->path, 0, first, second, NULL, FALSE, TRUE, 0 };

  /* the func's own error comes back as it is, and nothing was written */
  g_assert_false (nova_volume_store_transaction (store, transaction_put_two, &data, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  volumes = nova_volume_store_list_volumes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (volumes->len, ==, 0);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 0);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volume_metadata"), ==, 0);

  /* FALSE without a reason still fails with one */
  data.set_error = FALSE;
  g_assert_false (nova_volume_store_transaction (store, transaction_put_two, &data, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "rolled back"));
  g_clear_error (&error);
  g_assert_cmpuint (data.calls, ==, 2);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 0);

  /* a rolled-back update leaves the old row and its metadata */
  g_assert_true (nova_volume_store_put_volume (store, first, &error));
  g_assert_no_error (error);
  changed = nova_volume_record_copy (first);
  nova_record_set_string (&changed->name, "never committed");
  g_hash_table_remove_all (changed->metadata);
  data.first = changed;
  data.rows_outside = 1;
  data.set_error = TRUE;
  g_assert_false (nova_volume_store_transaction (store, transaction_put_two, &data, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  got = nova_volume_store_get_volume (store, first->id, &error);
  g_assert_no_error (error);
  assert_volume_equal (first, got);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 1);
}

static gboolean
transaction_put_then_fail (NovaVolumeStore *store, gpointer user_data, GError **error)
{
  NovaVolumeRecord *volume = user_data;

  if (!nova_volume_store_put_volume (store, volume, error))
    return FALSE;
  g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED, "inner gives up");
  return FALSE;
}

static gboolean
transaction_put_one (NovaVolumeStore *store, gpointer user_data, GError **error)
{
  return nova_volume_store_put_volume (store, user_data, error);
}

static gboolean
transaction_nested (NovaVolumeStore *store, gpointer user_data, GError **error)
{
  Fixture *fixture = user_data;
  g_autoptr(NovaVolumeRecord) kept = make_volume ("nested-kept", 1);
  g_autoptr(NovaVolumeRecord) undone = make_volume ("nested-undone", 2);
  g_autoptr(NovaVolumeRecord) inner = make_volume ("nested-inner", 3);
  g_autoptr(NovaSnapshotRecord) orphan = make_snapshot ("nested-orphan", "no-such-volume", 4);
  g_autoptr(NovaVolumeRecord) seen = NULL;
  g_autoptr(GError) error_local = NULL;

  if (!nova_volume_store_put_volume (store, kept, error))
    return FALSE;

  /* what we wrote is visible inside the transaction */
  seen = nova_volume_store_get_volume (store, kept->id, error);
  if (seen == NULL)
    return FALSE;

  /* an inner transaction that gives up undoes only its own writes */
  g_assert_false (nova_volume_store_transaction (store, transaction_put_then_fail, undone, &error_local));
  g_assert_error (error_local, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED);
  g_clear_error (&error_local);

  /* a failed put inside the transaction does not end it */
  g_assert_false (nova_volume_store_put_snapshot (store, orphan, &error_local));
  g_assert_error (error_local, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error_local);

  /* an inner transaction that succeeds is part of the outer one */
  if (!nova_volume_store_transaction (store, transaction_put_one, inner, error))
    return FALSE;

  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 0);
  return TRUE;
}

static void
test_transaction_nested (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) undone = NULL;
  g_autoptr(NovaVolumeRecord) after = make_volume ("after", 9);
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_store_transaction (store, transaction_nested, fixture, &error));
  g_assert_no_error (error);

  volumes = nova_volume_store_list_volumes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (volumes->len, ==, 2);
  g_assert_cmpstr (((NovaVolumeRecord *) volumes->pdata[0])->id, ==, "nested-kept");
  g_assert_cmpstr (((NovaVolumeRecord *) volumes->pdata[1])->id, ==, "nested-inner");
  undone = nova_volume_store_get_volume (store, "nested-undone", &error);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_null (undone);
  g_clear_error (&error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 2);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM snapshots"), ==, 0);

  /* every level was closed: the next put commits by itself */
  g_assert_true (nova_volume_store_put_volume (store, after, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volumes"), ==, 3);
}

/* ---------------------------------------------------------------------
 * integrity */

static void
test_integrity_ok (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(NovaVolumeRecord) volume = make_volume ("integrity", 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_store_check_integrity (store, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_put_volume (store, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_store_check_integrity (store, &error));
  g_assert_no_error (error);
}

static void
put_numbered_volumes (Fixture *fixture, guint n)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("damaged-%02u", i);
      g_autoptr(NovaVolumeRecord) volume = make_volume (id, i);
      g_assert_true (nova_volume_store_put_volume (store, volume, &error));
      g_assert_no_error (error);
    }
}

static void
test_integrity_bad_index (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autoptr(GError) error = NULL;

  put_numbered_volumes (fixture, 5);

  /* declare the index over another column than it was built from: the
   * file stays readable, but its rows no longer match the table, which
   * integrity_check reports row by row */
  raw_exec (fixture->path,
            "PRAGMA writable_schema = ON;"
            "UPDATE sqlite_schema SET sql = 'CREATE INDEX volumes_by_created_at ON volumes (updated_at, id)' "
            "WHERE name = 'volumes_by_created_at';");

  store = open_store (fixture);
  g_assert_false (nova_volume_store_check_integrity (store, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_assert_nonnull (strstr (error->message, "is damaged"));
  g_assert_nonnull (strstr (error->message, "volumes_by_created_at"));
}

static void
test_integrity_damaged (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  gint64 page_size;
  gint64 root_page;

  /* enough rows that the created_at index is a page of its own */
  put_numbered_volumes (fixture, 50);

  /* overwrite the index's root page with garbage that still looks like
   * a b-tree page header: the tables stay readable, the check must not */
  page_size = raw_query_int (fixture->path, "PRAGMA page_size");
  root_page = raw_query_int (fixture->path,
                             "SELECT rootpage FROM sqlite_schema WHERE name = 'volumes_by_created_at'");
  g_assert_cmpint (root_page, >, 1);
  g_assert_true (g_file_get_contents (fixture->path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpint ((gint64) length, >=, root_page * page_size);
  /* a leaf index page (0x0a) claiming many cells at bogus offsets */
  memset (contents + (root_page - 1) * page_size, 0xff, (gsize) page_size);
  contents[(root_page - 1) * page_size] = 0x0a;
  g_assert_true (g_file_set_contents (fixture->path, contents, (gssize) length, &error));
  g_assert_no_error (error);

  store = open_store (fixture);
  g_assert_false (nova_volume_store_check_integrity (store, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "is damaged"));
}

/* ---------------------------------------------------------------------
 * threads */

#define N_THREADS 8
#define N_PER_THREAD 100

typedef struct {
  NovaVolumeStore *store;
  guint thread;
  guint failures;          /* checked on the main thread */
  char *first_error;
} ThreadData;

static gpointer
thread_put_volumes (gpointer user_data)
{
  ThreadData *data = user_data;

  for (guint i = 0; i < N_PER_THREAD; i++)
    {
      g_autofree char *id = g_strdup_printf ("thread-%u-%03u", data->thread, i);
      g_autoptr(NovaVolumeRecord) volume = make_volume (id, (gint64) i * N_THREADS + data->thread);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      g_hash_table_insert (volume->metadata, g_strdup ("thread"), g_strdup_printf ("%u", data->thread));
      /* every tenth goes through a transaction, so the two interleave */
      if (i % 10 == 0)
        ok = nova_volume_store_transaction (data->store, transaction_put_one, volume, &error);
      else
        ok = nova_volume_store_put_volume (data->store, volume, &error);
      if (!ok)
        {
          data->failures++;
          if (data->first_error == NULL)
            data->first_error = g_strdup (error->message);
        }
    }
  return NULL;
}

static void
test_concurrent_puts (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(NovaVolumeStore) store = open_store (fixture);
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  ThreadData data[N_THREADS] = { 0 };
  GThread *threads[N_THREADS];

  for (guint t = 0; t < N_THREADS; t++)
    {
      g_autofree char *name = g_strdup_printf ("put-%u", t);
      data[t].store = store;
      data[t].thread = t;
      threads[t] = g_thread_new (name, thread_put_volumes, &data[t]);
    }
  for (guint t = 0; t < N_THREADS; t++)
    {
      g_thread_join (threads[t]);
      g_assert_cmpstr (data[t].first_error, ==, NULL);
      g_assert_cmpuint (data[t].failures, ==, 0);
    }

  volumes = nova_volume_store_list_volumes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (volumes->len, ==, N_THREADS * N_PER_THREAD);
  for (guint i = 0; i < volumes->len; i++)
    {
      NovaVolumeRecord *volume = g_ptr_array_index (volumes, i);
      guint thread = 0;
      guint n = 0;
      g_autofree char *expected = NULL;

      g_assert_cmpint (sscanf (volume->id, "thread-%u-%u", &thread, &n), ==, 2);
      expected = g_strdup_printf ("%u", thread);
      g_assert_cmpstr (g_hash_table_lookup (volume->metadata, "thread"), ==, expected);
      g_hash_table_add (seen, volume->id);
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_THREADS * N_PER_THREAD);
  g_assert_cmpint (raw_query_int (fixture->path, "SELECT count(*) FROM volume_metadata"),
                   ==, 3 * N_THREADS * N_PER_THREAD);
  g_assert_true (nova_volume_store_check_integrity (store, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/record/volume-status", test_record_volume_status);
  g_test_add_func ("/record/snapshot-status", test_record_snapshot_status);
  g_test_add_func ("/record/new", test_record_new);
  g_test_add_func ("/record/copy", test_record_copy);
  g_test_add_func ("/record/set-string", test_record_set_string);
  g_test_add_func ("/record/boxed", test_record_boxed);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/store/open/fresh", test_open_fresh);
  ADD ("/store/open/reopen", test_open_reopen);
  ADD ("/store/open/newer-schema", test_open_newer_schema);
  ADD ("/store/open/not-a-database", test_open_not_a_database);
  ADD ("/store/open/missing-directory", test_open_missing_directory);
  ADD ("/store/open/v1-fixture", test_open_v1_fixture);
  ADD ("/store/open/v2-fixture", test_open_v2_fixture);
  ADD ("/store/volume/round-trip", test_volume_round_trip);
  ADD ("/store/volume/list", test_volume_list);
  ADD ("/store/volume/provisioned", test_volume_provisioned);
  ADD ("/store/volume/provisioned-kept", test_volume_provisioned_kept);
  ADD ("/store/volume/update", test_volume_update);
  ADD ("/store/volume/delete", test_volume_delete);
  ADD ("/store/volume/release", test_volume_release);
  ADD ("/store/volume/attachments", test_volume_attachments);
  ADD ("/store/open/v5-attached", test_open_v5_attached);
  ADD ("/store/open/v6-provisioned", test_open_v6_provisioned);
  ADD ("/store/backup/round-trip", test_backup_round_trip);
  ADD ("/store/snapshot/round-trip", test_snapshot_round_trip);
  ADD ("/store/connection", test_connection);
  ADD ("/store/connection/list-all", test_connection_list_all);
  ADD ("/store/transaction/commit", test_transaction_commit);
  ADD ("/store/transaction/rollback", test_transaction_rollback);
  ADD ("/store/transaction/nested", test_transaction_nested);
  ADD ("/store/integrity/ok", test_integrity_ok);
  ADD ("/store/integrity/bad-index", test_integrity_bad_index);
  ADD ("/store/integrity/damaged", test_integrity_damaged);
  ADD ("/store/concurrent-puts", test_concurrent_puts);
  ADD ("/store/numbers", test_numbers);
  ADD ("/store/numbers/concurrent", test_numbers_concurrent);
#undef ADD

  return g_test_run ();
}
