/* nova-volume: the AoE duplicate probe over an AF_PACKET socket */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-aoe-frame.h"
#include "nova-volume-aoe-probe.h"
#include "nova-volume-error.h"

static gboolean
probe_fail (const char *ifname, const char *what, GError **error)
{
  int saved = errno;

  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
               "cannot ask who answers for AoE addresses on interface %s (aoe_eth_dev): %s: %s", ifname, what,
               g_strerror (saved));
  return FALSE;
}

/* the socket, bound to @ifname for AoE frames, and the interface's MAC */
static int
open_socket (const char *ifname, guint8 mac[6], GError **error)
{
  struct sockaddr_ll addr = { 0 };
  struct ifreq req = { 0 };
  int fd;

  if (strlen (ifname) >= sizeof req.ifr_name)
    {
      errno = ENAMETOOLONG;
      probe_fail (ifname, "interface name", error);
      return -1;
    }
  fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (NOVA_AOE_ETHERTYPE));
  if (fd < 0)
    {
      probe_fail (ifname, "AF_PACKET socket (needs CAP_NET_RAW)", error);
      return -1;
    }
  strcpy (req.ifr_name, ifname);
  if (ioctl (fd, SIOCGIFINDEX, &req) < 0)
    {
      probe_fail (ifname, "no such interface", error);
      close (fd);
      return -1;
    }
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons (NOVA_AOE_ETHERTYPE);
  addr.sll_ifindex = req.ifr_ifindex;
  if (ioctl (fd, SIOCGIFHWADDR, &req) < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      probe_fail (ifname, "binding to it", error);
      close (fd);
      return -1;
    }
  memcpy (mac, req.ifr_hwaddr.sa_data, 6);
  return fd;
}

GPtrArray *
nova_aoe_probe (const char *ifname, guint16 shelf, guint8 slot, guint wait_ms, gpointer user_data,
                GError **error)
{
  g_autoptr(GPtrArray) responders = g_ptr_array_new_with_free_func (g_free);
  guint8 query[NOVA_AOE_QUERY_FRAME_LEN];
  guint8 mac[6];
  guint32 tag = g_random_int ();
  gint64 deadline;
  int fd = open_socket (ifname, mac, error);

  if (fd < 0)
    return NULL;
  nova_aoe_frame_build_query (query, mac, shelf, slot, tag);
  if (send (fd, query, sizeof query, 0) != (ssize_t) sizeof query)
    {
      probe_fail (ifname, "sending the config query", error);
      close (fd);
      return NULL;
    }

  deadline = g_get_monotonic_time () + (gint64) wait_ms * 1000;
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      guint8 frame[2048];
      guint8 from[6];
      ssize_t n;

      if (left <= 0)
        break;
      if (poll (&pfd, 1, (int) ((left + 999) / 1000)) <= 0)
        continue;  /* EINTR or the wait is over: the loop decides */
      n = recv (fd, frame, sizeof frame, MSG_DONTWAIT);
      if (n > 0 && nova_aoe_frame_parse_config_reply (frame, (gsize) n, shelf, slot, tag, from))
        {
          g_autofree char *text = nova_aoe_format_mac (from);

          if (!g_ptr_array_find_with_equal_func (responders, text, g_str_equal, NULL))
            g_ptr_array_add (responders, g_steal_pointer (&text));
        }
    }
  close (fd);
  return g_steal_pointer (&responders);
}
