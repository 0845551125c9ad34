/* nova-volume: what an iSCSI export leaves in a volume's record, in the
 * seed's (and Cinder's) formats, and the connection_info built from it.
 * Shared by every driver that exports over iSCSI (lvm-iscsi, fake).
 *
 *   provider_location  "<ip>:<port>,<tid> <iqn> <lun>"
 *   provider_auth      "CHAP <user> <secret>" (a secret: never logged)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the seed's CHAP credentials: a 16-character user, a 20-character secret */
#define NOVA_ISCSI_CHAP_USER_LEN   16
#define NOVA_ISCSI_CHAP_SECRET_LEN 20

char    *nova_iscsi_location_format (const char *ip, gint64 port, guint tid, const char *iqn, gint32 lun);
/* Any out argument may be NULL. FALSE for an empty or malformed location. */
gboolean nova_iscsi_location_parse  (const char *location, char **portal, guint *tid, char **iqn, gint32 *lun);

/* A new "CHAP <user> <secret>" from GLib's random source. */
char    *nova_iscsi_auth_generate   (void);
gboolean nova_iscsi_auth_parse      (const char *auth, char **method, char **user, char **secret);

/* {driver_volume_type: 'iscsi', data: {target_discovered, target_iqn,
 * target_portal, target_lun, volume_id, auth_method, auth_username,
 * auth_password}} as os-brick's iSCSI connector takes it; a full
 * reference. @provider_auth may be empty (no auth_* keys then). */
GVariant *nova_iscsi_connection_info (const char *portal, const char *iqn, gint32 lun, const char *volume_id,
                                      const char *provider_auth);

G_END_DECLS
