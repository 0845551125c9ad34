/* nova-volume: is there a session bus to talk to? */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when the session bus can be reached without starting one: its
 * address is in DBUS_SESSION_BUS_ADDRESS or its socket is
 * $XDG_RUNTIME_DIR/bus. GLib would otherwise "autolaunch" a bus through
 * dbus-launch, which outlives the caller and serves nobody else. FALSE
 * with a message that says what to do. */
gboolean nova_volume_session_bus_available (GError **error);

G_END_DECLS
