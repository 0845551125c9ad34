/* nova-volumectl: method calls and interactive authentication (see the
 * header). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#define POLKIT_AGENT_I_KNOW_API_IS_SUBJECT_TO_CHANGE
#include <polkitagent/polkitagent.h>

#include "nova-volume-error.h"
#include "nova-volumectl-auth.h"

#define CAN_OBTAIN "org.openstack.Volume1.Error.NotAuthorizedCanObtain"

/* polkit's text agent, registered for this process only */
typedef struct {
  PolkitAgentListener *listener;
  PolkitSubject       *subject;
  gpointer             registration;
} Agent;

static void
agent_free (Agent *agent)
{
  if (agent->registration != NULL)
    polkit_agent_listener_unregister (agent->registration);
  g_clear_object (&agent->listener);
  g_clear_object (&agent->subject);
  g_free (agent);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Agent, agent_free)

static Agent *
agent_start (GError **error)
{
  g_autoptr(Agent) agent = g_new0 (Agent, 1);

  /* it talks to the user on the controlling terminal */
  agent->listener = polkit_agent_text_listener_new (NULL, error);
  if (agent->listener == NULL)
    return NULL;
  agent->subject = polkit_unix_process_new_for_owner (getpid (), 0, getuid ());
  /* in a thread of its own: the main thread waits for the call */
  agent->registration = polkit_agent_listener_register (agent->listener,
                                                        POLKIT_AGENT_REGISTER_FLAGS_RUN_IN_THREAD,
                                                        agent->subject, NULL, NULL, error);
  if (agent->registration == NULL)
    return NULL;
  return g_steal_pointer (&agent);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GVariant *
call_once (GDBusProxy *proxy, const char *method, GVariant *parameters, GUnixFDList *fd_list,
           GDBusCallFlags flags, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_proxy_call_with_unix_fd_list (proxy, method, parameters, flags, G_MAXINT, fd_list, NULL, store_result,
                                       &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_dbus_proxy_call_with_unix_fd_list_finish (proxy, NULL, result, error);
}

static gboolean
is_can_obtain (const GError *error)
{
  g_autofree char *remote = error != NULL ? g_dbus_error_get_remote_error (error) : NULL;

  return g_strcmp0 (remote, CAN_OBTAIN) == 0;
}

/* the polkit action the daemon named in its message, else NULL */
static char *
action_in (const char *message)
{
  g_autoptr(GRegex) regex = g_regex_new ("org\\.openstack\\.volume1\\.[a-z0-9-]+(\\.[a-z0-9-]+)*",
                                         G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  if (!g_regex_match (regex, message, G_REGEX_MATCH_DEFAULT, &match))
    return NULL;
  return g_match_info_fetch (match, 0);
}

/* "Not authorized: <the daemon's words>. <what to do>." */
static void
explain_refusal (GError **error, const char *method, const char *what_to_do)
{
  g_autofree char *words = NULL;
  g_autofree char *action = NULL;
  g_autofree char *ask = NULL;
  GError *explained;

  g_dbus_error_strip_remote_error (*error);
  words = g_strdup ((*error)->message);
  /* the sentence goes on after it */
  while (g_str_has_suffix (words, ".") || g_str_has_suffix (words, " "))
    words[strlen (words) - 1] = '\0';
  action = action_in (words);
  if (action != NULL)
    ask = g_strdup_printf (_("ask your administrator for the %s permission"), action);
  else
    ask = g_strdup_printf (_("ask your administrator for the permission to call %s"), method);

  /* no "Not authorized: not authorized to ..." */
  if (g_ascii_strncasecmp (words, "not authorized", strlen ("not authorized")) == 0)
    {
      words[0] = g_ascii_toupper (words[0]);
      explained = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN,
                               "%s. %s, or %s.", words, what_to_do, ask);
    }
  else
    explained = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN,
                             _("Not authorized: %s. %s, or %s."), words, what_to_do, ask);
  g_clear_error (error);
  *error = explained;
}

/* @error holds the daemon's NotAuthorizedCanObtain: authenticates and
 * calls once more when a person at a terminal can answer polkit, else
 * explains the refusal */
static GVariant *
authenticate_and_call_again (GDBusProxy *proxy, const char *method, GVariant *parameters,
                             GUnixFDList *fd_list, NovaCtlCallFlags flags, GError **error)
{
  g_autoptr(GError) agent_error = NULL;
  g_autoptr(Agent) agent = NULL;
  GVariant *reply;

  if (!(flags & NOVA_CTL_CALL_INTERACTIVE))
    {
      explain_refusal (error, method, _("Run it without --no-user-interaction, from a terminal, "
                                        "to authenticate"));
      return NULL;
    }
  /* only polkit on the system bus can be answered; only a person at a
   * terminal can answer */
  if (!(flags & NOVA_CTL_CALL_SYSTEM_BUS) || !isatty (STDIN_FILENO))
    {
      explain_refusal (error, method, _("Run it from a terminal to authenticate"));
      return NULL;
    }
  agent = agent_start (&agent_error);
  if (agent == NULL)
    {
      g_autofree char *why = g_strdup_printf (_("No authentication agent could be started (%s)"),
                                              agent_error->message);

      explain_refusal (error, method, why);
      return NULL;
    }

  g_clear_error (error);
  reply = call_once (proxy, method, parameters, fd_list, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, error);
  /* no authentication after all: dismissed, or polkit found no agent */
  if (reply == NULL && is_can_obtain (*error))
    explain_refusal (error, method, _("Authentication did not succeed; try again"));
  return reply;
}

GVariant *
nova_ctl_call (GDBusProxy *proxy, const char *method, GVariant *parameters, NovaCtlCallFlags flags,
               GError **error)
{
  return nova_ctl_call_with_fds (proxy, method, parameters, NULL, flags, error);
}

GVariant *
nova_ctl_call_with_fds (GDBusProxy *proxy, const char *method, GVariant *parameters, GUnixFDList *fd_list,
                        NovaCtlCallFlags flags, GError **error)
{
  g_autoptr(GVariant) params = parameters != NULL ? g_variant_ref_sink (parameters) : NULL;
  g_autoptr(GError) local_error = NULL;
  /* an agent of the user's session (a desktop's) may answer polkit at once */
  GDBusCallFlags call_flags = (flags & NOVA_CTL_CALL_INTERACTIVE) ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                                                                  : G_DBUS_CALL_FLAGS_NONE;
  GVariant *reply = call_once (proxy, method, params, fd_list, call_flags, &local_error);

  if (reply == NULL && is_can_obtain (local_error))
    reply = authenticate_and_call_again (proxy, method, params, fd_list, flags, &local_error);
  if (reply == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return reply;
}
