/* nova-volume: giving memory back after large replies. A GetManagedObjects
 * of many objects builds a reply of megabytes out of small blocks, and
 * neither GLib's slice allocator (before 2.76) nor glibc's arenas give
 * them back to the system once the reply is freed, so the daemon's
 * resident size stayed at its peak (183 MiB after listing 10,000 volumes
 * that take 61). Plain malloc for slices, and a malloc_trim once a burst
 * of listings is over (2 s after the latest; it walks the arenas: not per
 * call), bring it back down. */
#include "config.h"

#include <malloc.h>
#include <unistd.h>

#include "nova-volume-memory.h"

/* after the latest listing of a burst, before the trim */
#define TRIM_DELAY_US (2 * G_USEC_PER_SEC)

/* glibc's defaults (128 KiB each), fixed: left to glibc, freeing a
 * listing's 8 MiB reply raised the first to 8 MiB and the second to
 * twice that, and a thread's arena then kept up to 32 MiB of free top
 * that malloc_trim does not give back outside the main arena */
#define MMAP_THRESHOLD_BYTES (128 * 1024)
#define TRIM_THRESHOLD_BYTES (128 * 1024)

void
nova_volume_memory_use_malloc (char **argv)
{
  if (glib_check_version (2, 76, 0) == NULL || g_getenv ("G_SLICE") != NULL)
    return;
  if (!g_setenv ("G_SLICE", "always-malloc", TRUE))
    return;
  execv ("/proc/self/exe", argv);
  /* no /proc: go on with the slice allocator */
  g_unsetenv ("G_SLICE");
}

void
nova_volume_memory_fix_thresholds (void)
{
  mallopt (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
  mallopt (M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
  /* two arenas, the main thread's and the others': a listing's blocks,
   * made on threads of their own, went to an arena each, and the trim
   * got back less from each (one arena: the same memory back, and 8
   * clients' handlers waiting on its lock) */
  mallopt (M_ARENA_MAX, 2);
}

static GMutex trim_lock;
static gboolean trim_pending;   /* a trim is scheduled */
static gint64 last_listing;     /* when the latest listing came (monotonic) */

static gboolean trim_memory (gpointer user_data);

/* on the main loop's context, whichever thread this is */
static void
schedule_trim (gint64 delay_us)
{
  GSource *source = g_timeout_source_new ((guint) (delay_us / 1000) + 1);

  g_source_set_callback (source, trim_memory, NULL, NULL);
  g_source_set_static_name (source, "nova-volume trim after listings");
  g_source_attach (source, NULL);
  g_source_unref (source);
}

static gboolean
trim_memory (gpointer user_data)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&trim_lock);
  gint64 since = g_get_monotonic_time () - last_listing;

  /* a listing came since this was scheduled: its reply may not be freed
   * yet, so wait for the burst to be over */
  if (since < TRIM_DELAY_US)
    {
      schedule_trim (TRIM_DELAY_US - since);
      return G_SOURCE_REMOVE;
    }
  trim_pending = FALSE;
  g_clear_pointer (&locker, g_mutex_locker_free);
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

/* on GDBus's worker thread, for every message */
static GDBusMessage *
watch_message (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL
      && g_strcmp0 (g_dbus_message_get_member (message), "GetManagedObjects") == 0)
    {
      g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&trim_lock);

      last_listing = g_get_monotonic_time ();
      if (!trim_pending)
        {
          trim_pending = TRUE;
          schedule_trim (TRIM_DELAY_US);
        }
    }
  return message;
}

guint
nova_volume_memory_watch_listings (GDBusConnection *connection)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), 0);
  return g_dbus_connection_add_filter (connection, watch_message, NULL, NULL);
}
