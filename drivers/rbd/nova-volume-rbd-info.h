/* nova-volume: what the rbd driver tells hypervisors, without a cluster:
 * the monitors read from a monmap and the connection_info built from
 * them, so both can be tested on their own. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The monitors of `ceph mon dump --format=json`: one host and one port
 * (strings, as Cinder gives them) per monitor, its msgr1 address when it
 * has one (a bare host:port is msgr1 to librados unless the port is
 * 3300), else its msgr2 one; IPv6 hosts without their brackets. */
gboolean nova_rbd_parse_mon_dump (const char  *json,
                                  GPtrArray  **hosts,
                                  GPtrArray  **ports,
                                  GError     **error);

/* The usage of @pool from `ceph df --format=json`: *@free is what it can
 * still take (max_avail: its OSDs' free space over its replication),
 * *@total that plus what it stores (Cinder's dynamic total). *@known is
 * FALSE when the cluster reports no usage at all, as without a ceph-mgr
 * (then total_bytes is 0 and no pool is listed). */
gboolean nova_rbd_parse_df (const char  *json,
                            const char  *pool,
                            gboolean    *known,
                            guint64     *total,
                            guint64     *free_bytes,
                            GError     **error);

/* {driver_volume_type: rbd, data: {name: POOL/IMAGE, hosts, ports,
 * auth_enabled, auth_username, secret_type: ceph, secret_uuid,
 * cluster_name}}, the shape Nova's libvirt network volume driver takes.
 * auth_enabled is whether @user is set (Cinder's rule). A full reference. */
GVariant *nova_rbd_connection_info_new (const char        *pool,
                                        const char        *image,
                                        const char *const *hosts,
                                        const char *const *ports,
                                        const char        *user,
                                        const char        *secret_uuid,
                                        const char        *cluster_name);

G_END_DECLS
