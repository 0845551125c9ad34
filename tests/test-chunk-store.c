/* The chunk store of a file-system backup repository: chunks kept once
 * under their SHA-256, read back only when whole and matching, and
 * nothing beneath the repository reached through a link or a FIFO. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-chunk-store.h"
#include "test-util.h"

#define CHUNK (64 * 1024)

typedef struct {
  char                 *dir;
  int                   dir_fd;
  NovaVolumeChunkStore *store;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = test_make_tmp_dir ("nova-volume-chunk-store-XXXXXX");
  fx->dir_fd = open (fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (fx->dir_fd, >=, 0);
  fx->store = nova_volume_chunk_store_open (fx->dir_fd, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->store);
  close (fx->dir_fd);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
}

/* @len bytes that differ with @seed */
static guint8 *
make_chunk (guint32 seed, gsize len)
{
  guint8 *data = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (seed);

  /* half of it compresses, half does not */
  for (gsize i = 0; i < len; i++)
    data[i] = i < len / 2 ? (guint8) (i / 512) : (guint8) g_rand_int (rand);
  g_rand_free (rand);
  return data;
}

static char *
chunk_path (Fixture *fx, const char *id)
{
  char fanout[3] = { id[0], id[1], '\0' };

  return g_build_filename (fx->dir, "chunks", fanout, id, NULL);
}

static char *
put (Fixture *fx, const guint8 *data, gsize len, guint64 *out_stored)
{
  g_autoptr(GError) error = NULL;
  char *id = NULL;

  g_assert_true (nova_volume_chunk_store_put (fx->store, data, len, &id, out_stored, &error));
  g_assert_no_error (error);
  return id;
}

static void
test_round_trip (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *chunk = make_chunk (1, CHUNK);
  g_autofree char *id = NULL, *again = NULL, *expected = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  guint64 stored = 0;

  id = put (fx, chunk, CHUNK, &stored);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, chunk, CHUNK);
  g_assert_cmpstr (id, ==, expected);
  /* compressed: the half that repeats costs little */
  g_assert_cmpuint (stored, >, 0);
  g_assert_cmpuint (stored, <, CHUNK * 3 / 4);
  g_assert_true (nova_volume_chunk_store_has (fx->store, id));

  /* the same bytes again add nothing */
  again = put (fx, chunk, CHUNK, &stored);
  g_assert_cmpstr (again, ==, id);
  g_assert_cmpuint (stored, ==, 0);

  back = nova_volume_chunk_store_get (fx->store, id, CHUNK, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), chunk, CHUNK);
}

static void
test_zero (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *zeros = g_malloc0 (CHUNK);

  g_assert_true (nova_volume_chunk_is_zero (zeros, CHUNK));
  zeros[CHUNK - 1] = 1;
  g_assert_false (nova_volume_chunk_is_zero (zeros, CHUNK));
  zeros[CHUNK - 1] = 0;
  zeros[0] = 1;
  g_assert_false (nova_volume_chunk_is_zero (zeros, CHUNK));
  g_assert_true (nova_volume_chunk_is_zero (zeros, 0));
}

static void
assert_damaged (Fixture *fx, const char *id, gsize len, const char *why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) back = nova_volume_chunk_store_get (fx->store, id, len, &error);

  g_assert_null (back);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_assert_nonnull (strstr (error->message, why));
}

/* a flipped byte, a cut file, a wrong size, a link, a FIFO: each is named,
 * none returns bytes, none blocks */
static void
test_damage (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *chunk = make_chunk (2, CHUNK);
  g_autofree guint8 *other = make_chunk (3, CHUNK);
  g_autofree char *id = put (fx, chunk, CHUNK, NULL);
  g_autofree char *other_id = put (fx, other, CHUNK, NULL);
  g_autofree char *path = chunk_path (fx, id);
  g_autofree char *other_path = chunk_path (fx, other_id);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  assert_damaged (fx, id, CHUNK - 1, "size");

  /* a byte in the middle of the frame */
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  contents[len / 2] ^= 0x40;
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_chunk_store_has (fx->store, id));
  assert_damaged (fx, id, CHUNK, "");

  /* cut short */
  g_assert_cmpint (truncate (path, (off_t) len / 3), ==, 0);
  assert_damaged (fx, id, CHUNK, "");

  /* another chunk's frame under this name: whole, but not these bytes */
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (other_path, &contents, &len, &error));
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, &error));
  assert_damaged (fx, id, CHUNK, "checksum");

  /* a link to the other chunk is not followed */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (symlink (other_path, path), ==, 0);
  g_assert_false (nova_volume_chunk_store_has (fx->store, id));
  assert_damaged (fx, id, CHUNK, "link");

  /* a FIFO is refused without waiting for a writer */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_false (nova_volume_chunk_store_has (fx->store, id));
  assert_damaged (fx, id, CHUNK, "not a regular file");
}

static void
test_missing (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) back = NULL;
  const char *absent = "0000000000000000000000000000000000000000000000000000000000000000";
  const char *bad[] = { "", "../../etc/passwd", "ABCDEF0000000000000000000000000000000000000000000000000000000000",
                        "00/0000000000000000000000000000000000000000000000000000000000000", "00" };

  back = nova_volume_chunk_store_get (fx->store, absent, CHUNK, &error);
  g_assert_null (back);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, absent));
  g_clear_error (&error);
  g_assert_false (nova_volume_chunk_store_has (fx->store, absent));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      back = nova_volume_chunk_store_get (fx->store, bad[i], CHUNK, &error);
      g_assert_null (back);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_volume_chunk_store_has (fx->store, bad[i]));
      g_assert_false (nova_volume_chunk_store_remove (fx->store, bad[i], NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
}

static gboolean
contains (GPtrArray *ids, const char *id)
{
  return g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL);
}

static void
test_list_remove (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *a = make_chunk (4, CHUNK);
  g_autofree guint8 *b = make_chunk (5, CHUNK);
  g_autofree char *id_a = put (fx, a, CHUNK, NULL);
  g_autofree char *id_b = put (fx, b, CHUNK, NULL);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  guint64 freed = 0;

  ids = nova_volume_chunk_store_list (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_true (contains (ids, id_a));
  g_assert_true (contains (ids, id_b));
  g_clear_pointer (&ids, g_ptr_array_unref);

  g_assert_true (nova_volume_chunk_store_remove (fx->store, id_a, &freed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (freed, >, 0);
  g_assert_false (nova_volume_chunk_store_has (fx->store, id_a));
  /* removing what is gone is no error */
  g_assert_true (nova_volume_chunk_store_remove (fx->store, id_a, &freed, &error));
  g_assert_cmpuint (freed, ==, 0);

  ids = nova_volume_chunk_store_list (fx->store, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_true (contains (ids, id_b));
}

/* what a writer cut short left: old temporaries go, a young one stays
 * (its writer may be at work), and neither is listed as a chunk */
static void
test_temporaries (Fixture *fx, gconstpointer data)
{
  g_autofree guint8 *chunk = make_chunk (6, CHUNK);
  g_autofree char *id = put (fx, chunk, CHUNK, NULL);
  g_autofree char *path = chunk_path (fx, id);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *old = g_build_filename (dir, ".tmp-old", NULL);
  g_autofree char *young = g_build_filename (dir, ".tmp-young", NULL);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };

  g_assert_true (g_file_set_contents (old, "x", 1, &error));
  g_assert_true (g_file_set_contents (young, "x", 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (utimensat (AT_FDCWD, old, times, 0), ==, 0);

  ids = nova_volume_chunk_store_list (fx->store, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpuint (nova_volume_chunk_store_collect_temporaries (fx->store, 3600), ==, 1);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (young, G_FILE_TEST_EXISTS));
  g_assert_true (nova_volume_chunk_store_has (fx->store, id));
}

/* "chunks" replaced by a link: the store does not open through it */
static void
test_link_refused (void)
{
  g_autofree char *dir = test_make_tmp_dir ("nova-volume-chunk-link-XXXXXX");
  g_autofree char *elsewhere = g_build_filename (dir, "elsewhere", NULL);
  g_autofree char *repository = g_build_filename (dir, "repository", NULL);
  g_autofree char *chunks = g_build_filename (repository, "chunks", NULL);
  g_autoptr(NovaVolumeChunkStore) store = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_cmpint (g_mkdir (elsewhere, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (repository, 0700), ==, 0);
  g_assert_cmpint (symlink (elsewhere, chunks), ==, 0);
  fd = open (repository, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  store = nova_volume_chunk_store_open (fd, &error);
  g_assert_null (store);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "chunks"));
  close (fd);
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add ("/chunk-store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("round-trip", test_round_trip);
  ADD ("zero", test_zero);
  ADD ("damage", test_damage);
  ADD ("missing", test_missing);
  ADD ("list-remove", test_list_remove);
  ADD ("temporaries", test_temporaries);
  g_test_add_func ("/chunk-store/link-refused", test_link_refused);
  return g_test_run ();
}
