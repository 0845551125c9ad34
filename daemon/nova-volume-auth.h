/* nova-volume: who may call what. Every method call on every exported
 * interface passes through nova_volume_auth_authorize_method (the
 * skeletons' g-authorize-method, on a worker thread), so a method that
 * forgets to authorize cannot be written. Default deny: a method not in
 * the table is refused. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_AUTH (nova_volume_auth_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeAuth, nova_volume_auth, NOVA_VOLUME, AUTH, GObject)

/* The polkit actions (data/org.openstack.volume1.policy.in). */
#define NOVA_VOLUME_ACTION_MANAGE_VOLUMES   "org.openstack.volume1.manage-volumes"
#define NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS "org.openstack.volume1.manage-snapshots"
#define NOVA_VOLUME_ACTION_ATTACH           "org.openstack.volume1.attach"
#define NOVA_VOLUME_ACTION_CONNECT          "org.openstack.volume1.connect"
#define NOVA_VOLUME_ACTION_COPY_DATA        "org.openstack.volume1.copy-data"
#define NOVA_VOLUME_ACTION_BACKUP           "org.openstack.volume1.backup"

/* @bus_type: G_BUS_TYPE_SYSTEM (polkit decides; root always may) or
 * G_BUS_TYPE_SESSION (the caller must have the daemon's uid). */
NovaVolumeAuth *nova_volume_auth_new (GBusType bus_type, uid_t daemon_uid);

/* The action @method of @interface needs. Returns FALSE for a method the
 * table does not know (deny); *out_action is NULL for a reading method. */
gboolean nova_volume_auth_lookup_action (const char  *interface_name,
                                         const char  *method_name,
                                         const char **out_action);

/* The second action a call needs because of an option it carries
 * (CreateVolume with image-fd: copy-data), or NULL. */
const char *nova_volume_auth_lookup_option_action (const char *interface_name,
                                                   const char *method_name,
                                                   GVariant   *parameters);

typedef enum {
  NOVA_VOLUME_AUTH_ALLOW,
  NOVA_VOLUME_AUTH_DENY,        /* @error says why */
  NOVA_VOLUME_AUTH_ASK_POLKIT,  /* *out_action names the action to check */
} NovaVolumeAuthVerdict;

/* What can be decided without polkit, for a caller whose uid is known:
 * unknown methods are denied, reading methods allowed, the session bus
 * allows only the daemon's uid, root is always allowed (as polkitd itself
 * answers for uid 0), and a job's starter may cancel it
 * (@job_starter_uid is G_MAXUINT when the call is not Job.Cancel). */
NovaVolumeAuthVerdict nova_volume_auth_decide (NovaVolumeAuth *self,
                                               uid_t           caller_uid,
                                               const char     *interface_name,
                                               const char     *method_name,
                                               guint           job_starter_uid,
                                               const char    **out_action,
                                               GError        **error);

/* Whether a call lets polkit ask the user to authenticate: the message
 * carries ALLOW_INTERACTIVE_AUTHORIZATION and no options dictionary among
 * @parameters says auth.no_user_interaction = true. */
gboolean nova_volume_auth_allows_interaction (GDBusMessageFlags flags, GVariant *parameters);

/* The g-authorize-method handler: blocks (asks the bus for the caller's
 * uid the first time it calls, then polkit); on refusal it returns the error on @invocation
 * itself. */
gboolean nova_volume_auth_authorize_method (GDBusInterfaceSkeleton *skeleton,
                                            GDBusMethodInvocation  *invocation,
                                            NovaVolumeAuth         *self);

/* How many callers' uids are known (by unique name, each forgotten when
 * its name leaves the bus) and how often the bus was asked, for tests and
 * the bench. */
void nova_volume_auth_get_caller_counts (NovaVolumeAuth *self, guint *out_known, guint64 *out_lookups);
/* The uid the authorization found for an authorized call, or G_MAXUINT
 * when it was not asked (a reading method). */
guint nova_volume_auth_get_caller_uid (GDBusMethodInvocation *invocation);

G_END_DECLS
