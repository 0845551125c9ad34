/* nova-volume: the store's writer, a thread of its own that makes writes
 * durable off the main loop, with group commit.
 *
 * A write is a function of the store (nova_volume_store_put_volume, ...)
 * handed over with its data. The writer takes every write waiting when it
 * gets to them and runs them in one transaction, each in a savepoint of
 * its own, so one fdatasync makes the whole batch durable: clients that
 * commit at once share the syncs. When a write or the COMMIT fails, the
 * batch is undone and each write runs again alone, so a failure is only
 * its own write's. Each write's callback runs in the main context given
 * with it, in the order handed over, and only once its commit has
 * returned: what it answers or signals is on disk.
 *
 * Crash-point builds pass "<label>:in-batch" after each write's work and
 * before the batch's COMMIT, so the crash suite kills between a batch's
 * work and its commit. */
#pragma once

#include <glib.h>

#include "nova-volume-store.h"

G_BEGIN_DECLS

typedef gboolean (*NovaVolumeStoreWrite) (NovaVolumeStore *store, gpointer data, GError **error);

typedef struct _NovaVolumeStoreWriter NovaVolumeStoreWriter;

NovaVolumeStoreWriter *nova_volume_store_writer_new (NovaVolumeStore *store);
/* Writes what was handed over, then stops the thread. The callbacks of
 * those writes still need their main context to run. */
void nova_volume_store_writer_free (NovaVolumeStoreWriter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaVolumeStoreWriter, nova_volume_store_writer_free)

/* What a write's caller hears: @error NULL when the write and its batch's
 * commit succeeded. */
typedef void (*NovaVolumeStoreWritten) (const GError *error, gpointer user_data);

/* Hands @write over (from any thread): it runs on the writer's thread
 * with @data (freed with @destroy after the commit), and @callback
 * follows in @context (NULL: the global default one); @label names the write in crash points
 * ("create-volume:commit-creating"). The callbacks of one batch run in
 * one turn of @context, in the order their writes were handed over. */
void nova_volume_store_writer_write (NovaVolumeStoreWriter *self, const char *label, NovaVolumeStoreWrite write,
                                     gpointer data, GDestroyNotify destroy, GMainContext *context,
                                     NovaVolumeStoreWritten callback, gpointer user_data);

/* The same with @callback on the writer's own thread, right after the
 * batch's commit and after the batch's other callbacks were handed to
 * their contexts: for a step that only hands work on (to a worker
 * thread) and so need not wake a main loop in between. It must be quick
 * and must not wait for the writer. */
void nova_volume_store_writer_write_then_here (NovaVolumeStoreWriter *self, const char *label,
                                               NovaVolumeStoreWrite write, gpointer data, GDestroyNotify destroy,
                                               NovaVolumeStoreWritten callback, gpointer user_data);

/* batches and writes so far, and the largest batch: what group commit
 * saved (for the debug log and the tests) */
void nova_volume_store_writer_get_counts (NovaVolumeStoreWriter *self, guint64 *n_batches, guint64 *n_writes,
                                          guint *largest_batch);

G_END_DECLS
