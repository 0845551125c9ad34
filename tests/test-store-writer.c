/* The store's writer (daemon/nova-volume-store-writer.c): writes handed
 * over while a batch is on its way to the disk share the next transaction;
 * every callback follows its write's commit, in the order handed over; a
 * write that fails fails alone; a write may be called back on the
 * writer's own thread; freeing the writer writes what waits. */
#include "config.h"

#include "nova-volume-error.h"
#include "nova-volume-record.h"
#include "nova-volume-store-writer.h"
#include "test-util.h"

#define N_WRITES 100

typedef struct {
  char            *dir;
  char            *path;
  NovaVolumeStore *store;
} Fixture;

static void
fixture_setup (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = test_make_tmp_dir ("nova-volume-test-store-writer-XXXXXX");
  fixture->path = g_build_filename (fixture->dir, "state.db", NULL);
  fixture->store = nova_volume_store_open (fixture->path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer user_data)
{
  g_clear_object (&fixture->store);
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static NovaVolumeRecord *
make_volume (guint i)
{
  NovaVolumeRecord *volume = nova_volume_record_new ();

  volume->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
  volume->size = 1024 * 1024;
  volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
  nova_record_set_string (&volume->backend, "default");
  nova_record_set_string (&volume->driver, "file");
  return volume;
}

static gboolean
put_volume (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_put_volume (store, data, error);
}

static gboolean
delete_volume (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_delete_volume (store, data, error);
}

/* the first write waits at this gate until every other one is handed
 * over, so that they all wait for the same next batch */
typedef struct {
  GMutex    lock;
  GCond     cond;
  gboolean  entered;
  gboolean  open;
  NovaVolumeRecord *volume;
} Gate;

static gboolean
put_volume_at_gate (NovaVolumeStore *store, gpointer data, GError **error)
{
  Gate *gate = data;

  g_mutex_lock (&gate->lock);
  gate->entered = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
  return nova_volume_store_put_volume (store, gate->volume, error);
}

/* the writer is in the first write's batch, which holds nothing else */
static void
gate_wait_entered (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  while (!gate->entered)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

typedef struct {
  NovaVolumeStore *store;
  GArray          *order;     /* guint: the writes' numbers, as called back */
  GPtrArray       *errors;    /* the error each write got, or NULL */
  guint            done;
  gboolean         all_there; /* each write was in the store when called back */
} Heard;

typedef struct {
  Heard *heard;
  guint  n;
  char  *id;
} Expect;

static void
expect_free (Expect *expect)
{
  g_free (expect->id);
  g_free (expect);
}

static void
on_written (const GError *error, gpointer user_data)
{
  Expect *expect = user_data;
  Heard *heard = expect->heard;
  g_autoptr(NovaVolumeRecord) stored = NULL;

  g_array_append_val (heard->order, expect->n);
  g_ptr_array_add (heard->errors, error != NULL ? g_error_copy (error) : NULL);
  if (error == NULL)
    {
      stored = nova_volume_store_get_volume (heard->store, expect->id, NULL);
      if (stored == NULL)
        heard->all_there = FALSE;
    }
  heard->done++;
  expect_free (expect);
}

static Heard *
heard_new (NovaVolumeStore *store)
{
  Heard *heard = g_new0 (Heard, 1);

  heard->store = store;
  heard->order = g_array_new (FALSE, FALSE, sizeof (guint));
  heard->errors = g_ptr_array_new ();
  heard->all_there = TRUE;
  return heard;
}

static void
heard_free (Heard *heard)
{
  g_array_unref (heard->order);
  for (guint i = 0; i < heard->errors->len; i++)
    if (g_ptr_array_index (heard->errors, i) != NULL)
      g_error_free (g_ptr_array_index (heard->errors, i));
  g_ptr_array_unref (heard->errors);
  g_free (heard);
}

static Expect *
expect_new (Heard *heard, guint n, const char *id)
{
  Expect *expect = g_new0 (Expect, 1);

  expect->heard = heard;
  expect->n = n;
  expect->id = g_strdup (id);
  return expect;
}

static void
wait_for (Heard *heard, guint n)
{
  while (heard->done < n)
    g_main_context_iteration (NULL, TRUE);
}

/* volume @n's put, called back to @heard */
static void
hand_over_put (NovaVolumeStoreWriter *writer, Heard *heard, guint n)
{
  NovaVolumeRecord *volume = make_volume (n);

  nova_volume_store_writer_write (writer, "test:put", put_volume, volume, (GDestroyNotify) nova_volume_record_free,
                                  NULL, on_written, expect_new (heard, n, volume->id));
}

/* the first write of a test: the gate, which its writer's thread waits at
 * once it is in it */
static void
hand_over_gate (NovaVolumeStoreWriter *writer, Heard *heard, Gate *gate)
{
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  gate->volume = make_volume (0);
  nova_volume_store_writer_write (writer, "test:gate", put_volume_at_gate, gate, NULL, NULL, on_written,
                                  expect_new (heard, 0, gate->volume->id));
  gate_wait_entered (gate);
}

static void
gate_clear (Gate *gate)
{
  nova_volume_record_free (gate->volume);
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
}

static void
test_group_commit (Fixture *fixture, gconstpointer user_data)
{
  NovaVolumeStoreWriter *writer = nova_volume_store_writer_new (fixture->store);
  Heard *heard = heard_new (fixture->store);
  Gate gate = { 0 };
  guint64 n_batches, n_writes;
  guint largest;

  hand_over_gate (writer, heard, &gate);
  for (guint i = 1; i < N_WRITES; i++)
    hand_over_put (writer, heard, i);
  gate_open (&gate);
  wait_for (heard, N_WRITES);

  /* in the order handed over, each after its commit */
  for (guint i = 0; i < N_WRITES; i++)
    {
      g_assert_cmpuint (g_array_index (heard->order, guint, i), ==, i);
      g_assert_null (g_ptr_array_index (heard->errors, i));
    }
  g_assert_true (heard->all_there);
  /* the 99 that waited behind the gate went in one transaction */
  nova_volume_store_writer_get_counts (writer, &n_batches, &n_writes, &largest);
  g_assert_cmpuint (n_writes, ==, N_WRITES);
  g_assert_cmpuint (n_batches, ==, 2);
  g_assert_cmpuint (largest, ==, N_WRITES - 1);

  nova_volume_store_writer_free (writer);
  gate_clear (&gate);
  heard_free (heard);
}

static void
test_one_fails_alone (Fixture *fixture, gconstpointer user_data)
{
  NovaVolumeStoreWriter *writer = nova_volume_store_writer_new (fixture->store);
  Heard *heard = heard_new (fixture->store);
  Gate gate = { 0 };
  const char *missing = "00000000-0000-4000-8000-999999999999";
  const GError *error;
  g_autoptr(GPtrArray) volumes = NULL;

  hand_over_gate (writer, heard, &gate);
  for (guint i = 1; i < 4; i++)
    {
      hand_over_put (writer, heard, i);
      /* the removal of a volume that is not there fails in the same batch */
      if (i == 2)
        nova_volume_store_writer_write (writer, "test:delete", delete_volume, g_strdup (missing), g_free, NULL,
                                        on_written, expect_new (heard, 100, missing));
    }
  gate_open (&gate);
  wait_for (heard, 5);

  g_assert_cmpuint (g_array_index (heard->order, guint, 3), ==, 100);
  error = g_ptr_array_index (heard->errors, 3);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  for (guint i = 0; i < 5; i++)
    if (i != 3)
      g_assert_null (g_ptr_array_index (heard->errors, i));
  g_assert_true (heard->all_there);
  volumes = nova_volume_store_list_volumes (fixture->store, NULL);
  g_assert_cmpuint (volumes->len, ==, 4);

  nova_volume_store_writer_free (writer);
  gate_clear (&gate);
  heard_free (heard);
}

/* what a callback on the writer's thread saw */
typedef struct {
  NovaVolumeStore *store;
  char            *id;
  GThread         *thread;    /* the thread it ran on */
  gboolean         there;     /* its write was in the store */
  gint             done;      /* atomic */
} HeardHere;

static void
on_written_here (const GError *error, gpointer user_data)
{
  HeardHere *here = user_data;
  g_autoptr(NovaVolumeRecord) stored = nova_volume_store_get_volume (here->store, here->id, NULL);

  here->thread = g_thread_self ();
  here->there = error == NULL && stored != NULL;
  g_atomic_int_set (&here->done, 1);
}

/* A write called back on the writer's own thread: after its commit, not
 * in any main context; the batch's other callbacks still come in theirs,
 * in order. */
static void
test_then_here (Fixture *fixture, gconstpointer user_data)
{
  NovaVolumeStoreWriter *writer = nova_volume_store_writer_new (fixture->store);
  Heard *heard = heard_new (fixture->store);
  NovaVolumeRecord *volume = make_volume (2);
  HeardHere here = { fixture->store, g_strdup (volume->id), NULL, FALSE, 0 };
  Gate gate = { 0 };

  hand_over_gate (writer, heard, &gate);
  hand_over_put (writer, heard, 1);
  nova_volume_store_writer_write_then_here (writer, "test:put-here", put_volume, volume,
                                            (GDestroyNotify) nova_volume_record_free, on_written_here, &here);
  hand_over_put (writer, heard, 3);
  gate_open (&gate);
  wait_for (heard, 3);
  while (!g_atomic_int_get (&here.done))
    g_usleep (1000);

  g_assert_true (here.there);
  g_assert_true (here.thread != g_thread_self ());
  g_assert_cmpuint (heard->order->len, ==, 3);
  g_assert_cmpuint (g_array_index (heard->order, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (heard->order, guint, 1), ==, 1);
  g_assert_cmpuint (g_array_index (heard->order, guint, 2), ==, 3);
  g_assert_true (heard->all_there);
  nova_volume_store_writer_free (writer);
  gate_clear (&gate);
  heard_free (heard);
  g_free (here.id);
}

static void
test_free_writes_what_waits (Fixture *fixture, gconstpointer user_data)
{
  NovaVolumeStoreWriter *writer = nova_volume_store_writer_new (fixture->store);
  Heard *heard = heard_new (fixture->store);
  g_autoptr(GPtrArray) volumes = NULL;

  for (guint i = 0; i < N_WRITES; i++)
    hand_over_put (writer, heard, i);
  nova_volume_store_writer_free (writer);
  volumes = nova_volume_store_list_volumes (fixture->store, NULL);
  g_assert_cmpuint (volumes->len, ==, N_WRITES);
  /* the callbacks still come, in their context */
  wait_for (heard, N_WRITES);
  g_assert_true (heard->all_there);
  heard_free (heard);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store-writer/group-commit", Fixture, NULL, fixture_setup, test_group_commit, fixture_teardown);
  g_test_add ("/store-writer/one-fails-alone", Fixture, NULL, fixture_setup, test_one_fails_alone,
              fixture_teardown);
  g_test_add ("/store-writer/then-here", Fixture, NULL, fixture_setup, test_then_here, fixture_teardown);
  g_test_add ("/store-writer/free-writes-what-waits", Fixture, NULL, fixture_setup, test_free_writes_what_waits,
              fixture_teardown);
  return g_test_run ();
}
