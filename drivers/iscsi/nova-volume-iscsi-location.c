/* nova-volume: provider_location, provider_auth and connection_info of an
 * iSCSI export. */
#include "config.h"

#include <string.h>

#include "nova-volume-driver.h"
#include "nova-volume-iscsi-location.h"
#include "nova-volume-secret.h"

char *
nova_iscsi_location_format (const char *ip, gint64 port, guint tid, const char *iqn, gint32 lun)
{
  return g_strdup_printf ("%s:%" G_GINT64_FORMAT ",%u %s %d", ip, port, tid, iqn, lun);
}

gboolean
nova_iscsi_location_parse (const char *location, char **portal, guint *tid, char **iqn, gint32 *lun)
{
  g_auto(GStrv) words = NULL;
  const char *comma;
  guint64 tid_value, lun_value;

  if (location == NULL || *location == '\0')
    return FALSE;
  words = g_strsplit (location, " ", -1);
  if (g_strv_length (words) != 3)
    return FALSE;
  comma = strrchr (words[0], ',');
  if (comma == NULL || !g_ascii_string_to_unsigned (comma + 1, 10, 1, G_MAXUINT, &tid_value, NULL)
      || !g_ascii_string_to_unsigned (words[2], 10, 0, G_MAXINT32, &lun_value, NULL))
    return FALSE;
  if (tid != NULL)
    *tid = (guint) tid_value;
  if (portal != NULL)
    *portal = g_strndup (words[0], (gsize) (comma - words[0]));
  if (iqn != NULL)
    *iqn = g_strdup (words[1]);
  if (lun != NULL)
    *lun = (gint32) lun_value;
  return TRUE;
}

char *
nova_iscsi_auth_generate (void)
{
  g_autofree char *user = nova_volume_secret_generate (NOVA_ISCSI_CHAP_USER_LEN);
  g_autofree char *secret = nova_volume_secret_generate (NOVA_ISCSI_CHAP_SECRET_LEN);

  return g_strdup_printf ("CHAP %s %s", user, secret);
}

gboolean
nova_iscsi_auth_parse (const char *auth, char **method, char **user, char **secret)
{
  g_auto(GStrv) words = NULL;

  if (auth == NULL || *auth == '\0')
    return FALSE;
  words = g_strsplit (auth, " ", -1);
  if (g_strv_length (words) != 3)
    return FALSE;
  if (method != NULL)
    *method = g_strdup (words[0]);
  if (user != NULL)
    *user = g_strdup (words[1]);
  if (secret != NULL)
    *secret = g_strdup (words[2]);
  return TRUE;
}

GVariant *
nova_iscsi_connection_info (const char *portal, const char *iqn, gint32 lun, const char *volume_id,
                            const char *provider_auth)
{
  g_autofree char *method = NULL;
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  GVariantBuilder data;

  g_variant_builder_init (&data, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&data, "{sv}", "target_discovered", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&data, "{sv}", "target_iqn", g_variant_new_string (iqn));
  g_variant_builder_add (&data, "{sv}", "target_portal", g_variant_new_string (portal));
  g_variant_builder_add (&data, "{sv}", "target_lun", g_variant_new_int32 (lun));
  g_variant_builder_add (&data, "{sv}", "volume_id", g_variant_new_string (volume_id));
  if (nova_iscsi_auth_parse (provider_auth, &method, &user, &secret))
    {
      g_variant_builder_add (&data, "{sv}", "auth_method", g_variant_new_string (method));
      g_variant_builder_add (&data, "{sv}", "auth_username", g_variant_new_string (user));
      g_variant_builder_add (&data, "{sv}", "auth_password", g_variant_new_string (secret));
    }
  return nova_volume_connection_info_new ("iscsi", g_variant_builder_end (&data));
}
