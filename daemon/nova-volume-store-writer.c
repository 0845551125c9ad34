/* nova-volume: the store's writer thread and its group commit. */
#include "config.h"

#include "nova-volume-crash.h"
#include "nova-volume-store-writer.h"

/* what one transaction takes at most, so a flood of writes still sees
 * its first callbacks soon */
#define MAX_BATCH 256

typedef struct {
  char                 *label;
  NovaVolumeStoreWrite  write;    /* NULL: the stop marker */
  gpointer              data;
  GDestroyNotify        destroy;
  GMainContext         *context;
  NovaVolumeStoreWritten callback;
  gpointer              user_data;
  GError               *error;
} Write;

struct _NovaVolumeStoreWriter {
  NovaVolumeStore *store;
  GAsyncQueue     *queue;         /* Write */
  GThread         *thread;
  GMutex           counts_lock;
  guint64          n_batches;
  guint64          n_writes;
  guint            largest_batch;
};

static void
write_free (Write *write)
{
  if (write->destroy != NULL)
    write->destroy (write->data);
  g_clear_pointer (&write->context, g_main_context_unref);
  g_clear_error (&write->error);
  g_free (write->label);
  g_free (write);
}

/* one write's work, inside the transaction (or savepoint) around it */
static gboolean
run_write (NovaVolumeStore *store, gpointer user_data, GError **error)
{
  Write *write = user_data;

  if (!write->write (store, write->data, error))
    return FALSE;
#if NOVA_VOLUME_CRASH_POINTS
  {
    g_autofree char *point = g_strconcat (write->label, ":in-batch", NULL);

    nova_volume_crash_point (point);
  }
#endif
  return TRUE;
}

/* every write in a savepoint of the one transaction; the first that fails
 * undoes the batch, so none commits behind a failure SQLite may have
 * rolled back whole (a full disk) */
static gboolean
run_batch (NovaVolumeStore *store, gpointer user_data, GError **error)
{
  GPtrArray *batch = user_data;

  for (guint i = 0; i < batch->len; i++)
    {
      Write *write = g_ptr_array_index (batch, i);

      if (!nova_volume_store_transaction (store, run_write, write, &write->error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_callbacks (gpointer user_data)
{
  GPtrArray *writes = user_data;

  for (guint i = 0; i < writes->len; i++)
    {
      Write *write = g_ptr_array_index (writes, i);

      write->callback (write->error, write->user_data);
    }
  return G_SOURCE_REMOVE;
}

/* the callbacks, a source per run of writes from one context: one wake-up
 * of the main loop for a batch; then those that are called back here */
static void
deliver (GPtrArray *batch)
{
  g_autoptr(GPtrArray) here = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
  guint start = 0;

  while (start < batch->len)
    {
      GMainContext *context = ((Write *) g_ptr_array_index (batch, start))->context;
      GPtrArray *writes;
      g_autoptr(GSource) source = NULL;

      if (context == NULL)
        {
          g_ptr_array_add (here, g_ptr_array_index (batch, start++));
          continue;
        }
      writes = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
      source = g_idle_source_new ();
      for (; start < batch->len && ((Write *) g_ptr_array_index (batch, start))->context == context; start++)
        g_ptr_array_add (writes, g_ptr_array_index (batch, start));
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, run_callbacks, writes, (GDestroyNotify) g_ptr_array_unref);
      g_source_set_static_name (source, "[nova-volume] store writes");
      g_source_attach (source, context);
    }
  /* the sources and @here own the writes now */
  g_ptr_array_set_free_func (batch, NULL);
  /* last: what these attach to a main context comes after the batch's
   * other callbacks */
  run_callbacks (here);
}

static void
write_batch (NovaVolumeStoreWriter *self, GPtrArray *batch)
{
  g_autoptr(GError) error = NULL;

  if (batch->len == 1
      || !nova_volume_store_transaction (self->store, run_batch, batch, &error))
    {
      /* alone, each with its own commit and its own error: one write's
       * failure is not the others' */
      for (guint i = 0; i < batch->len; i++)
        {
          Write *write = g_ptr_array_index (batch, i);

          g_clear_error (&write->error);
          nova_volume_store_transaction (self->store, run_write, write, &write->error);
        }
    }

  g_mutex_lock (&self->counts_lock);
  self->n_batches++;
  self->n_writes += batch->len;
  self->largest_batch = MAX (self->largest_batch, batch->len);
  g_mutex_unlock (&self->counts_lock);

  deliver (batch);
}

static gpointer
writer_thread (gpointer user_data)
{
  NovaVolumeStoreWriter *self = user_data;
  gboolean stop = FALSE;

  while (!stop)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
      Write *write = g_async_queue_pop (self->queue);

      /* what waited while the last batch was on its way to the disk goes
       * in this one */
      do
        {
          if (write->write == NULL)
            {
              write_free (write);
              stop = TRUE;
              break;
            }
          g_ptr_array_add (batch, write);
        }
      while (batch->len < MAX_BATCH && (write = g_async_queue_try_pop (self->queue)) != NULL);
      if (batch->len > 0)
        write_batch (self, batch);
    }
  return NULL;
}

NovaVolumeStoreWriter *
nova_volume_store_writer_new (NovaVolumeStore *store)
{
  NovaVolumeStoreWriter *self = g_new0 (NovaVolumeStoreWriter, 1);

  self->store = g_object_ref (store);
  self->queue = g_async_queue_new ();
  g_mutex_init (&self->counts_lock);
  self->thread = g_thread_new ("store-writer", writer_thread, self);
  return self;
}

void
nova_volume_store_writer_free (NovaVolumeStoreWriter *self)
{
  if (self == NULL)
    return;
  /* the stop marker goes last: what was handed over before is written */
  g_async_queue_push (self->queue, g_new0 (Write, 1));
  g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  g_mutex_clear (&self->counts_lock);
  g_object_unref (self->store);
  g_free (self);
}

static void
hand_over (NovaVolumeStoreWriter *self, gboolean here, const char *label,
           NovaVolumeStoreWrite write, gpointer data, GDestroyNotify destroy, GMainContext *context,
           NovaVolumeStoreWritten callback, gpointer user_data)
{
  Write *item = g_new0 (Write, 1);

  g_return_if_fail (write != NULL);
  item->label = g_strdelimit (g_strdup (label), " ", '-');
  item->write = write;
  item->data = data;
  item->destroy = destroy;
  /* none: called back on the writer's thread */
  item->context = here ? NULL : g_main_context_ref (context != NULL ? context : g_main_context_default ());
  item->callback = callback;
  item->user_data = user_data;
  g_async_queue_push (self->queue, item);
}

void
nova_volume_store_writer_write (NovaVolumeStoreWriter *self, const char *label, NovaVolumeStoreWrite write,
                                gpointer data, GDestroyNotify destroy, GMainContext *context,
                                NovaVolumeStoreWritten callback, gpointer user_data)
{
  hand_over (self, FALSE, label, write, data, destroy, context, callback, user_data);
}

void
nova_volume_store_writer_write_then_here (NovaVolumeStoreWriter *self, const char *label, NovaVolumeStoreWrite write,
                                          gpointer data, GDestroyNotify destroy, NovaVolumeStoreWritten callback,
                                          gpointer user_data)
{
  hand_over (self, TRUE, label, write, data, destroy, NULL, callback, user_data);
}

void
nova_volume_store_writer_get_counts (NovaVolumeStoreWriter *self, guint64 *n_batches, guint64 *n_writes,
                                     guint *largest_batch)
{
  g_mutex_lock (&self->counts_lock);
  *n_batches = self->n_batches;
  *n_writes = self->n_writes;
  *largest_batch = self->largest_batch;
  g_mutex_unlock (&self->counts_lock);
}
