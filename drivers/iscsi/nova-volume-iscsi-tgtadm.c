/* nova-volume: the tgtadm target helper */
#include "config.h"

#include <string.h>

#include "nova-volume-error.h"
#include "nova-volume-iscsi-tgtadm.h"

/* what tgtadm exits with */
#define TGTADM_REFUSED     22  /* every refusal; stderr says which */
#define TGTADM_UNREACHABLE 107 /* no tgtd on the control socket */

/* tgtadm's words for its refusals (stderr, after "tgtadm: ") */
#define REFUSED_TARGET_EXISTS  "this target already exists"
#define REFUSED_LUN_EXISTS     "this logical unit number already exists"
#define REFUSED_ACCOUNT_EXISTS "this account already exists"
#define REFUSED_RULE_EXISTS    "this access control rule already exists"
#define REFUSED_NO_RULE        "this access control rule does not exist"
#define REFUSED_NO_TARGET      "can't find the target"
#define REFUSED_NO_ACCOUNT     "can't find the account"
#define REFUSED_INVALID        "invalid request"
#define REFUSED_LUN_ACTIVE     "this logical unit is still active"
#define REFUSED_NO_LUN         "can't find the logical unit"

/* RFC 3720 3.2.6.1: an iSCSI name is at most 223 bytes */
#define ISCSI_NAME_MAX 223

struct _NovaIscsiTgtadm {
  GObject             parent_instance;

  /* both set at construction and never changed: the helper is used from
   * many worker threads at once */
  NovaVolumeExecutor *executor;
  char               *control; /* tgtadm -C, NULL: the default socket */
};

static void nova_iscsi_tgtadm_target_init (NovaIscsiTargetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NovaIscsiTgtadm, nova_iscsi_tgtadm, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NOVA_TYPE_ISCSI_TARGET, nova_iscsi_tgtadm_target_init))

/* one tgtadm run: exit status and output */
typedef struct {
  int   status;
  char *out;
  char *err;
} TgtReply;

static void
tgt_reply_clear (TgtReply *reply)
{
  reply->status = 0;
  g_clear_pointer (&reply->out, g_free);
  g_clear_pointer (&reply->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TgtReply, tgt_reply_clear)

/* one target of `--op show --mode target`, what the helper looks at */
typedef struct {
  guint       tid;
  char       *name;
  GHashTable *luns;     /* LUN number -> backing store path ("None" for the controller) */
  GPtrArray  *accounts; /* incoming CHAP users bound to it */
  GPtrArray  *acls;     /* initiator names and addresses allowed */
} TgtTarget;

static void
tgt_target_free (gpointer data)
{
  TgtTarget *target = data;

  g_free (target->name);
  g_hash_table_unref (target->luns);
  g_ptr_array_unref (target->accounts);
  g_ptr_array_unref (target->acls);
  g_free (target);
}

static TgtTarget *
tgt_target_new (guint tid, const char *name)
{
  TgtTarget *target = g_new0 (TgtTarget, 1);

  target->tid = tid;
  target->name = g_strdup (name);
  target->luns = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  target->accounts = g_ptr_array_new_with_free_func (g_free);
  target->acls = g_ptr_array_new_with_free_func (g_free);
  return target;
}

static gboolean
str_array_contains (GPtrArray *array, const char *text)
{
  return g_ptr_array_find_with_equal_func (array, text, g_str_equal, NULL);
}

/* parsing tgtadm's show output */

/* @line's body after its leading spaces; *out_indent is their number */
static const char *
split_indent (const char *line, guint *out_indent)
{
  guint indent = 0;

  while (line[indent] == ' ')
    indent++;
  *out_indent = indent;
  return line + indent;
}

/* "N" at the start of @text up to @end ("" or ":"), or FALSE */
static gboolean
parse_number (const char *text, const char *end, guint *out)
{
  char *rest = NULL;
  guint64 value;

  if (!g_ascii_isdigit (*text))
    return FALSE;
  value = g_ascii_strtoull (text, &rest, 10);
  if (value > G_MAXUINT || !g_str_has_prefix (rest, end) || (*end == '\0' && *rest != '\0'))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

/* Every target of `tgtadm --op show --mode target`:
 *
 *   Target 1: iqn.2010-10.org.openstack:volume-...
 *       System information: / I_T nexus information: (skipped)
 *       LUN information:
 *           LUN: 1
 *               Backing store path: /dev/nova-volumes/volume-...
 *       Account information:
 *           user
 *           user2 (outgoing)
 *       ACL information:
 *           iqn.1994-05.com.example:host
 *
 * Sections by their 4-space headers; a line the parser does not know is
 * skipped, so a newer tgt's extra lines do no harm. */
static GPtrArray *
parse_targets (const char *text)
{
  enum { SECTION_OTHER, SECTION_LUN, SECTION_ACCOUNT, SECTION_ACL } section = SECTION_OTHER;
  GPtrArray *targets = g_ptr_array_new_with_free_func (tgt_target_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  TgtTarget *current = NULL;
  gboolean have_lun = FALSE;
  guint lun = 0;

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchomp (lines[i]);
      guint indent;
      const char *body = split_indent (line, &indent);
      guint tid;

      if (*body == '\0')
        continue;
      if (indent == 0)
        {
          current = NULL;
          if (g_str_has_prefix (body, "Target ") && parse_number (body + strlen ("Target "), ": ", &tid))
            {
              current = tgt_target_new (tid, strstr (body, ": ") + 2);
              g_ptr_array_add (targets, current);
            }
          section = SECTION_OTHER;
          continue;
        }
      if (current == NULL)
        continue;
      if (indent <= 4)
        {
          if (g_str_equal (body, "LUN information:"))
            section = SECTION_LUN;
          else if (g_str_equal (body, "Account information:"))
            section = SECTION_ACCOUNT;
          else if (g_str_equal (body, "ACL information:"))
            section = SECTION_ACL;
          else
            section = SECTION_OTHER;
          have_lun = FALSE;
          continue;
        }

      switch (section)
        {
        case SECTION_LUN:
          if (g_str_has_prefix (body, "LUN: "))
            have_lun = parse_number (body + strlen ("LUN: "), "", &lun);
          else if (have_lun && g_str_has_prefix (body, "Backing store path: "))
            g_hash_table_replace (current->luns, GUINT_TO_POINTER (lun),
                                  g_strdup (body + strlen ("Backing store path: ")));
          break;
        case SECTION_ACCOUNT:
          /* an outgoing account (mutual CHAP) is the target's own name,
           * not a way in */
          if (!g_str_has_suffix (body, " (outgoing)"))
            g_ptr_array_add (current->accounts, g_strdup (body));
          break;
        case SECTION_ACL:
          g_ptr_array_add (current->acls, g_strdup (body));
          break;
        case SECTION_OTHER:
        default:
          break;
        }
    }
  return targets;
}

/* The user names of `tgtadm --op show --mode account`:
 *
 *   Account list:
 *       user
 *       user2 */
static GPtrArray *
parse_accounts (const char *text)
{
  GPtrArray *accounts = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      guint indent;
      const char *body = split_indent (g_strchomp (lines[i]), &indent);

      if (indent > 0 && *body != '\0')
        g_ptr_array_add (accounts, g_strdup (body));
    }
  return accounts;
}

static TgtTarget *
find_target_by_tid (GPtrArray *targets, guint tid)
{
  for (guint i = 0; i < targets->len; i++)
    {
      TgtTarget *target = g_ptr_array_index (targets, i);

      if (target->tid == tid)
        return target;
    }
  return NULL;
}

static TgtTarget *
find_target_by_name (GPtrArray *targets, const char *name)
{
  for (guint i = 0; i < targets->len; i++)
    {
      TgtTarget *target = g_ptr_array_index (targets, i);

      if (g_str_equal (target->name, name))
        return target;
    }
  return NULL;
}

/* running tgtadm */

/* "tgtadm [-C N] --lld iscsi" then @args (NULL-terminated) */
static GStrv
build_argv (NovaIscsiTgtadm *self, const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, g_strdup ("tgtadm"));
  if (self->control != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-C"));
      g_ptr_array_add (argv, g_strdup (self->control));
    }
  g_ptr_array_add (argv, g_strdup ("--lld"));
  g_ptr_array_add (argv, g_strdup ("iscsi"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (argv, FALSE);
}

/* what tgtadm said, for an error message: stderr, else stdout, trimmed */
static char *
reply_text (const TgtReply *reply)
{
  g_autofree char *err = g_strstrip (g_strdup (reply->err != NULL ? reply->err : ""));
  g_autofree char *out = g_strstrip (g_strdup (reply->out != NULL ? reply->out : ""));

  return g_utf8_make_valid (*err != '\0' ? err : out, -1);
}

static void
set_unreachable_error (NovaIscsiTgtadm *self, const TgtReply *reply, GError **error)
{
  g_autofree char *text = reply_text (reply);

  if (self->control != NULL)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "tgtd is not running on control port %s or cannot be reached "
                 "(tgtadm -C %s exited with status %d: %s): start tgtd with -C %s",
                 self->control, self->control, reply->status, text, self->control);
  else
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "tgtd is not running or cannot be reached (tgtadm exited with status %d: %s): "
                 "start it (systemctl start tgt) and try again",
                 reply->status, text);
}

/* Runs tgtadm with @args once, and again while tgtd is unreachable (up
 * to the executor's tries). FALSE only when tgtadm could not run or tgtd
 * stayed unreachable; any other exit status is the caller's to judge. */
static gboolean
tgtadm (NovaIscsiTgtadm *self, const char *const *args, TgtReply *reply, GError **error)
{
  g_auto(GStrv) argv = build_argv (self, args);
  guint tries = nova_volume_executor_get_tries (self->executor);
  /* the executor's back-off: 0 under the recording executor, so tests
   * of an unreachable tgtd do not sleep */
  guint backoff_ms = nova_volume_executor_get_backoff_ms (self->executor);

  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      tgt_reply_clear (reply);
      reply->status = -1;
      if (!nova_volume_executor_run_once (self->executor, (const char *const *) argv, NULL,
                                          &reply->out, &reply->err, &reply->status, &local_error))
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                       "%s (is the tgt package installed?)", local_error->message);
          return FALSE;
        }
      if (reply->status != TGTADM_UNREACHABLE)
        return TRUE;
      if (attempt >= tries)
        break;
      g_message ("tgtd cannot be reached (attempt %u of %u), asking again in %u ms",
                 attempt, tries, backoff_ms);
      g_usleep ((gulong) backoff_ms * G_TIME_SPAN_MILLISECOND);
      backoff_ms *= 2;
    }
  set_unreachable_error (self, reply, error);
  return FALSE;
}

/* whether tgtadm refused with @reason */
static gboolean
refused (const TgtReply *reply, const char *reason)
{
  return reply->status == TGTADM_REFUSED && reply->err != NULL && strstr (reply->err, reason) != NULL;
}

/* a failure of @reply: "<what>: tgtadm exited with status N: <stderr>" */
G_GNUC_PRINTF (4, 5) static gboolean
fail (const TgtReply *reply, GError **error, NovaVolumeErrorCode code, const char *format, ...)
{
  g_autofree char *what = NULL;
  g_autofree char *text = reply_text (reply);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (*text == '\0')
    g_set_error (error, NOVA_VOLUME_ERROR, code, "%s: tgtadm exited with status %d", what, reply->status);
  else
    g_set_error (error, NOVA_VOLUME_ERROR, code, "%s: tgtadm exited with status %d: %s", what,
                 reply->status, text);
  return FALSE;
}

static GPtrArray *
show_targets (NovaIscsiTgtadm *self, GError **error)
{
  const char *args[] = { "--mode", "target", "--op", "show", NULL };
  g_auto(TgtReply) reply = { 0 };

  if (!tgtadm (self, args, &reply, error))
    return NULL;
  if (reply.status != 0)
    {
      fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot list tgtd's targets");
      return NULL;
    }
  return parse_targets (reply.out);
}

static GPtrArray *
show_accounts (NovaIscsiTgtadm *self, GError **error)
{
  const char *args[] = { "--mode", "account", "--op", "show", NULL };
  g_auto(TgtReply) reply = { 0 };

  if (!tgtadm (self, args, &reply, error))
    return NULL;
  if (reply.status != 0)
    {
      fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot list tgtd's CHAP accounts");
      return NULL;
    }
  return parse_accounts (reply.out);
}

/* the steps */

static gboolean
check_export (const NovaIscsiExport *export, GError **error)
{
  if (export->iqn == NULL || *export->iqn == '\0' || export->tid == 0
      || export->backing_path == NULL || *export->backing_path == '\0')
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "an iSCSI export needs a target name, a target number from 1 and a backing path");
      return FALSE;
    }
  if (export->chap_user != NULL && (export->chap_secret == NULL || *export->chap_secret == '\0'))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "CHAP user %s of target %s has no secret", export->chap_user, export->iqn);
      return FALSE;
    }
  return TRUE;
}

/* the target at export->tid when it carries export->iqn; NULL when there
 * is none. A number or a name that tgtd gives to something else is an
 * error: the store and tgtd disagree, and changing either target could
 * hand one volume's data to another's hosts. */
static gboolean
lookup_target (GPtrArray *targets, const NovaIscsiExport *export, TgtTarget **out_target, GError **error)
{
  TgtTarget *target = find_target_by_tid (targets, export->tid);

  *out_target = NULL;
  if (target != NULL && !g_str_equal (target->name, export->iqn))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                   "iSCSI target number %u is %s in tgtd, not %s: another export holds the number "
                   "(remove it with tgtadm --lld iscsi --mode target --op delete --tid %u if it is stale)",
                   export->tid, target->name, export->iqn, export->tid);
      return FALSE;
    }
  if (target == NULL && (target = find_target_by_name (targets, export->iqn)) != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                   "%s is iSCSI target number %u in tgtd, not %u "
                   "(remove it with tgtadm --lld iscsi --mode target --op delete --tid %u if it is stale)",
                   export->iqn, target->tid, export->tid, target->tid);
      return FALSE;
    }
  *out_target = target;
  return TRUE;
}

/* makes the target; *out_target is what tgtd then shows of it (NULL:
 * nothing yet, a new target) */
static gboolean
create_target (NovaIscsiTgtadm *self, const NovaIscsiExport *export, const char *tid,
               GPtrArray **inout_targets, TgtTarget **out_target, GError **error)
{
  const char *args[] = { "--mode", "target", "--op", "new", "--tid", tid, "--targetname", export->iqn, NULL };
  g_auto(TgtReply) reply = { 0 };

  *out_target = NULL;
  if (!tgtadm (self, args, &reply, error))
    return FALSE;
  if (reply.status == 0)
    return TRUE;
  if (!refused (&reply, REFUSED_TARGET_EXISTS))
    return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot create iSCSI target %s (%s)", tid,
                 export->iqn);

  /* made since we looked (tgt says the same for a taken number and a
   * taken name): it is ours only when both match */
  g_clear_pointer (inout_targets, g_ptr_array_unref);
  if ((*inout_targets = show_targets (self, error)) == NULL
      || !lookup_target (*inout_targets, export, out_target, error))
    return FALSE;
  if (*out_target == NULL)
    return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot create iSCSI target %s (%s)", tid,
                 export->iqn);
  return TRUE;
}

static gboolean
create_lun (NovaIscsiTgtadm *self, const NovaIscsiExport *export, const char *tid, GError **error)
{
  g_autofree char *lun = g_strdup_printf ("%d", NOVA_ISCSI_TGTADM_LUN);
  const char *args[] = { "--mode", "logicalunit", "--op", "new", "--tid", tid, "--lun", lun,
                         "--backing-store", export->backing_path, NULL };
  g_auto(TgtReply) reply = { 0 };

  if (!tgtadm (self, args, &reply, error))
    return FALSE;
  if (reply.status == 0 || refused (&reply, REFUSED_LUN_EXISTS))
    return TRUE;
  if (refused (&reply, REFUSED_INVALID))
    return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED,
                 "tgtd cannot open %s as LUN %s of iSCSI target %s (%s): check that it exists "
                 "and that tgtd may read and write it",
                 export->backing_path, lun, tid, export->iqn);
  return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot add LUN %s (%s) to iSCSI target %s (%s)",
               lun, export->backing_path, tid, export->iqn);
}

static gboolean
bound_elsewhere (GPtrArray *targets, const char *user, guint tid, guint *out_other)
{
  for (guint i = 0; i < targets->len; i++)
    {
      TgtTarget *target = g_ptr_array_index (targets, i);

      if (target->tid != tid && str_array_contains (target->accounts, user))
        {
          *out_other = target->tid;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
delete_account (NovaIscsiTgtadm *self, const char *user, GError **error)
{
  const char *args[] = { "--mode", "account", "--op", "delete", "--user", user, NULL };
  g_auto(TgtReply) reply = { 0 };

  if (!tgtadm (self, args, &reply, error))
    return FALSE;
  if (reply.status == 0 || refused (&reply, REFUSED_NO_ACCOUNT))
    return TRUE;
  return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot delete CHAP account %s", user);
}

/* makes the export's CHAP account with its secret. One that exists but
 * is bound to no target is made again: tgt never shows a secret, and the
 * old one may be stale (an ensure that failed half-way). */
static gboolean
create_account (NovaIscsiTgtadm *self, const NovaIscsiExport *export, GPtrArray *targets, GError **error)
{
  const char *args[] = { "--mode", "account", "--op", "new", "--user", export->chap_user,
                         "--password", export->chap_secret, NULL };
  const char *const secrets[] = { export->chap_secret, NULL };
  g_auto(GStrv) argv = build_argv (self, args);
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) local_error = NULL;
  guint other = 0;

  if ((accounts = show_accounts (self, error)) == NULL)
    return FALSE;
  if (str_array_contains (accounts, export->chap_user))
    {
      if (bound_elsewhere (targets, export->chap_user, export->tid, &other))
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                       "CHAP user %s of %s is bound to iSCSI target %u in tgtd: "
                       "two exports cannot share one account",
                       export->chap_user, export->iqn, other);
          return FALSE;
        }
      if (!delete_account (self, export->chap_user, error))
        return FALSE;
    }

  /* the secret is in tgtadm's argv (it takes it no other way) and only
   * there: the executor masks it in what it logs, keeps and reports */
  if (!nova_volume_executor_run_secret (self->executor, (const char *const *) argv, secrets, NULL, NULL, NULL,
                                        &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot create CHAP account %s for %s: ", export->chap_user, export->iqn);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bind_account (NovaIscsiTgtadm *self, const NovaIscsiExport *export, const char *tid, GError **error)
{
  const char *args[] = { "--mode", "account", "--op", "bind", "--tid", tid, "--user", export->chap_user,
                         NULL };
  g_auto(TgtReply) reply = { 0 };

  if (!tgtadm (self, args, &reply, error))
    return FALSE;
  /* "already exists" is also what tgt says for an account already bound */
  if (reply.status == 0 || refused (&reply, REFUSED_ACCOUNT_EXISTS))
    return TRUE;
  return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot bind CHAP account %s to iSCSI target %s (%s)",
               export->chap_user, tid, export->iqn);
}

static gboolean
unbind_account (NovaIscsiTgtadm *self, const NovaIscsiExport *export, const char *tid, const char *user,
                GError **error)
{
  const char *args[] = { "--mode", "account", "--op", "unbind", "--tid", tid, "--user", user, NULL };
  g_auto(TgtReply) reply = { 0 };

  if (!tgtadm (self, args, &reply, error))
    return FALSE;
  /* tgt says "can't find the account" for one that is not bound */
  if (reply.status == 0 || refused (&reply, REFUSED_NO_ACCOUNT))
    return TRUE;
  return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED,
               "cannot unbind CHAP account %s from iSCSI target %s (%s)", user, tid, export->iqn);
}

/* an iSCSI name (RFC 3720: iqn., eui., naa.) of printable characters;
 * not ALL, not an address */
static gboolean
is_iscsi_name (const char *name)
{
  if (name == NULL || strlen (name) > ISCSI_NAME_MAX
      || (g_ascii_strncasecmp (name, "iqn.", 4) != 0 && g_ascii_strncasecmp (name, "eui.", 4) != 0
          && g_ascii_strncasecmp (name, "naa.", 4) != 0))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;
  return TRUE;
}

/* only names: tgt ORs name and address rules, so ALL or an address would
 * switch the name check off */
static gboolean
check_initiator (const char *initiator, GError **error)
{
  if (!is_iscsi_name (initiator))
    {
      g_autofree char *shown = initiator != NULL ? g_utf8_make_valid (initiator, -1) : g_strdup ("(none)");

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "\"%s\" is not an iSCSI initiator name: the connector's initiator must be an "
                   "iqn., eui. or naa. name of at most %d characters",
                   shown, ISCSI_NAME_MAX);
      return FALSE;
    }
  return TRUE;
}

/* an address rule (ALL, an IP address or network: what the seed's
 * `--initiator-address ALL` left) switches tgt's name check off for every
 * host: ensure_export takes it away */
static gboolean
unbind_address (NovaIscsiTgtadm *self, const NovaIscsiExport *export, const char *tid, const char *address,
                GError **error)
{
  const char *args[] = { "--mode", "target", "--op", "unbind", "--tid", tid, "--initiator-address", address,
                         NULL };
  g_auto(TgtReply) reply = { 0 };

  g_message ("removing address rule %s from iSCSI target %s (%s): only initiator names may log in", address,
             tid, export->iqn);
  if (!tgtadm (self, args, &reply, error))
    return FALSE;
  if (reply.status == 0 || refused (&reply, REFUSED_NO_RULE))
    return TRUE;
  return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED,
               "cannot remove address rule %s from iSCSI target %s (%s)", address, tid, export->iqn);
}

/* the interface */

static guint
nova_iscsi_tgtadm_get_lun (NovaIscsiTarget *target)
{
  return NOVA_ISCSI_TGTADM_LUN;
}

/* Target, LUN 1, CHAP account: each made when tgtd does not show it (after
 * a restart, all of them), each refusal that says "it is there already"
 * taken as success; accounts other than the volume's and address rules
 * taken off. No initiator rule is added: with none, tgt refuses every
 * login. */
static gboolean
nova_iscsi_tgtadm_ensure_export (NovaIscsiTarget *iface, const NovaIscsiExport *export, GError **error)
{
  NovaIscsiTgtadm *self = NOVA_ISCSI_TGTADM (iface);
  g_autofree char *tid = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  TgtTarget *target = NULL;
  const char *lun_path = NULL;

  if (!check_export (export, error))
    return FALSE;
  tid = g_strdup_printf ("%u", export->tid);

  if ((targets = show_targets (self, error)) == NULL || !lookup_target (targets, export, &target, error))
    return FALSE;
  if (target == NULL && !create_target (self, export, tid, &targets, &target, error))
    return FALSE;

  if (target != NULL)
    lun_path = g_hash_table_lookup (target->luns, GUINT_TO_POINTER (NOVA_ISCSI_TGTADM_LUN));
  if (lun_path == NULL)
    {
      if (!create_lun (self, export, tid, error))
        return FALSE;
    }
  else if (!g_str_equal (lun_path, export->backing_path))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                   "LUN %d of iSCSI target %u (%s) is %s in tgtd, not %s: "
                   "remove the export and ensure it again",
                   NOVA_ISCSI_TGTADM_LUN, export->tid, export->iqn, lun_path, export->backing_path);
      return FALSE;
    }

  /* the volume's account first, then the others off: the target is never
   * without CHAP in between */
  if (export->chap_user != NULL
      && (target == NULL || !str_array_contains (target->accounts, export->chap_user)))
    {
      if (!create_account (self, export, targets, error) || !bind_account (self, export, tid, error))
        return FALSE;
    }
  if (target != NULL)
    for (guint i = 0; i < target->accounts->len; i++)
      {
        const char *user = g_ptr_array_index (target->accounts, i);

        if (export->chap_user == NULL || !g_str_equal (user, export->chap_user))
          g_ptr_array_add (stale, g_strdup (user));
      }
  for (guint i = 0; i < stale->len; i++)
    {
      const char *user = g_ptr_array_index (stale, i);

      g_message ("unbinding CHAP account %s from iSCSI target %u (%s): not the volume's", user, export->tid,
                 export->iqn);
      if (!unbind_account (self, export, tid, user, error))
        return FALSE;
    }

  if (target != NULL)
    for (guint i = 0; i < target->acls->len; i++)
      {
        const char *rule = g_ptr_array_index (target->acls, i);

        if (!is_iscsi_name (rule) && !unbind_address (self, export, tid, rule, error))
          return FALSE;
      }
  return TRUE;
}

/* The target (wherever tgtd keeps export->iqn) with its LUN and rules,
 * then the CHAP account. --force: a host that never logged out must not
 * keep a deleted volume's target alive (the manager lets a volume go only
 * when no connection is recorded). Account last: a target without its
 * account would let anyone allowed in without CHAP. */
static gboolean
nova_iscsi_tgtadm_remove_export (NovaIscsiTarget *iface, const NovaIscsiExport *export, GError **error)
{
  NovaIscsiTgtadm *self = NOVA_ISCSI_TGTADM (iface);
  g_autoptr(GPtrArray) targets = NULL;
  TgtTarget *at_tid;
  TgtTarget *target;
  guint other = 0;

  if (!check_export (export, error))
    return FALSE;
  if ((targets = show_targets (self, error)) == NULL)
    return FALSE;

  at_tid = find_target_by_tid (targets, export->tid);
  if (at_tid != NULL && !g_str_equal (at_tid->name, export->iqn))
    g_message ("leaving iSCSI target %u alone: it is %s, not %s", export->tid, at_tid->name, export->iqn);
  target = find_target_by_name (targets, export->iqn);
  if (target != NULL)
    {
      g_autofree char *tid = g_strdup_printf ("%u", target->tid);
      const char *args[] = { "--mode", "target", "--op", "delete", "--force", "--tid", tid, NULL };
      g_auto(TgtReply) reply = { 0 };

      if (!tgtadm (self, args, &reply, error))
        return FALSE;
      if (reply.status != 0 && !refused (&reply, REFUSED_NO_TARGET))
        return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot delete iSCSI target %s (%s)", tid,
                     export->iqn);
    }

  if (export->chap_user == NULL)
    return TRUE;
  if (bound_elsewhere (targets, export->chap_user, target != NULL ? target->tid : 0, &other))
    {
      g_message ("keeping CHAP account %s: iSCSI target %u uses it too", export->chap_user, other);
      return TRUE;
    }
  return delete_account (self, export->chap_user, error);
}

/* tgtd reads a backing store's size when it opens it: the LUN is made
 * again on the same path. The target, its account, its rules and its
 * sessions stay (Cinder's tgt helper re-creates the whole target, which
 * drops the sessions). A command that reaches the LUN in the moment it is
 * gone fails, as a host sees on any path failover; tgtd refuses to
 * delete a LUN with commands in flight, so that is tried again. */
static gboolean
nova_iscsi_tgtadm_refresh_size (NovaIscsiTarget *iface, const NovaIscsiExport *export, GError **error)
{
  NovaIscsiTgtadm *self = NOVA_ISCSI_TGTADM (iface);
  g_autofree char *lun = g_strdup_printf ("%d", NOVA_ISCSI_TGTADM_LUN);
  g_autofree char *tid = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  TgtTarget *target = NULL;

  if (!check_export (export, error))
    return FALSE;
  if ((targets = show_targets (self, error)) == NULL || !lookup_target (targets, export, &target, error))
    return FALSE;
  /* not exported now: the next ensure_export opens the grown device */
  if (target == NULL)
    return TRUE;
  tid = g_strdup_printf ("%u", target->tid);
  for (guint attempt = 0;; attempt++)
    {
      const char *args[] = { "--mode", "logicalunit", "--op", "delete", "--tid", tid, "--lun", lun, NULL };
      g_auto(TgtReply) reply = { 0 };

      if (!tgtadm (self, args, &reply, error))
        return FALSE;
      if (reply.status == 0 || refused (&reply, REFUSED_NO_LUN))
        break;
      if (!refused (&reply, REFUSED_LUN_ACTIVE) || attempt == 50)
        return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot take LUN %s of iSCSI target %s (%s) down "
                     "to show its new size", lun, tid, export->iqn);
      g_usleep (20 * 1000);
    }
  return create_lun (self, export, tid, error);
}

static gboolean
nova_iscsi_tgtadm_allow_initiator (NovaIscsiTarget *iface, const NovaIscsiExport *export,
                                   const char *initiator, GError **error)
{
  NovaIscsiTgtadm *self = NOVA_ISCSI_TGTADM (iface);
  g_autofree char *tid = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  TgtTarget *target = NULL;
  g_auto(TgtReply) reply = { 0 };

  if (!check_export (export, error) || !check_initiator (initiator, error))
    return FALSE;
  tid = g_strdup_printf ("%u", export->tid);

  /* the rule goes only on a target that carries the export's name: on any
   * other it would open another volume to this host */
  if ((targets = show_targets (self, error)) == NULL || !lookup_target (targets, export, &target, error))
    return FALSE;
  if (target == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "iSCSI target %u (%s) does not exist in tgtd (was tgtd restarted?): "
                   "ensure the export first",
                   export->tid, export->iqn);
      return FALSE;
    }
  if (str_array_contains (target->acls, initiator))
    return TRUE;

  {
    const char *args[] = { "--mode", "target", "--op", "bind", "--tid", tid, "--initiator-name", initiator,
                           NULL };

    if (!tgtadm (self, args, &reply, error))
      return FALSE;
  }
  if (reply.status == 0 || refused (&reply, REFUSED_RULE_EXISTS))
    return TRUE;
  if (refused (&reply, REFUSED_NO_TARGET))
    return fail (&reply, error, NOVA_VOLUME_ERROR_NOT_FOUND,
                 "iSCSI target %s (%s) went away while allowing %s: ensure the export first", tid,
                 export->iqn, initiator);
  return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot allow %s on iSCSI target %s (%s)", initiator,
               tid, export->iqn);
}

/* Only new logins are refused: a session the host still has goes on
 * until the host logs out (it does before terminate_connection). */
static gboolean
nova_iscsi_tgtadm_deny_initiator (NovaIscsiTarget *iface, const NovaIscsiExport *export,
                                  const char *initiator, GError **error)
{
  NovaIscsiTgtadm *self = NOVA_ISCSI_TGTADM (iface);
  g_autofree char *tid = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  TgtTarget *target;
  g_auto(TgtReply) reply = { 0 };

  if (!check_export (export, error))
    return FALSE;
  if (initiator == NULL || *initiator == '\0')
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "no initiator name to deny on %s", export->iqn);
      return FALSE;
    }
  tid = g_strdup_printf ("%u", export->tid);

  if ((targets = show_targets (self, error)) == NULL)
    return FALSE;
  /* no target of this name at this number: nothing of ours to take back */
  target = find_target_by_tid (targets, export->tid);
  if (target == NULL || !g_str_equal (target->name, export->iqn)
      || !str_array_contains (target->acls, initiator))
    return TRUE;

  {
    const char *args[] = { "--mode", "target", "--op", "unbind", "--tid", tid, "--initiator-name", initiator,
                           NULL };

    if (!tgtadm (self, args, &reply, error))
      return FALSE;
  }
  if (reply.status == 0 || refused (&reply, REFUSED_NO_RULE) || refused (&reply, REFUSED_NO_TARGET))
    return TRUE;
  return fail (&reply, error, NOVA_VOLUME_ERROR_FAILED, "cannot deny %s on iSCSI target %s (%s)", initiator,
               tid, export->iqn);
}

static gboolean
nova_iscsi_tgtadm_export_exists (NovaIscsiTarget *iface, const NovaIscsiExport *export, gboolean *out_exists,
                                 GError **error)
{
  NovaIscsiTgtadm *self = NOVA_ISCSI_TGTADM (iface);
  g_autoptr(GPtrArray) targets = NULL;
  TgtTarget *target;

  if (!check_export (export, error))
    return FALSE;
  if ((targets = show_targets (self, error)) == NULL)
    return FALSE;
  target = find_target_by_tid (targets, export->tid);
  *out_exists = target != NULL && g_str_equal (target->name, export->iqn)
                && g_hash_table_contains (target->luns, GUINT_TO_POINTER (NOVA_ISCSI_TGTADM_LUN));
  return TRUE;
}

/* the object */

static void
nova_iscsi_tgtadm_target_init (NovaIscsiTargetInterface *iface)
{
  iface->get_lun = nova_iscsi_tgtadm_get_lun;
  iface->ensure_export = nova_iscsi_tgtadm_ensure_export;
  iface->remove_export = nova_iscsi_tgtadm_remove_export;
  iface->allow_initiator = nova_iscsi_tgtadm_allow_initiator;
  iface->deny_initiator = nova_iscsi_tgtadm_deny_initiator;
  iface->export_exists = nova_iscsi_tgtadm_export_exists;
  iface->refresh_size = nova_iscsi_tgtadm_refresh_size;
}

static void
nova_iscsi_tgtadm_finalize (GObject *object)
{
  NovaIscsiTgtadm *self = NOVA_ISCSI_TGTADM (object);

  g_clear_object (&self->executor);
  g_free (self->control);

  G_OBJECT_CLASS (nova_iscsi_tgtadm_parent_class)->finalize (object);
}

static void
nova_iscsi_tgtadm_class_init (NovaIscsiTgtadmClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_iscsi_tgtadm_finalize;
}

static void
nova_iscsi_tgtadm_init (NovaIscsiTgtadm *self)
{
}

NovaIscsiTarget *
nova_iscsi_tgtadm_new (NovaVolumeExecutor *executor, const char *control)
{
  NovaIscsiTgtadm *self;

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (executor), NULL);
  g_return_val_if_fail (control == NULL || *control != '\0', NULL);

  self = g_object_new (NOVA_TYPE_ISCSI_TGTADM, NULL);
  self->executor = g_object_ref (executor);
  self->control = g_strdup (control);
  return NOVA_ISCSI_TARGET (self);
}
