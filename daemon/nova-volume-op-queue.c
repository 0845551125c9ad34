/* nova-volume: per-object serialization of operations without blocking a
 * thread: waiting operations sit in a FIFO and start from the main loop. */
#include "config.h"

#include "nova-volume-op-queue.h"

struct _NovaVolumeOp {
  GStrv                  exclusive;
  GStrv                  shared;
  NovaVolumeOpStartFunc  start;
  gpointer               user_data;
  gboolean               running;
};

struct _NovaVolumeOpQueue {
  GQueue   ops;          /* NovaVolumeOp*, arrival order, running and waiting */
  gboolean dispatching;
  gboolean dispatch_again;
};

NovaVolumeOpQueue *
nova_volume_op_queue_new (void)
{
  NovaVolumeOpQueue *queue = g_new0 (NovaVolumeOpQueue, 1);

  g_queue_init (&queue->ops);
  return queue;
}

static void
op_free (NovaVolumeOp *op)
{
  g_strfreev (op->exclusive);
  g_strfreev (op->shared);
  g_free (op);
}

void
nova_volume_op_queue_free (NovaVolumeOpQueue *queue)
{
  if (queue == NULL)
    return;
  g_queue_clear_full (&queue->ops, (GDestroyNotify) op_free);
  g_free (queue);
}

static gboolean
any_in (GStrv keys, GStrv others)
{
  for (guint i = 0; keys[i] != NULL; i++)
    if (g_strv_contains ((const char *const *) others, keys[i]))
      return TRUE;
  return FALSE;
}

/* Two operations conflict when one holds exclusively a key the other
 * holds at all. */
static gboolean
ops_conflict (const NovaVolumeOp *a, const NovaVolumeOp *b)
{
  return any_in (a->exclusive, b->exclusive) || any_in (a->exclusive, b->shared)
         || any_in (a->shared, b->exclusive);
}

/* An operation may start when no operation ahead of it conflicts: that
 * keeps each object's changes in arrival order, and a reader that came
 * after a writer waits for it. */
static gboolean
op_may_start (NovaVolumeOpQueue *queue, GList *link)
{
  for (GList *l = queue->ops.head; l != link; l = l->next)
    if (ops_conflict (l->data, link->data))
      return FALSE;
  return TRUE;
}

static void
dispatch (NovaVolumeOpQueue *queue)
{
  /* a start function may finish its operation at once, which dispatches
   * again: run the loop here instead of recursing */
  if (queue->dispatching)
    {
      queue->dispatch_again = TRUE;
      return;
    }
  queue->dispatching = TRUE;
  do
    {
      queue->dispatch_again = FALSE;
      for (GList *l = queue->ops.head; l != NULL; l = l->next)
        {
          NovaVolumeOp *op = l->data;

          if (op->running || !op_may_start (queue, l))
            continue;
          op->running = TRUE;
          op->start (op, op->user_data);
          if (queue->dispatch_again)
            break; /* the list changed under us: start over */
        }
    }
  while (queue->dispatch_again);
  queue->dispatching = FALSE;
}

static GStrv
copy_keys (const char *const *keys)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    g_strv_builder_add (builder, keys[i]);
  return g_strv_builder_end (builder);
}

NovaVolumeOp *
nova_volume_op_queue_submit (NovaVolumeOpQueue     *queue,
                             const char *const     *exclusive_keys,
                             const char *const     *shared_keys,
                             NovaVolumeOpStartFunc  start,
                             gpointer               user_data)
{
  NovaVolumeOp *op = g_new0 (NovaVolumeOp, 1);

  op->exclusive = copy_keys (exclusive_keys);
  op->shared = copy_keys (shared_keys);
  op->start = start;
  op->user_data = user_data;
  g_queue_push_tail (&queue->ops, op);
  dispatch (queue);
  return op;
}

void
nova_volume_op_queue_finish (NovaVolumeOpQueue *queue, NovaVolumeOp *op)
{
  g_return_if_fail (op->running);
  g_queue_remove (&queue->ops, op);
  op_free (op);
  if (queue->dispatching)
    queue->dispatch_again = TRUE;
  else
    dispatch (queue);
}

guint
nova_volume_op_queue_count (NovaVolumeOpQueue *queue, const char *key)
{
  guint n = 0;

  for (GList *l = queue->ops.head; l != NULL; l = l->next)
    {
      NovaVolumeOp *op = l->data;

      if (g_strv_contains ((const char *const *) op->exclusive, key)
          || g_strv_contains ((const char *const *) op->shared, key))
        n++;
    }
  return n;
}
