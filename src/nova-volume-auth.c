/* nova-volume: the one place that says yes or no to a method call. Until
 * polkit is wired in, the system-bus instance allows only root to change
 * state; the session-bus instance allows only its own user. */
#include "config.h"

#include "nova-volume-auth.h"
#include "nova-volume-error.h"

struct _NovaVolumeAuth {
  GObject  parent_instance;
  GBusType bus_type;
  uid_t    daemon_uid;
};

G_DEFINE_TYPE (NovaVolumeAuth, nova_volume_auth, G_TYPE_OBJECT)

/* Every method of the API; action NULL means reading only. */
static const struct {
  const char *interface_name;
  const char *method_name;
  const char *action;
} method_actions[] = {
  { "org.openstack.Volume1.Manager", "CreateVolume", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Manager", "GetVolumeStats", NULL },
  { "org.openstack.Volume1.Volume", "Delete", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "Extend", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "CreateSnapshot", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { "org.openstack.Volume1.Volume", "Attach", NOVA_VOLUME_ACTION_ATTACH },
  { "org.openstack.Volume1.Volume", "Detach", NOVA_VOLUME_ACTION_ATTACH },
  { "org.openstack.Volume1.Volume", "InitializeConnection", NOVA_VOLUME_ACTION_CONNECT },
  { "org.openstack.Volume1.Volume", "TerminateConnection", NOVA_VOLUME_ACTION_CONNECT },
  { "org.openstack.Volume1.Volume", "CheckForExport", NULL },
  { "org.openstack.Volume1.Snapshot", "Delete", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { "org.openstack.Volume1.Job", "Cancel", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
};

static void
nova_volume_auth_class_init (NovaVolumeAuthClass *klass)
{
}

static void
nova_volume_auth_init (NovaVolumeAuth *self)
{
}

NovaVolumeAuth *
nova_volume_auth_new (GBusType bus_type, uid_t daemon_uid)
{
  NovaVolumeAuth *self = g_object_new (NOVA_VOLUME_TYPE_AUTH, NULL);

  self->bus_type = bus_type;
  self->daemon_uid = daemon_uid;
  return self;
}

gboolean
nova_volume_auth_lookup_action (const char  *interface_name,
                                const char  *method_name,
                                const char **out_action)
{
  for (gsize i = 0; i < G_N_ELEMENTS (method_actions); i++)
    if (g_strcmp0 (interface_name, method_actions[i].interface_name) == 0
        && g_strcmp0 (method_name, method_actions[i].method_name) == 0)
      {
        *out_action = method_actions[i].action;
        return TRUE;
      }
  *out_action = NULL;
  return FALSE;
}

gboolean
nova_volume_auth_decide (NovaVolumeAuth *self,
                         uid_t           caller_uid,
                         const char     *interface_name,
                         const char     *method_name,
                         GError        **error)
{
  const char *action = NULL;

  if (!nova_volume_auth_lookup_action (interface_name, method_name, &action))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                   "%s.%s is not a method nova-volumed authorizes", interface_name, method_name);
      return FALSE;
    }
  if (action == NULL)
    return TRUE;

  if (self->bus_type == G_BUS_TYPE_SESSION)
    {
      if (caller_uid == self->daemon_uid)
        return TRUE;
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                   "not authorized to call %s: this per-user nova-volumed belongs to uid %u "
                   "and your uid is %u", method_name,
                   (guint) self->daemon_uid, (guint) caller_uid);
      return FALSE;
    }

  /* system bus: default deny until polkit decides */
  if (caller_uid == 0)
    return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
               "not authorized to call %s (%s): only root may change volumes on this host",
               method_name, action);
  return FALSE;
}

static gboolean
get_caller_uid (GDBusMethodInvocation *invocation, uid_t *out_uid, GError **error)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GVariant) reply = NULL;
  guint32 uid;

  if (sender == NULL)
    {
      /* a peer-to-peer connection: the peer is whoever authenticated */
      GCredentials *credentials = g_dbus_connection_get_peer_credentials (connection);
      uid_t peer_uid;

      if (credentials == NULL
          || (peer_uid = g_credentials_get_unix_user (credentials, error)) == (uid_t) -1)
        {
          g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                               "cannot tell who the caller is");
          return FALSE;
        }
      *out_uid = peer_uid;
      return TRUE;
    }

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixUser",
                                       g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    {
      g_prefix_error (error, "cannot tell who %s is: ", sender);
      return FALSE;
    }
  g_variant_get (reply, "(u)", &uid);
  *out_uid = uid;
  return TRUE;
}

gboolean
nova_volume_auth_authorize_method (GDBusInterfaceSkeleton *skeleton,
                                   GDBusMethodInvocation  *invocation,
                                   NovaVolumeAuth         *self)
{
  g_autoptr(GError) error = NULL;
  uid_t caller_uid;

  if (get_caller_uid (invocation, &caller_uid, &error)
      && nova_volume_auth_decide (self, caller_uid,
                                  g_dbus_method_invocation_get_interface_name (invocation),
                                  g_dbus_method_invocation_get_method_name (invocation),
                                  &error))
    {
      /* kept for the handler (a Job's StartedByUid); set before the
       * invocation moves to the main thread */
      g_object_set_data (G_OBJECT (invocation), "nova-volume-caller-uid", GUINT_TO_POINTER (caller_uid + 1));
      return TRUE;
    }

  nova_volume_error_convert (&error);
  if (!g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED))
    {
      g_autoptr(GError) denied = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                                              "%s", error->message);
      g_clear_error (&error);
      error = g_steal_pointer (&denied);
    }
  g_info ("refused %s.%s from %s: %s",
          g_dbus_method_invocation_get_interface_name (invocation),
          g_dbus_method_invocation_get_method_name (invocation),
          g_dbus_method_invocation_get_sender (invocation), error->message);
  /* GDBus hands the refused invocation over to us (with GLib 2.74 an
   * extra reference here leaks it, as LeakSanitizer showed): answering it
   * consumes it */
  g_dbus_method_invocation_return_gerror (invocation, error);
  return FALSE;
}

guint
nova_volume_auth_get_caller_uid (GDBusMethodInvocation *invocation)
{
  gpointer data = g_object_get_data (G_OBJECT (invocation), "nova-volume-caller-uid");

  return data != NULL ? GPOINTER_TO_UINT (data) - 1 : G_MAXUINT;
}
