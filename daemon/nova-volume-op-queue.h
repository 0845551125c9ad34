/* nova-volume: runs operations one at a time per object, in arrival order,
 * and operations on different objects at once. An operation holds each of
 * its keys exclusively (it changes the object) or shared (it only reads
 * it: the source of a clone): shared holders run together, an exclusive
 * one alone. Main thread only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NovaVolumeOpQueue NovaVolumeOpQueue;
typedef struct _NovaVolumeOp NovaVolumeOp;

/* Called on the main thread when every key of @op is free. The operation
 * then holds its keys until nova_volume_op_queue_finish (@op). */
typedef void (*NovaVolumeOpStartFunc) (NovaVolumeOp *op, gpointer user_data);

NovaVolumeOpQueue *nova_volume_op_queue_new  (void);
void               nova_volume_op_queue_free (NovaVolumeOpQueue *queue);

/* Queues an operation on @exclusive_keys and @shared_keys (object ids;
 * either list may be NULL). It starts as soon as no earlier operation,
 * running or waiting, conflicts with it (shares a key that either holds
 * exclusively): possibly before this function returns. */
NovaVolumeOp *nova_volume_op_queue_submit (NovaVolumeOpQueue     *queue,
                                           const char *const     *exclusive_keys,
                                           const char *const     *shared_keys,
                                           NovaVolumeOpStartFunc  start,
                                           gpointer               user_data);

/* Releases @op's keys and starts whatever waited for them. */
void nova_volume_op_queue_finish (NovaVolumeOpQueue *queue, NovaVolumeOp *op);

/* Operations running or waiting on @key. */
guint nova_volume_op_queue_count (NovaVolumeOpQueue *queue, const char *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaVolumeOpQueue, nova_volume_op_queue_free)

G_END_DECLS
