/* nova-volume: the one place that says yes or no to a method call. On the
 * system bus polkit decides (root always may, as polkitd itself answers
 * for uid 0, so a host without polkitd still has its administrator); the
 * session-bus instance allows only its own user. */
#include "config.h"

#include <polkit/polkit.h>

#include "nova-volume-auth.h"
#include "nova-dbus-generated.h"
#include "nova-volume-error.h"

/* The uids of the callers met on a bus, by unique name. A name's uid
 * cannot change while it is connected and the bus never gives the name
 * out again, so each is asked for once (a blocking round trip to the bus
 * on every call before) and forgotten when its name goes (calls a new
 * client makes at once may each ask before the first answer is kept). Shared with the
 * NameOwnerChanged subscription, which may outlive the auth object. */
typedef struct {
  GMutex      lock;
  GHashTable *uids;        /* unique name -> GUINT_TO_POINTER (uid + 1) */
  guint64     n_lookups;   /* asked the bus */
} KnownCallers;

/* more than this and the table starts again: a name that went before its
 * entry was made would otherwise stay */
#define KNOWN_CALLERS_MAX 4096

struct _NovaVolumeAuth {
  GObject          parent_instance;
  GBusType         bus_type;
  uid_t            daemon_uid;
  GMutex           lock;
  PolkitAuthority *authority;  /* got on first use, under @lock */
  KnownCallers    *known;
  GDBusConnection *watched;    /* its NameOwnerChanged, from the first lookup on, under @lock */
  guint            watch_id;
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
  { "org.openstack.Volume1.Manager", "ManageExisting", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Manager", "ImportBackups", NOVA_VOLUME_ACTION_BACKUP },
  { "org.openstack.Volume1.Volume", "Delete", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "Unmanage", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "Extend", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "Update", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "Migrate", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "RevertToSnapshot", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { "org.openstack.Volume1.Volume", "CreateSnapshot", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { "org.openstack.Volume1.Volume", "Attach", NOVA_VOLUME_ACTION_ATTACH },
  { "org.openstack.Volume1.Volume", "Detach", NOVA_VOLUME_ACTION_ATTACH },
  { "org.openstack.Volume1.Volume", "InitializeConnection", NOVA_VOLUME_ACTION_CONNECT },
  { "org.openstack.Volume1.Volume", "TerminateConnection", NOVA_VOLUME_ACTION_CONNECT },
  { "org.openstack.Volume1.Volume", "CheckForExport", NULL },
  { "org.openstack.Volume1.Volume", "CopyToImage", NOVA_VOLUME_ACTION_COPY_DATA },
  { "org.openstack.Volume1.Volume", "Backup", NOVA_VOLUME_ACTION_BACKUP },
  { "org.openstack.Volume1.Snapshot", "Delete", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { "org.openstack.Volume1.Snapshot", "Update", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { "org.openstack.Volume1.Snapshot", "CopyToImage", NOVA_VOLUME_ACTION_COPY_DATA },
  { "org.openstack.Volume1.Snapshot", "Backup", NOVA_VOLUME_ACTION_BACKUP },
  { "org.openstack.Volume1.Backup", "Restore", NOVA_VOLUME_ACTION_BACKUP },
  { "org.openstack.Volume1.Backup", "Delete", NOVA_VOLUME_ACTION_BACKUP },
  { "org.openstack.Volume1.Backup", "Verify", NOVA_VOLUME_ACTION_BACKUP },
  { "org.openstack.Volume1.Job", "Cancel", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
};

/* Options that make a call need a second action besides its method's:
 * filling a volume from an image reads all of it in */
static const struct {
  const char *interface_name;
  const char *method_name;
  const char *option;
  const char *action;
} option_actions[] = {
  { "org.openstack.Volume1.Manager", "CreateVolume", "image-fd", NOVA_VOLUME_ACTION_COPY_DATA },
  { "org.openstack.Volume1.Manager", "CreateVolume", "backup", NOVA_VOLUME_ACTION_BACKUP },
};

/* What each action lets a caller do, for refusals a person can act on. */
static const char *
action_purpose (const char *action)
{
  if (g_strcmp0 (action, NOVA_VOLUME_ACTION_MANAGE_VOLUMES) == 0)
    return "create, change, delete, manage or unmanage volumes";
  if (g_strcmp0 (action, NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS) == 0)
    return "create or delete snapshots";
  if (g_strcmp0 (action, NOVA_VOLUME_ACTION_ATTACH) == 0)
    return "attach or detach volumes";
  if (g_strcmp0 (action, NOVA_VOLUME_ACTION_CONNECT) == 0)
    return "connect hosts to volumes";
  if (g_strcmp0 (action, NOVA_VOLUME_ACTION_COPY_DATA) == 0)
    return "copy disk images into volumes or volumes out into images";
  if (g_strcmp0 (action, NOVA_VOLUME_ACTION_BACKUP) == 0)
    return "back up volumes or restore them from backups";
  return "change volumes";
}

static void
known_callers_clear (gpointer data)
{
  KnownCallers *known = data;

  g_hash_table_unref (known->uids);
  g_mutex_clear (&known->lock);
}

static void
known_callers_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, known_callers_clear);
}

static void
nova_volume_auth_finalize (GObject *object)
{
  NovaVolumeAuth *self = NOVA_VOLUME_AUTH (object);

  if (self->watched != NULL)
    g_dbus_connection_signal_unsubscribe (self->watched, self->watch_id);
  g_clear_object (&self->watched);
  known_callers_release (self->known);
  g_clear_object (&self->authority);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (nova_volume_auth_parent_class)->finalize (object);
}

static void
nova_volume_auth_class_init (NovaVolumeAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_auth_finalize;
}

static void
nova_volume_auth_init (NovaVolumeAuth *self)
{
  g_mutex_init (&self->lock);
  self->known = g_atomic_rc_box_new0 (KnownCallers);
  g_mutex_init (&self->known->lock);
  self->known->uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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

const char *
nova_volume_auth_lookup_option_action (const char *interface_name,
                                       const char *method_name,
                                       GVariant   *parameters)
{
  for (gsize i = 0; i < G_N_ELEMENTS (option_actions); i++)
    {
      if (g_strcmp0 (interface_name, option_actions[i].interface_name) != 0
          || g_strcmp0 (method_name, option_actions[i].method_name) != 0)
        continue;
      for (gsize j = 0; parameters != NULL && j < g_variant_n_children (parameters); j++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (parameters, j);
          g_autoptr(GVariant) value = NULL;

          if (g_variant_is_of_type (child, G_VARIANT_TYPE_VARDICT)
              && (value = g_variant_lookup_value (child, option_actions[i].option, NULL)) != NULL)
            return option_actions[i].action;
        }
    }
  return NULL;
}

NovaVolumeAuthVerdict
nova_volume_auth_decide (NovaVolumeAuth *self,
                         uid_t           caller_uid,
                         const char     *interface_name,
                         const char     *method_name,
                         guint           job_starter_uid,
                         const char    **out_action,
                         GError        **error)
{
  const char *action = NULL;

  *out_action = NULL;
  if (!nova_volume_auth_lookup_action (interface_name, method_name, &action))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                   "%s.%s is not a method nova-volumed authorizes", interface_name, method_name);
      return NOVA_VOLUME_AUTH_DENY;
    }
  if (action == NULL)
    return NOVA_VOLUME_AUTH_ALLOW;

  if (self->bus_type == G_BUS_TYPE_SESSION)
    {
      if (caller_uid == self->daemon_uid)
        return NOVA_VOLUME_AUTH_ALLOW;
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                   "not authorized to call %s: this per-user nova-volumed belongs to uid %u "
                   "and your uid is %u", method_name,
                   (guint) self->daemon_uid, (guint) caller_uid);
      return NOVA_VOLUME_AUTH_DENY;
    }

  if (caller_uid == 0)
    return NOVA_VOLUME_AUTH_ALLOW;
  /* as udisks lets a user cancel the jobs they started */
  if (job_starter_uid != G_MAXUINT && job_starter_uid == (guint) caller_uid)
    return NOVA_VOLUME_AUTH_ALLOW;
  *out_action = action;
  return NOVA_VOLUME_AUTH_ASK_POLKIT;
}

gboolean
nova_volume_auth_allows_interaction (GDBusMessageFlags flags, GVariant *parameters)
{
  if ((flags & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) == 0)
    return FALSE;
  for (gsize i = 0; parameters != NULL && i < g_variant_n_children (parameters); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (parameters, i);
      gboolean no_interaction = FALSE;

      if (g_variant_is_of_type (child, G_VARIANT_TYPE_VARDICT)
          && g_variant_lookup (child, "auth.no_user_interaction", "b", &no_interaction)
          && no_interaction)
        return FALSE;
    }
  return TRUE;
}

static PolkitAuthority *
get_authority (NovaVolumeAuth *self, GError **error)
{
  PolkitAuthority *authority;

  g_mutex_lock (&self->lock);
  if (self->authority == NULL)
    self->authority = polkit_authority_get_sync (NULL, error);
  authority = self->authority != NULL ? g_object_ref (self->authority) : NULL;
  g_mutex_unlock (&self->lock);
  return authority;
}

/* Asks polkit about @sender (its unique bus name). Blocks: this runs on
 * GDBus's worker thread, and an interactive check waits for the person. */
static gboolean
check_polkit (NovaVolumeAuth        *self,
              GDBusMethodInvocation *invocation,
              const char            *action,
              uid_t                  caller_uid,
              GError               **error)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  g_autoptr(PolkitAuthority) authority = NULL;
  g_autoptr(PolkitSubject) subject = NULL;
  g_autoptr(PolkitDetails) details = NULL;
  g_autoptr(PolkitAuthorizationResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
  gboolean interactive;

  if (sender == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                   "not authorized to call %s: a peer-to-peer caller other than root cannot be "
                   "checked with polkit", method);
      return FALSE;
    }
  authority = get_authority (self, &local_error);
  if (authority == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                   "not authorized to call %s: cannot reach polkit to check %s (%s); "
                   "is polkitd installed and running?", method, action, local_error->message);
      return FALSE;
    }

  interactive = nova_volume_auth_allows_interaction (
    g_dbus_message_get_flags (g_dbus_method_invocation_get_message (invocation)),
    g_dbus_method_invocation_get_parameters (invocation));
  if (interactive)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  subject = polkit_system_bus_name_new (sender);
  /* rules can look at these (action.lookup ("nova_volume.method")) */
  details = polkit_details_new ();
  polkit_details_insert (details, "nova_volume.method", method);
  polkit_details_insert (details, "nova_volume.object_path",
                         g_dbus_method_invocation_get_object_path (invocation));

  result = polkit_authority_check_authorization_sync (authority, subject, action, details, flags,
                                                      NULL, &local_error);
  if (result == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                   "not authorized to call %s: polkit could not check %s (%s); "
                   "is polkitd running?", method, action, local_error->message);
      return FALSE;
    }
  if (polkit_authorization_result_get_is_authorized (result))
    return TRUE;
  if (polkit_authorization_result_get_is_challenge (result) && interactive)
    /* polkit was allowed to ask, but no authentication agent answered */
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN,
                 "authentication is required to %s (%s), and no polkit authentication agent "
                 "answered for this session: run nova-volumectl from a terminal (it starts one), "
                 "or ask an administrator for a polkit rule", action_purpose (action), action);
  else if (polkit_authorization_result_get_is_challenge (result))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN,
                 "authentication is required to %s (%s): call again allowing interactive "
                 "authorization (nova-volumectl from a terminal does), or ask an administrator "
                 "for a polkit rule", action_purpose (action), action);
  else
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                 "uid %u is not authorized to %s: polkit denied %s; an administrator can grant "
                 "it with a polkit rule", (guint) caller_uid, action_purpose (action), action);
  return FALSE;
}

static void
on_name_owner_changed (GDBusConnection *connection, const char *sender_name, const char *object_path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  KnownCallers *known = user_data;
  const char *name, *old_owner, *new_owner;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (*new_owner != '\0')
    return;
  g_mutex_lock (&known->lock);
  g_hash_table_remove (known->uids, name);
  g_mutex_unlock (&known->lock);
}

static void
remember_caller (NovaVolumeAuth *self, GDBusConnection *connection, const char *sender, uid_t uid)
{
  gboolean watched;

  g_mutex_lock (&self->lock);
  if (self->watched == NULL)
    {
      self->watched = g_object_ref (connection);
      self->watch_id = g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                                           "NameOwnerChanged", "/org/freedesktop/DBus", NULL,
                                                           G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed,
                                                           g_atomic_rc_box_acquire (self->known),
                                                           known_callers_release);
    }
  /* only the bus the daemon serves is watched */
  watched = self->watched == connection;
  g_mutex_unlock (&self->lock);
  if (!watched)
    return;
  g_mutex_lock (&self->known->lock);
  if (g_hash_table_size (self->known->uids) >= KNOWN_CALLERS_MAX)
    g_hash_table_remove_all (self->known->uids);
  g_hash_table_insert (self->known->uids, g_strdup (sender), GUINT_TO_POINTER ((guint) uid + 1));
  g_mutex_unlock (&self->known->lock);
}

static gboolean
get_caller_uid (NovaVolumeAuth *self, GDBusMethodInvocation *invocation, uid_t *out_uid, GError **error)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GVariant) reply = NULL;
  gpointer known_uid = NULL;
  gboolean watched;
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

  g_mutex_lock (&self->lock);
  watched = self->watched == connection;
  g_mutex_unlock (&self->lock);
  g_mutex_lock (&self->known->lock);
  if (watched)
    known_uid = g_hash_table_lookup (self->known->uids, sender);
  if (known_uid == NULL)
    self->known->n_lookups++;
  g_mutex_unlock (&self->known->lock);
  if (known_uid != NULL)
    {
      *out_uid = GPOINTER_TO_UINT (known_uid) - 1;
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
  remember_caller (self, connection, sender, uid);
  *out_uid = uid;
  return TRUE;
}

void
nova_volume_auth_get_caller_counts (NovaVolumeAuth *self, guint *out_known, guint64 *out_lookups)
{
  g_return_if_fail (NOVA_VOLUME_IS_AUTH (self));
  g_mutex_lock (&self->known->lock);
  if (out_known != NULL)
    *out_known = g_hash_table_size (self->known->uids);
  if (out_lookups != NULL)
    *out_lookups = self->known->n_lookups;
  g_mutex_unlock (&self->known->lock);
}

gboolean
nova_volume_auth_authorize_method (GDBusInterfaceSkeleton *skeleton,
                                   GDBusMethodInvocation  *invocation,
                                   NovaVolumeAuth         *self)
{
  const char *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  const char *method_name = g_dbus_method_invocation_get_method_name (invocation);
  g_autoptr(GError) error = NULL;
  const char *action = NULL;
  guint job_starter_uid = G_MAXUINT;
  gboolean allowed = FALSE;
  uid_t caller_uid;

  if (NOVA_DBUS_IS_JOB (skeleton) && g_strcmp0 (method_name, "Cancel") == 0)
    job_starter_uid = nova_dbus_job_get_started_by_uid (NOVA_DBUS_JOB (skeleton));

  if (get_caller_uid (self, invocation, &caller_uid, &error))
    switch (nova_volume_auth_decide (self, caller_uid, interface_name, method_name,
                                     job_starter_uid, &action, &error))
      {
      case NOVA_VOLUME_AUTH_ALLOW:
        allowed = TRUE;
        break;
      case NOVA_VOLUME_AUTH_ASK_POLKIT:
        {
          const char *extra = nova_volume_auth_lookup_option_action (interface_name, method_name,
                                                                     g_dbus_method_invocation_get_parameters (invocation));

          allowed = check_polkit (self, invocation, action, caller_uid, &error)
                    && (extra == NULL || check_polkit (self, invocation, extra, caller_uid, &error));
        }
        break;
      case NOVA_VOLUME_AUTH_DENY:
      default:
        break;
      }

  if (allowed)
    {
      /* kept for the handler (a Job's StartedByUid); set before the
       * invocation moves to the main thread */
      g_object_set_data (G_OBJECT (invocation), "nova-volume-caller-uid", GUINT_TO_POINTER (caller_uid + 1));
      return TRUE;
    }

  nova_volume_error_convert (&error);
  if (!g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED)
      && !g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN))
    {
      g_autoptr(GError) denied = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED,
                                              "%s", error->message);
      g_clear_error (&error);
      error = g_steal_pointer (&denied);
    }
  g_info ("refused %s.%s from %s: %s", interface_name, method_name,
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
