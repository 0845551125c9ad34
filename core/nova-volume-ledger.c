/* nova-volume: the NovaVolumeLedger interface (see the header) */
#include "config.h"

#include "nova-volume-ledger.h"

G_DEFINE_INTERFACE (NovaVolumeLedger, nova_volume_ledger, G_TYPE_OBJECT)

static void
nova_volume_ledger_default_init (NovaVolumeLedgerInterface *iface)
{
}

gboolean
nova_volume_ledger_allocate_number (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                                    guint min, guint max, guint *out_number, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_LEDGER (self), FALSE);
  return NOVA_VOLUME_LEDGER_GET_IFACE (self)->allocate_number (self, kind, volume_id, min, max,
                                                               out_number, error);
}

gboolean
nova_volume_ledger_release_number (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                                   GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_LEDGER (self), FALSE);
  return NOVA_VOLUME_LEDGER_GET_IFACE (self)->release_number (self, kind, volume_id, error);
}

gboolean
nova_volume_ledger_lookup_number (NovaVolumeLedger *self, const char *kind, const char *volume_id,
                                  guint *out_number, gboolean *out_found, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_LEDGER (self), FALSE);
  return NOVA_VOLUME_LEDGER_GET_IFACE (self)->lookup_number (self, kind, volume_id, out_number,
                                                             out_found, error);
}

gboolean
nova_volume_ledger_provisioned (NovaVolumeLedger *self, const char *backend,
                                guint64 *out_bytes, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_LEDGER (self), FALSE);
  return NOVA_VOLUME_LEDGER_GET_IFACE (self)->provisioned (self, backend, out_bytes, error);
}
