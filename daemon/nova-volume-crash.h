/* nova-volume: named crash points, for the crash tests. A build with
 * -Dcrash_points=true kills itself with SIGKILL at the point named by the
 * environment variable NOVA_VOLUME_CRASH_AT (its first pass there), and
 * appends every point it passes to the file NOVA_VOLUME_CRASH_TRACE, so a
 * test can list the points a workload reaches. NOVA_VOLUME_HANG_AT names a
 * point where the thread blocks for good instead, as a driver call stuck
 * in the kernel would (shutdown's deadline is tested so). Other builds compile every
 * point away. */
#pragma once

#include <glib.h>

#include "config.h"

G_BEGIN_DECLS

/* The same builds can make one store commit fail as a full disk would:
 * nova_volume_fail_point (name) is TRUE at the point named by
 * NOVA_VOLUME_FAIL_AT (NAME, or NAME#N for its N-th pass only), so a test
 * sees what a commit that fails without a crash leaves behind. */
#if NOVA_VOLUME_CRASH_POINTS
void     nova_volume_crash_point (const char *name);
gboolean nova_volume_fail_point  (const char *name);
#else
static inline void
nova_volume_crash_point (const char *name)
{
  (void) name;
}
static inline gboolean
nova_volume_fail_point (const char *name)
{
  (void) name;
  return FALSE;
}
#endif

G_END_DECLS
