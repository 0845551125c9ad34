/* Per-object serialization: order, parallelism across objects, and
 * operations that finish inside their start function. */
#include "config.h"

#include "nova-volume-op-queue.h"

typedef struct {
  NovaVolumeOpQueue *queue;
  GPtrArray         *started;   /* names, in start order */
  GHashTable        *ops;       /* name -> NovaVolumeOp* while running */
  gboolean           finish_at_once;
} Fixture;

typedef struct {
  Fixture    *fx;
  const char *name;
} Job;

static void
job_start (NovaVolumeOp *op, gpointer user_data)
{
  Job *job = user_data;

  g_ptr_array_add (job->fx->started, (gpointer) job->name);
  if (job->fx->finish_at_once)
    nova_volume_op_queue_finish (job->fx->queue, op);
  else
    g_hash_table_insert (job->fx->ops, (gpointer) job->name, op);
}

static void
finish (Fixture *fx, const char *name)
{
  NovaVolumeOp *op = g_hash_table_lookup (fx->ops, name);

  g_assert_nonnull (op);
  g_hash_table_remove (fx->ops, name);
  nova_volume_op_queue_finish (fx->queue, op);
}

static void
submit (Fixture *fx, Job *job, const char *name, const char *key1, const char *key2)
{
  const char *keys[] = { key1, key2, NULL };

  job->fx = fx;
  job->name = name;
  nova_volume_op_queue_submit (fx->queue, keys, NULL, job_start, job);
}

static void
submit_shared (Fixture *fx, Job *job, const char *name, const char *exclusive, const char *shared)
{
  const char *exclusive_keys[] = { exclusive, NULL };
  const char *shared_keys[] = { shared, NULL };

  job->fx = fx;
  job->name = name;
  nova_volume_op_queue_submit (fx->queue, exclusive_keys, shared_keys, job_start, job);
}

static void
fixture_init (Fixture *fx)
{
  fx->queue = nova_volume_op_queue_new ();
  fx->started = g_ptr_array_new ();
  fx->ops = g_hash_table_new (g_str_hash, g_str_equal);
}

static void
fixture_clear (Fixture *fx)
{
  nova_volume_op_queue_free (fx->queue);
  g_ptr_array_unref (fx->started);
  g_hash_table_unref (fx->ops);
}

static const char *
started_at (Fixture *fx, guint i)
{
  g_assert_cmpuint (i, <, fx->started->len);
  return g_ptr_array_index (fx->started, i);
}

static void
test_same_key_serialized (void)
{
  Fixture fx = { 0 };
  Job a, b, c;

  fixture_init (&fx);
  submit (&fx, &a, "a", "vol1", NULL);
  submit (&fx, &b, "b", "vol1", NULL);
  submit (&fx, &c, "c", "vol1", NULL);
  g_assert_cmpuint (fx.started->len, ==, 1);
  g_assert_cmpuint (nova_volume_op_queue_count (fx.queue, "vol1"), ==, 3);
  finish (&fx, "a");
  g_assert_cmpuint (fx.started->len, ==, 2);
  g_assert_cmpstr (started_at (&fx, 1), ==, "b");
  finish (&fx, "b");
  finish (&fx, "c");
  g_assert_cmpuint (fx.started->len, ==, 3);
  g_assert_cmpuint (nova_volume_op_queue_count (fx.queue, "vol1"), ==, 0);
  fixture_clear (&fx);
}

static void
test_different_keys_parallel (void)
{
  Fixture fx = { 0 };
  Job a, b;

  fixture_init (&fx);
  submit (&fx, &a, "a", "vol1", NULL);
  submit (&fx, &b, "b", "vol2", NULL);
  g_assert_cmpuint (fx.started->len, ==, 2);
  finish (&fx, "b");
  finish (&fx, "a");
  fixture_clear (&fx);
}

/* A two-key operation waits for both, and a later one-key operation on a
 * key it waits for does not overtake it. */
static void
test_multi_key_fifo (void)
{
  Fixture fx = { 0 };
  Job a, b, c, d;

  fixture_init (&fx);
  submit (&fx, &a, "a", "vol1", NULL);
  submit (&fx, &b, "b", "vol2", "vol1");   /* clone of vol1 into vol2 */
  submit (&fx, &c, "c", "vol2", NULL);
  submit (&fx, &d, "d", "vol3", NULL);
  g_assert_cmpuint (fx.started->len, ==, 2);
  g_assert_cmpstr (started_at (&fx, 0), ==, "a");
  g_assert_cmpstr (started_at (&fx, 1), ==, "d");
  finish (&fx, "a");
  g_assert_cmpuint (fx.started->len, ==, 3);
  g_assert_cmpstr (started_at (&fx, 2), ==, "b");
  finish (&fx, "b");
  g_assert_cmpstr (started_at (&fx, 3), ==, "c");
  finish (&fx, "c");
  finish (&fx, "d");
  fixture_clear (&fx);
}

static void
test_finish_inside_start (void)
{
  Fixture fx = { 0 };
  Job jobs[50];
  char names[50][8];

  fixture_init (&fx);
  fx.finish_at_once = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_snprintf (names[i], sizeof names[i], "j%u", i);
      submit (&fx, &jobs[i], names[i], i % 2 ? "vol1" : "vol2", NULL);
    }
  g_assert_cmpuint (fx.started->len, ==, G_N_ELEMENTS (jobs));
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    g_assert_cmpstr (started_at (&fx, i), ==, names[i]);
  g_assert_cmpuint (nova_volume_op_queue_count (fx.queue, "vol1"), ==, 0);
  fixture_clear (&fx);
}

/* Readers of one object run together (two clones of one source); a
 * writer waits for them, and a reader that came after the writer waits
 * for the writer. */
static void
test_shared_keys (void)
{
  Fixture fx = { 0 };
  Job a, b, c, d;

  fixture_init (&fx);
  submit_shared (&fx, &a, "clone1", "new1", "src");
  submit_shared (&fx, &b, "clone2", "new2", "src");
  submit (&fx, &c, "detach", "src", NULL);
  submit_shared (&fx, &d, "clone3", "new3", "src");
  g_assert_cmpuint (fx.started->len, ==, 2);
  g_assert_cmpuint (nova_volume_op_queue_count (fx.queue, "src"), ==, 4);
  finish (&fx, "clone2");
  g_assert_cmpuint (fx.started->len, ==, 2);
  finish (&fx, "clone1");
  g_assert_cmpuint (fx.started->len, ==, 3);
  g_assert_cmpstr (started_at (&fx, 2), ==, "detach");
  finish (&fx, "detach");
  g_assert_cmpstr (started_at (&fx, 3), ==, "clone3");
  finish (&fx, "clone3");
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/op-queue/same-key-serialized", test_same_key_serialized);
  g_test_add_func ("/op-queue/different-keys-parallel", test_different_keys_parallel);
  g_test_add_func ("/op-queue/multi-key-fifo", test_multi_key_fifo);
  g_test_add_func ("/op-queue/finish-inside-start", test_finish_inside_start);
  g_test_add_func ("/op-queue/shared-keys", test_shared_keys);
  return g_test_run ();
}
