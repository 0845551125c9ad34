/* nova-volume: the session bus check shared by nova-volumed --session and
 * nova-volumectl --session. */
#include "config.h"

#include <gio/gio.h>

#include "nova-volume-session-bus.h"

gboolean
nova_volume_session_bus_available (GError **error)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *socket = NULL;

  if (address != NULL && *address != '\0')
    return TRUE;
  if (runtime_dir != NULL && *runtime_dir != '\0')
    {
      socket = g_build_filename (runtime_dir, "bus", NULL);
      if (g_file_test (socket, G_FILE_TEST_EXISTS))
        return TRUE;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                       "there is no session bus here (DBUS_SESSION_BUS_ADDRESS is unset and there is "
                       "no $XDG_RUNTIME_DIR/bus); tools/run-service.sh starts one and prints the "
                       "address to export");
  return FALSE;
}
