/* nova-volume: what a driver may ask of the daemon's books, and nothing
 * more: export numbers (an iSCSI target id, an AoE blade) allocated in one
 * write transaction, and the bytes the volumes of a backend were given.
 * The daemon's store implements it; a driver never sees the store. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_LEDGER (nova_volume_ledger_get_type ())
G_DECLARE_INTERFACE (NovaVolumeLedger, nova_volume_ledger, NOVA_VOLUME, LEDGER, GObject)

struct _NovaVolumeLedgerInterface {
  GTypeInterface g_iface;

  gboolean (*allocate_number) (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                               guint min, guint max, guint *out_number, GError **error);
  gboolean (*release_number)  (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                               GError **error);
  gboolean (*lookup_number)   (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                               guint *out_number, gboolean *out_found, GError **error);
  gboolean (*provisioned)     (NovaVolumeLedger *self, const char *backend,
                               guint64 *out_bytes, GError **error);
};

/* Export numbers. Each @kind ("iscsi-target", "aoe-blade") is its own
 * number space; a volume holds at most one number of each kind, and a
 * number belongs to one volume.
 *
 * allocate gives @volume_id the number it already holds, else the lowest
 * free one in @min..@max, so two exports never get one number even when
 * they run at once or in two processes. NoSpace when every number is
 * taken. */
gboolean nova_volume_ledger_allocate_number (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                                             guint min, guint max, guint *out_number, GError **error);
/* Frees @volume_id's number of @kind; having none is not an error. */
gboolean nova_volume_ledger_release_number  (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                                             GError **error);
/* *out_found is FALSE when @volume_id holds no number of @kind. */
gboolean nova_volume_ledger_lookup_number   (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                                             guint *out_number, gboolean *out_found, GError **error);
/* What the volumes of @backend were given, in bytes: its provisioned
 * capacity for get_volume_stats. */
gboolean nova_volume_ledger_provisioned     (NovaVolumeLedger *self, const char *backend,
                                             guint64 *out_bytes, GError **error);

G_END_DECLS
