/* nova-volume: who already answers for an AoE shelf.slot on an interface:
 * a broadcast config query over an AF_PACKET socket, and the replies
 * counted for a short wait. aoetools' aoeping and aoecfg cannot do it on
 * every link: they drop replies shorter than Ethernet's 60 bytes (vblade
 * sends 32 and a veth does not pad), and this socket takes them. Needs
 * CAP_NET_RAW. Blocks for @wait_ms: call it from a worker thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The responders' MAC addresses ("02:00:..."), each once: an empty array
 * when nobody answered, NULL with @error when the query could not be
 * sent (no such interface, no permission). */
typedef GPtrArray *(*NovaAoeProbeFunc) (const char *ifname, guint16 shelf, guint8 slot, guint wait_ms,
                                        gpointer user_data, GError **error);

/* The real one (@user_data unused). */
GPtrArray *nova_aoe_probe (const char *ifname, guint16 shelf, guint8 slot, guint wait_ms,
                           gpointer user_data, GError **error);

G_END_DECLS
