/* nova-volume: named crash points, for the crash tests. A build with
 * -Dcrash_points=true kills itself with SIGKILL at the point named by the
 * environment variable NOVA_VOLUME_CRASH_AT (its first pass there), and
 * appends every point it passes to the file NOVA_VOLUME_CRASH_TRACE, so a
 * test can list the points a workload reaches. Other builds compile every
 * point away. */
#pragma once

#include <glib.h>

#include "config.h"

G_BEGIN_DECLS

#if NOVA_VOLUME_CRASH_POINTS
void nova_volume_crash_point (const char *name);
#else
static inline void
nova_volume_crash_point (const char *name)
{
  (void) name;
}
#endif

G_END_DECLS
