/* nova-volume: the iSCSI target helper interface. */
#include "config.h"

#include "nova-volume-error.h"
#include "nova-volume-iscsi-target.h"

G_DEFINE_INTERFACE (NovaIscsiTarget, nova_iscsi_target, G_TYPE_OBJECT)

static void
nova_iscsi_target_default_init (NovaIscsiTargetInterface *iface)
{
}

guint
nova_iscsi_target_get_lun (NovaIscsiTarget *self)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), 0);
  return NOVA_ISCSI_TARGET_GET_IFACE (self)->get_lun (self);
}

gboolean
nova_iscsi_target_ensure_export (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), FALSE);
  return NOVA_ISCSI_TARGET_GET_IFACE (self)->ensure_export (self, export, error);
}

gboolean
nova_iscsi_target_remove_export (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), FALSE);
  return NOVA_ISCSI_TARGET_GET_IFACE (self)->remove_export (self, export, error);
}

gboolean
nova_iscsi_target_allow_initiator (NovaIscsiTarget *self, const NovaIscsiExport *export,
                                   const char *initiator, GError **error)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), FALSE);
  return NOVA_ISCSI_TARGET_GET_IFACE (self)->allow_initiator (self, export, initiator, error);
}

gboolean
nova_iscsi_target_set_read_only (NovaIscsiTarget *self, const NovaIscsiExport *export, const char *initiator,
                                 gboolean read_only, GError **error)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), FALSE);
  if (NOVA_ISCSI_TARGET_GET_IFACE (self)->set_read_only != NULL)
    return NOVA_ISCSI_TARGET_GET_IFACE (self)->set_read_only (self, export, initiator, read_only, error);
  if (!read_only)
    return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
               "this iSCSI target cannot let %s only read: its one LUN serves every initiator alike", initiator);
  return FALSE;
}

gboolean
nova_iscsi_target_deny_initiator (NovaIscsiTarget *self, const NovaIscsiExport *export,
                                  const char *initiator, GError **error)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), FALSE);
  return NOVA_ISCSI_TARGET_GET_IFACE (self)->deny_initiator (self, export, initiator, error);
}

gboolean
nova_iscsi_target_export_exists (NovaIscsiTarget *self, const NovaIscsiExport *export,
                                 gboolean *out_exists, GError **error)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), FALSE);
  return NOVA_ISCSI_TARGET_GET_IFACE (self)->export_exists (self, export, out_exists, error);
}

gboolean
nova_iscsi_target_refresh_size (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (self), FALSE);
  if (NOVA_ISCSI_TARGET_GET_IFACE (self)->refresh_size == NULL)
    return TRUE;
  return NOVA_ISCSI_TARGET_GET_IFACE (self)->refresh_size (self, export, error);
}
