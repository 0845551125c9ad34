/* nova-volume: AoE config query and reply frames (AoE protocol r11,
 * sections 2 and 3.2): all fields big-endian. */
#include "config.h"

#include <string.h>

#include "nova-volume-aoe-frame.h"

/* offsets in the frame */
enum {
  OFF_DST       = 0,
  OFF_SRC       = 6,
  OFF_TYPE      = 12,
  OFF_VER_FLAGS = 14,  /* version in the high nibble, flags low */
  OFF_ERROR     = 15,
  OFF_SHELF     = 16,  /* "major" */
  OFF_SLOT      = 18,  /* "minor" */
  OFF_COMMAND   = 19,
  OFF_TAG       = 20,
  OFF_CONFIG    = 24,  /* buffer count 2, firmware 2, sectors 1, ver/ccmd 1, string length 2 */
};

#define AOE_VERSION      1
#define AOE_FLAG_REPLY   0x08
#define AOE_CMD_CONFIG   1

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static guint16
get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, (guint16) (v >> 16));
  put16 (p + 2, (guint16) v);
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) get16 (p) << 16) | get16 (p + 2);
}

void
nova_aoe_frame_build_query (guint8 frame[NOVA_AOE_QUERY_FRAME_LEN], const guint8 src_mac[6], guint16 shelf,
                            guint8 slot, guint32 tag)
{
  memset (frame, 0, NOVA_AOE_QUERY_FRAME_LEN);
  memset (frame + OFF_DST, 0xff, 6);
  memcpy (frame + OFF_SRC, src_mac, 6);
  put16 (frame + OFF_TYPE, NOVA_AOE_ETHERTYPE);
  frame[OFF_VER_FLAGS] = AOE_VERSION << 4;
  put16 (frame + OFF_SHELF, shelf);
  frame[OFF_SLOT] = slot;
  frame[OFF_COMMAND] = AOE_CMD_CONFIG;
  put32 (frame + OFF_TAG, tag);
  /* config header all zero: ccmd 0 reads the config string, length 0 */
}

gboolean
nova_aoe_frame_parse_config_reply (const guint8 *frame, gsize len, guint16 shelf, guint8 slot, guint32 tag,
                                   guint8 out_src_mac[6])
{
  if (len < NOVA_AOE_CONFIG_FRAME_LEN
      || get16 (frame + OFF_TYPE) != NOVA_AOE_ETHERTYPE
      || (frame[OFF_VER_FLAGS] >> 4) != AOE_VERSION
      || (frame[OFF_VER_FLAGS] & AOE_FLAG_REPLY) == 0
      || frame[OFF_COMMAND] != AOE_CMD_CONFIG
      || get16 (frame + OFF_SHELF) != shelf
      || frame[OFF_SLOT] != slot
      || get32 (frame + OFF_TAG) != tag)
    return FALSE;
  if (out_src_mac != NULL)
    memcpy (out_src_mac, frame + OFF_SRC, 6);
  return TRUE;
}

char *
nova_aoe_format_mac (const guint8 mac[6])
{
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
