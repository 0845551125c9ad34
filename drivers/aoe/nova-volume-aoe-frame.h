/* nova-volume: the AoE frames of the duplicate probe, as bytes. Only the
 * config query (AoE command 1, "read config") and its reply are needed:
 * who answers for a shelf.slot. Pure functions, tested on bytes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NOVA_AOE_ETHERTYPE       0x88a2
#define NOVA_AOE_BROADCAST_SHELF 0xffff  /* shelves are 0..65534 */
#define NOVA_AOE_BROADCAST_SLOT  0xff    /* slots are 0..254 */
#define NOVA_AOE_MAX_SHELF       (NOVA_AOE_BROADCAST_SHELF - 1)
#define NOVA_AOE_MAX_SLOT        (NOVA_AOE_BROADCAST_SLOT - 1)

/* Ethernet header (14) + AoE header (10) + config header (8); what vblade
 * answers with, unpadded. */
#define NOVA_AOE_CONFIG_FRAME_LEN 32
/* what we send: padded to Ethernet's minimum frame (without FCS) */
#define NOVA_AOE_QUERY_FRAME_LEN  60

/* A broadcast config query for @shelf.@slot from @src_mac, tagged @tag,
 * written to @frame. */
void     nova_aoe_frame_build_query        (guint8 frame[NOVA_AOE_QUERY_FRAME_LEN], const guint8 src_mac[6],
                                            guint16 shelf, guint8 slot, guint32 tag);

/* TRUE when @frame (@len bytes, Ethernet header first) is a target's
 * reply to the config query @tag for @shelf.@slot; then @out_src_mac (may
 * be NULL) is the responder's address. Short (unpadded) frames are fine;
 * anything else, or shorter than NOVA_AOE_CONFIG_FRAME_LEN, is not. */
gboolean nova_aoe_frame_parse_config_reply (const guint8 *frame, gsize len, guint16 shelf, guint8 slot,
                                            guint32 tag, guint8 out_src_mac[6]);

/* "02:00:00:00:00:01" */
char    *nova_aoe_format_mac               (const guint8 mac[6]);

G_END_DECLS
