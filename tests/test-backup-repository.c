/* A file-system backup repository: backups that restore the same bytes,
 * incremental ones that store only what changed, damage that a verify
 * and a restore name, collection that keeps every chunk a manifest names,
 * and a second reader that knows nothing but the directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-backup-copy.h"
#include "nova-volume-record.h"
#include "test-util.h"

#define CHUNK_SIZE (64 * 1024)
#define VOLUME_SIZE (16 * CHUNK_SIZE + 100)

typedef struct {
  char                       *dir;
  char                       *repository_path;
  char                       *volume_path;
  NovaVolumeBackupDirectory *repository;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = test_make_tmp_dir ("nova-volume-backup-repository-XXXXXX");
  fx->repository_path = g_build_filename (fx->dir, "repository", NULL);
  fx->volume_path = g_build_filename (fx->dir, "volume", NULL);
  fx->repository = nova_volume_backup_directory_open (fx->repository_path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->repository);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->repository_path);
  g_free (fx->volume_path);
}

/* a volume: chunks 2, 3 and 9 are zero, 5 and 6 the same bytes */
static guint8 *
make_volume (guint32 seed)
{
  guint8 *data = g_malloc0 (VOLUME_SIZE);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < VOLUME_SIZE; i++)
    {
      gsize chunk = i / CHUNK_SIZE;

      if (chunk == 2 || chunk == 3 || chunk == 9)
        continue;
      data[i] = chunk == 6 ? data[i - CHUNK_SIZE] : (guint8) g_rand_int (rand);
    }
  g_rand_free (rand);
  return data;
}

static void
write_volume (Fixture *fx, const guint8 *data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (fx->volume_path, (const char *) data, VOLUME_SIZE, &error));
  g_assert_no_error (error);
}

static char *
new_id (void)
{
  return g_uuid_string_random ();
}

static void
count_progress (guint64 done, guint64 total, gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (done, >, *last);
  g_assert_cmpuint (done, <=, total);
  *last = done;
}

/* backs the volume file up; the manifest written */
static NovaBackupManifest *
back_up (Fixture *fx, const char *parent_id)
{
  g_autoptr(NovaBackupManifest) manifest = nova_backup_manifest_new ();
  g_autoptr(GFile) file = g_file_new_for_path (fx->volume_path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  guint64 last = 0;

  g_free (manifest->id);
  manifest->id = new_id ();
  g_free (manifest->volume_id);
  manifest->volume_id = g_strdup ("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
  g_free (manifest->parent_id);
  manifest->parent_id = g_strdup (parent_id != NULL ? parent_id : "");
  manifest->size = VOLUME_SIZE;
  manifest->chunk_size = CHUNK_SIZE;
  manifest->created_at = g_get_real_time ();
  in = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (nova_volume_backup_store (fx->repository, G_INPUT_STREAM (in), manifest, NULL, NULL, count_progress, &last,
                                           NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (last, ==, VOLUME_SIZE);
  g_assert_true (nova_volume_backup_directory_put_manifest (fx->repository, manifest, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&manifest);
}

/* restores into a new file (sparse when @skip_zeros) and compares */
static void
assert_restores (Fixture *fx, const NovaBackupManifest *manifest, const guint8 *expected, gboolean skip_zeros)
{
  g_autofree char *path = g_build_filename (fx->dir, "restored", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_unlink (path);
  out = g_file_create (file, G_FILE_CREATE_PRIVATE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (truncate (path, VOLUME_SIZE), ==, 0);
  g_assert_true (nova_volume_backup_restore (fx->repository, manifest, G_OUTPUT_STREAM (out), skip_zeros, NULL,
                                             NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_cmpmem (contents, len, expected, VOLUME_SIZE);
}

static void
test_full_round_trip (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *volume = make_volume (1);
  g_autoptr(NovaBackupManifest) manifest = NULL;
  g_autoptr(NovaBackupManifest) back = NULL;
  g_autoptr(GError) error = NULL;

  write_volume (fx, volume);
  manifest = back_up (fx, NULL);
  g_assert_cmpuint (manifest->chunks->len, ==, 17);
  g_assert_null (g_ptr_array_index (manifest->chunks, 2));
  g_assert_null (g_ptr_array_index (manifest->chunks, 9));
  /* the same bytes twice, one chunk */
  g_assert_cmpstr (g_ptr_array_index (manifest->chunks, 5), ==, g_ptr_array_index (manifest->chunks, 6));
  /* 14 stored chunks, 13 different ones, incompressible: about their size */
  g_assert_cmpuint (manifest->stored_bytes, >=, 12 * CHUNK_SIZE);
  g_assert_cmpuint (manifest->stored_bytes, <=, 13 * CHUNK_SIZE + 13 * 1024);

  back = nova_volume_backup_directory_get_manifest (fx->repository, manifest->id, &error);
  g_assert_no_error (error);
  assert_restores (fx, back, volume, TRUE);
  assert_restores (fx, back, volume, FALSE);
}

/* one chunk changed: the incremental backup stores that chunk alone */
static void
test_incremental (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *volume = make_volume (2);
  g_autoptr(NovaBackupManifest) full = NULL, incremental = NULL;
  guint differ = 0;

  write_volume (fx, volume);
  full = back_up (fx, NULL);
  volume[10 * CHUNK_SIZE + 7] ^= 0xff;
  write_volume (fx, volume);
  incremental = back_up (fx, full->id);
  g_assert_cmpstr (incremental->parent_id, ==, full->id);
  for (guint i = 0; i < full->chunks->len; i++)
    if (g_strcmp0 (g_ptr_array_index (full->chunks, i), g_ptr_array_index (incremental->chunks, i)) != 0)
      differ++;
  g_assert_cmpuint (differ, ==, 1);
  g_assert_cmpuint (incremental->stored_bytes, >, CHUNK_SIZE / 2);
  g_assert_cmpuint (incremental->stored_bytes, <=, CHUNK_SIZE + 1024);
  assert_restores (fx, incremental, volume, TRUE);
}

/* the chunks a backend says changed are the only ones read: one it
 * does not name keeps the parent's, even when its bytes differ (proof
 * that it was skipped unread) */
static void
test_changed_only (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *volume = make_volume (4);
  g_autofree guint8 *expected = NULL;
  g_autoptr(NovaBackupManifest) full = NULL, incremental = nova_backup_manifest_new ();
  g_autoptr(GArray) changed = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GFile) file = g_file_new_for_path (fx->volume_path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  guint64 three = 3;

  write_volume (fx, volume);
  full = back_up (fx, NULL);
  expected = g_memdup2 (volume, VOLUME_SIZE);
  volume[3 * CHUNK_SIZE + 1] ^= 0xff;
  volume[5 * CHUNK_SIZE + 1] ^= 0xff;
  expected[3 * CHUNK_SIZE + 1] ^= 0xff;
  write_volume (fx, volume);
  g_array_append_val (changed, three);

  g_free (incremental->id);
  incremental->id = new_id ();
  nova_record_set_string (&incremental->volume_id, full->volume_id);
  nova_record_set_string (&incremental->parent_id, full->id);
  incremental->size = VOLUME_SIZE;
  incremental->chunk_size = CHUNK_SIZE;
  in = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (nova_volume_backup_store (fx->repository, G_INPUT_STREAM (in), incremental, full, changed, NULL, NULL,
                                           NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < full->chunks->len; i++)
    if (i == 3)
      g_assert_cmpstr (g_ptr_array_index (full->chunks, i), !=, g_ptr_array_index (incremental->chunks, i));
    else
      g_assert_cmpstr (g_ptr_array_index (full->chunks, i), ==, g_ptr_array_index (incremental->chunks, i));
  g_assert_cmpuint (incremental->stored_bytes, <=, CHUNK_SIZE + 1024);
  assert_restores (fx, incremental, expected, TRUE);
}

static char *
chunk_path (Fixture *fx, const char *id)
{
  char fanout[3] = { id[0], id[1], '\0' };

  return g_build_filename (fx->repository_path, "chunks", fanout, id, NULL);
}

/* a damaged chunk and a missing one: counted and named by a verify, and
 * a restore fails naming the chunk */
static void
test_verify_damage (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *volume = make_volume (3);
  g_autoptr(NovaBackupManifest) manifest = NULL;
  g_auto(NovaBackupVerifyReport) report = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *damaged = NULL, *missing = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = g_build_filename (fx->dir, "restored", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  gsize len = 0;

  write_volume (fx, volume);
  manifest = back_up (fx, NULL);
  g_assert_true (nova_volume_backup_verify (fx->repository, manifest, &report, NULL, NULL, NULL, &error));
  g_assert_cmpuint (report.n_chunks, ==, 14);
  g_assert_cmpuint (report.n_missing + report.n_damaged, ==, 0);

  damaged = chunk_path (fx, g_ptr_array_index (manifest->chunks, 1));
  g_assert_true (g_file_get_contents (damaged, &contents, &len, &error));
  contents[len / 2] ^= 1;
  g_assert_true (g_file_set_contents (damaged, contents, (gssize) len, &error));
  missing = chunk_path (fx, g_ptr_array_index (manifest->chunks, 12));
  g_assert_cmpint (g_unlink (missing), ==, 0);

  g_assert_true (nova_volume_backup_verify (fx->repository, manifest, &report, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report.n_damaged, ==, 1);
  g_assert_cmpuint (report.n_missing, ==, 1);
  g_assert_cmpuint (report.problems->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (report.problems, 0), "chunk 1: "));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (report.problems, 1), "chunk 12: "));

  out = g_file_create (file, G_FILE_CREATE_PRIVATE, NULL, &error);
  g_assert_false (nova_volume_backup_restore (fx->repository, manifest, G_OUTPUT_STREAM (out), FALSE, NULL, NULL,
                                              NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "chunk 1 of backup"));
  g_assert_nonnull (strstr (error->message, "damaged"));
}

static guint
n_chunk_files (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = nova_volume_chunk_store_list (nova_volume_backup_directory_get_chunks (fx->repository),
                                                           &error);

  g_assert_no_error (error);
  return ids->len;
}

/* a removed backup's chunks go unless another names them; a backup cut
 * short (chunks, no manifest) goes once old enough */
static void
test_collect (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *volume = make_volume (4);
  g_autofree guint8 *other = make_volume (5);
  g_autoptr(NovaBackupManifest) first = NULL, second = NULL, cut = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  guint removed = 0;
  guint64 freed = 0;

  write_volume (fx, volume);
  first = back_up (fx, NULL);
  volume[0] ^= 1;
  write_volume (fx, volume);
  second = back_up (fx, first->id);
  /* 13 different chunks each (5 and 6 are the same), 12 shared */
  g_assert_cmpuint (n_chunk_files (fx), ==, 14);

  /* nothing to collect while both are there */
  g_assert_true (nova_volume_backup_directory_collect (fx->repository, 0, &removed, &freed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 0);

  g_assert_true (nova_volume_backup_directory_remove_manifest (fx->repository, first->id, &error));
  g_assert_true (nova_volume_backup_directory_collect (fx->repository, 0, &removed, &freed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 1);
  g_assert_cmpuint (freed, >, 0);
  assert_restores (fx, second, volume, TRUE);

  /* a backup that stopped before its manifest: young, it stays */
  write_volume (fx, other);
  cut = nova_backup_manifest_new ();
  cut->size = VOLUME_SIZE;
  cut->chunk_size = CHUNK_SIZE;
  file = g_file_new_for_path (fx->volume_path);
  in = g_file_read (file, NULL, &error);
  g_assert_true (nova_volume_backup_store (fx->repository, G_INPUT_STREAM (in), cut, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_chunk_files (fx), ==, 13 + 13);
  g_assert_true (nova_volume_backup_directory_collect (fx->repository, 3600, &removed, &freed, &error));
  g_assert_cmpuint (removed, ==, 0);
  g_assert_true (nova_volume_backup_directory_collect (fx->repository, 0, &removed, &freed, &error));
  g_assert_cmpuint (removed, ==, 13);
  assert_restores (fx, second, volume, TRUE);
}

/* what another host (or a restore on a fresh one) sees: the directory
 * alone, with files that are not manifests skipped and said */
static void
test_second_reader (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *volume = make_volume (6);
  g_autoptr(NovaBackupManifest) manifest = NULL;
  g_autoptr(NovaVolumeBackupDirectory) other = NULL;
  g_autoptr(GPtrArray) manifests = NULL;
  g_autoptr(GPtrArray) skipped = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = g_build_filename (fx->repository_path, "backups", "notes.txt", NULL);
  g_autofree char *bad = NULL, *renamed = NULL, *good = NULL, *wrong = NULL;
  g_autofree char *wrong_id = new_id ();

  write_volume (fx, volume);
  manifest = back_up (fx, NULL);
  g_assert_true (g_file_set_contents (junk, "x", 1, &error));
  bad = g_strdup_printf ("%s/backups/%s.json", fx->repository_path, wrong_id);
  g_assert_true (g_file_set_contents (bad, "{\"format\": 1}", -1, &error));
  /* a good manifest under another backup's name */
  good = g_strdup_printf ("%s/backups/%s.json", fx->repository_path, manifest->id);
  renamed = g_strdup_printf ("%s/backups/%s.json", fx->repository_path, "11111111-2222-4333-8444-555555555555");
  g_assert_true (g_file_get_contents (good, &wrong, NULL, &error));
  g_assert_true (g_file_set_contents (renamed, wrong, -1, &error));
  g_assert_no_error (error);

  other = nova_volume_backup_directory_open (fx->repository_path, &error);
  g_assert_no_error (error);
  manifests = nova_volume_backup_directory_list_manifests (other, &skipped, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (manifests->len, ==, 1);
  g_assert_cmpstr (((NovaBackupManifest *) g_ptr_array_index (manifests, 0))->id, ==, manifest->id);
  g_assert_cmpuint (skipped->len, ==, 3);
  g_clear_object (&fx->repository);
  fx->repository = g_steal_pointer (&other);
  assert_restores (fx, g_ptr_array_index (manifests, 0), volume, TRUE);

  /* a file that cannot be read as a manifest stops a collection */
  g_assert_false (nova_volume_backup_directory_collect (fx->repository, 0, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_short_volume (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaBackupManifest) manifest = nova_backup_manifest_new ();
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_malloc (1000), 1000, g_free);
  g_autoptr(GError) error = NULL;

  manifest->size = VOLUME_SIZE;
  manifest->chunk_size = CHUNK_SIZE;
  g_assert_false (nova_volume_backup_store (fx->repository, in, manifest, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_assert_nonnull (strstr (error->message, "1000 bytes"));
}

static void
cancel_at_half (guint64 done, guint64 total, gpointer user_data)
{
  if (done * 2 >= total)
    g_cancellable_cancel (user_data);
}

static void
test_cancel (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *volume = make_volume (7);
  g_autoptr(NovaBackupManifest) manifest = nova_backup_manifest_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) error = NULL;

  write_volume (fx, volume);
  manifest->size = VOLUME_SIZE;
  manifest->chunk_size = CHUNK_SIZE;
  file = g_file_new_for_path (fx->volume_path);
  in = g_file_read (file, NULL, &error);
  g_assert_false (nova_volume_backup_store (fx->repository, G_INPUT_STREAM (in), manifest, NULL, NULL, cancel_at_half,
                                            cancellable, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (manifest->chunks->len, <, 17);
}

/* the repository is refused where another user could change it, or where
 * its backups/ is a link */
static void
test_open_refused (void)
{
  g_autofree char *dir = test_make_tmp_dir ("nova-volume-backup-open-XXXXXX");
  g_autofree char *open_to_all = g_build_filename (dir, "open", NULL);
  g_autofree char *linked = g_build_filename (dir, "linked", NULL);
  g_autofree char *backups = g_build_filename (linked, "backups", NULL);
  g_autoptr(NovaVolumeBackupDirectory) repository = NULL;
  g_autoptr(GError) error = NULL;

  repository = nova_volume_backup_directory_open ("relative/path", &error);
  g_assert_null (repository);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (open_to_all, 0777), ==, 0);
  g_assert_cmpint (g_chmod (open_to_all, 0777), ==, 0);
  repository = nova_volume_backup_directory_open (open_to_all, &error);
  g_assert_null (repository);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "backup_path"));
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (linked, 0700), ==, 0);
  g_assert_cmpint (symlink (dir, backups), ==, 0);
  repository = nova_volume_backup_directory_open (linked, &error);
  g_assert_null (repository);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "backups"));
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/backup-repository/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("full-round-trip", test_full_round_trip);
  ADD ("incremental", test_incremental);
  ADD ("changed-only", test_changed_only);
  ADD ("verify-damage", test_verify_damage);
  ADD ("collect", test_collect);
  ADD ("second-reader", test_second_reader);
  ADD ("short-volume", test_short_volume);
  ADD ("cancel", test_cancel);
  g_test_add_func ("/backup-repository/open-refused", test_open_refused);
  return g_test_run ();
}
