/* nova-volume: a tgtd kept in memory that answers tgtadm's command lines */
#include "config.h"

#include <string.h>

#include "nova-volume-fake-tgtd.h"

/* tgtadm's exit status for every refusal */
#define TGTADM_REFUSED 22

typedef struct {
  guint  lun;
  char  *path;
} FakeLun;

typedef struct {
  guint      tid;
  char      *name;
  GPtrArray *luns;     /* of FakeLun, by number; LUN 0 (the controller) is implied */
  GPtrArray *accounts; /* users bound, in the order they were */
  GPtrArray *acls;     /* initiator names and addresses, in the order they were */
} FakeTarget;

struct _NovaIscsiFakeTgtd {
  GMutex     lock;
  GPtrArray *targets;  /* of FakeTarget, by number */
  GPtrArray *accounts; /* user names, in the order they were made */
};

/* what one tgtadm command line asks */
typedef struct {
  const char *mode;
  const char *op;
  const char *tid;
  const char *lun;
  const char *targetname;
  const char *backing_store;
  const char *user;
  const char *password;
  const char *initiator_name;
  const char *initiator_address;
} Request;

/* the answer to it */
typedef struct {
  int   status;
  char *out;
  char *err;
} Answer;

static void
fake_lun_free (gpointer data)
{
  FakeLun *lun = data;

  g_free (lun->path);
  g_free (lun);
}

static void
fake_target_free (gpointer data)
{
  FakeTarget *target = data;

  g_free (target->name);
  g_ptr_array_unref (target->luns);
  g_ptr_array_unref (target->accounts);
  g_ptr_array_unref (target->acls);
  g_free (target);
}

NovaIscsiFakeTgtd *
nova_iscsi_fake_tgtd_new (void)
{
  NovaIscsiFakeTgtd *self = g_new0 (NovaIscsiFakeTgtd, 1);

  g_mutex_init (&self->lock);
  self->targets = g_ptr_array_new_with_free_func (fake_target_free);
  self->accounts = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
nova_iscsi_fake_tgtd_free (NovaIscsiFakeTgtd *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->targets);
  g_ptr_array_unref (self->accounts);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static gboolean
refuse (Answer *answer, const char *reason)
{
  answer->status = TGTADM_REFUSED;
  answer->err = g_strdup_printf ("tgtadm: %s\n", reason);
  return TRUE;
}

static gboolean
has_string (GPtrArray *array, const char *text, guint *out_index)
{
  return g_ptr_array_find_with_equal_func (array, text, g_str_equal, out_index);
}

/* "N" with N >= @min, or FALSE */
static gboolean
parse_uint (const char *text, guint min, guint *out)
{
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, min, G_MAXUINT, &value, NULL))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

static FakeTarget *
find_target (NovaIscsiFakeTgtd *self, guint tid, guint *out_index)
{
  for (guint i = 0; i < self->targets->len; i++)
    {
      FakeTarget *target = g_ptr_array_index (self->targets, i);

      if (target->tid == tid)
        {
          if (out_index != NULL)
            *out_index = i;
          return target;
        }
    }
  return NULL;
}

static FakeLun *
find_lun (FakeTarget *target, guint lun, guint *out_index)
{
  for (guint i = 0; i < target->luns->len; i++)
    {
      FakeLun *found = g_ptr_array_index (target->luns, i);

      if (found->lun == lun)
        {
          if (out_index != NULL)
            *out_index = i;
          return found;
        }
    }
  return NULL;
}

/* the target the request's --tid names; refuses as tgtd does when there
 * is none */
static FakeTarget *
request_target (NovaIscsiFakeTgtd *self, const Request *request, Answer *answer)
{
  FakeTarget *target;
  guint tid;

  if (!parse_uint (request->tid, 1, &tid))
    {
      refuse (answer, "invalid request");
      return NULL;
    }
  if ((target = find_target (self, tid, NULL)) == NULL)
    refuse (answer, "can't find the target");
  return target;
}

/* parsing */

/* the option words that take a value, and where it goes */
static const char **
option_slot (Request *request, const char *option)
{
  static const struct {
    const char *option;
    gsize       offset;
  } options[] = {
    { "--mode", G_STRUCT_OFFSET (Request, mode) },
    { "--op", G_STRUCT_OFFSET (Request, op) },
    { "--tid", G_STRUCT_OFFSET (Request, tid) },
    { "--lun", G_STRUCT_OFFSET (Request, lun) },
    { "--targetname", G_STRUCT_OFFSET (Request, targetname) },
    { "--backing-store", G_STRUCT_OFFSET (Request, backing_store) },
    { "--user", G_STRUCT_OFFSET (Request, user) },
    { "--password", G_STRUCT_OFFSET (Request, password) },
    { "--initiator-name", G_STRUCT_OFFSET (Request, initiator_name) },
    { "--initiator-address", G_STRUCT_OFFSET (Request, initiator_address) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_str_equal (option, options[i].option))
      return G_STRUCT_MEMBER_P (request, options[i].offset);
  return NULL;
}

/* "tgtadm [-C N] --lld iscsi [options]"; FALSE for anything tgtadm
 * would refuse to parse */
static gboolean
parse_request (const char *const *argv, Request *request)
{
  gboolean iscsi = FALSE;

  memset (request, 0, sizeof *request);
  for (gsize i = 1; argv[i] != NULL; i++)
    {
      const char *option = argv[i];
      const char **slot;

      if (g_str_equal (option, "--force"))
        continue;
      if (argv[i + 1] == NULL)
        return FALSE;
      if (g_str_equal (option, "-C"))
        i++;
      else if (g_str_equal (option, "--lld"))
        iscsi = g_str_equal (argv[++i], "iscsi");
      else if ((slot = option_slot (request, option)) != NULL)
        *slot = argv[++i];
      else
        return FALSE;
    }
  return iscsi && request->mode != NULL && request->op != NULL;
}

/* show */

static void
append_lun (GString *out, guint lun, const char *type, const char *backing_type, const char *path)
{
  g_string_append_printf (out,
                          "        LUN: %u\n"
                          "            Type: %s\n"
                          "            Online: Yes\n"
                          "            Backing store type: %s\n"
                          "            Backing store path: %s\n",
                          lun, type, backing_type, path);
}

static void
append_list (GString *out, const char *header, GPtrArray *items)
{
  g_string_append_printf (out, "    %s\n", header);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (out, "        %s\n", (const char *) g_ptr_array_index (items, i));
}

static char *
show_targets (NovaIscsiFakeTgtd *self)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->targets->len; i++)
    {
      FakeTarget *target = g_ptr_array_index (self->targets, i);

      g_string_append_printf (out,
                              "Target %u: %s\n"
                              "    System information:\n"
                              "        Driver: iscsi\n"
                              "        State: ready\n"
                              "    I_T nexus information:\n"
                              "    LUN information:\n",
                              target->tid, target->name);
      append_lun (out, 0, "controller", "null", "None");
      for (guint j = 0; j < target->luns->len; j++)
        {
          FakeLun *lun = g_ptr_array_index (target->luns, j);

          append_lun (out, lun->lun, "disk", "rdwr", lun->path);
        }
      append_list (out, "Account information:", target->accounts);
      append_list (out, "ACL information:", target->acls);
    }
  return g_string_free (out, FALSE);
}

static char *
show_accounts (NovaIscsiFakeTgtd *self)
{
  GString *out = g_string_new ("Account list:\n");

  for (guint i = 0; i < self->accounts->len; i++)
    g_string_append_printf (out, "    %s\n", (const char *) g_ptr_array_index (self->accounts, i));
  return g_string_free (out, FALSE);
}

/* the modes */

static gboolean
target_new (NovaIscsiFakeTgtd *self, const Request *request, Answer *answer)
{
  FakeTarget *target;
  guint tid;
  guint at;

  if (!parse_uint (request->tid, 1, &tid) || request->targetname == NULL)
    return refuse (answer, "invalid request");
  for (guint i = 0; i < self->targets->len; i++)
    {
      FakeTarget *other = g_ptr_array_index (self->targets, i);

      /* tgtd says the same for a taken number and a taken name */
      if (other->tid == tid || g_str_equal (other->name, request->targetname))
        return refuse (answer, "this target already exists");
    }

  target = g_new0 (FakeTarget, 1);
  target->tid = tid;
  target->name = g_strdup (request->targetname);
  target->luns = g_ptr_array_new_with_free_func (fake_lun_free);
  target->accounts = g_ptr_array_new_with_free_func (g_free);
  target->acls = g_ptr_array_new_with_free_func (g_free);
  for (at = 0; at < self->targets->len; at++)
    if (((FakeTarget *) g_ptr_array_index (self->targets, at))->tid > tid)
      break;
  g_ptr_array_insert (self->targets, (gint) at, target);
  return TRUE;
}

static gboolean
target_rule (FakeTarget *target, const Request *request, gboolean bind, Answer *answer)
{
  const char *rule = request->initiator_name != NULL ? request->initiator_name : request->initiator_address;
  guint index;

  if (rule == NULL || (request->initiator_name != NULL && request->initiator_address != NULL))
    return refuse (answer, "invalid request");
  if (bind)
    {
      if (has_string (target->acls, rule, NULL))
        return refuse (answer, "this access control rule already exists");
      g_ptr_array_add (target->acls, g_strdup (rule));
    }
  else
    {
      if (!has_string (target->acls, rule, &index))
        return refuse (answer, "this access control rule does not exist");
      g_ptr_array_remove_index (target->acls, index);
    }
  return TRUE;
}

static gboolean
mode_target (NovaIscsiFakeTgtd *self, const Request *request, Answer *answer)
{
  FakeTarget *target;
  guint index = 0;

  if (g_str_equal (request->op, "show"))
    {
      answer->out = show_targets (self);
      return TRUE;
    }
  if (g_str_equal (request->op, "new"))
    return target_new (self, request, answer);
  if ((target = request_target (self, request, answer)) == NULL)
    return TRUE;
  if (g_str_equal (request->op, "delete"))
    {
      find_target (self, target->tid, &index);
      g_ptr_array_remove_index (self->targets, index);
      return TRUE;
    }
  if (g_str_equal (request->op, "bind") || g_str_equal (request->op, "unbind"))
    return target_rule (target, request, g_str_equal (request->op, "bind"), answer);
  return refuse (answer, "invalid request");
}

static gboolean
mode_logicalunit (NovaIscsiFakeTgtd *self, const Request *request, Answer *answer)
{
  FakeTarget *target;
  FakeLun *lun;
  guint number;
  guint index = 0;

  if (!parse_uint (request->lun, 0, &number))
    return refuse (answer, "invalid request");
  if ((target = request_target (self, request, answer)) == NULL)
    return TRUE;
  if (g_str_equal (request->op, "new"))
    {
      if (request->backing_store == NULL)
        return refuse (answer, "invalid request");
      if (number == 0 || find_lun (target, number, NULL) != NULL)
        return refuse (answer, "this logical unit number already exists");
      lun = g_new0 (FakeLun, 1);
      lun->lun = number;
      lun->path = g_strdup (request->backing_store);
      for (index = 0; index < target->luns->len; index++)
        if (((FakeLun *) g_ptr_array_index (target->luns, index))->lun > number)
          break;
      g_ptr_array_insert (target->luns, (gint) index, lun);
      return TRUE;
    }
  if (g_str_equal (request->op, "delete"))
    {
      if (find_lun (target, number, &index) == NULL)
        return refuse (answer, "can't find the logical unit");
      g_ptr_array_remove_index (target->luns, index);
      return TRUE;
    }
  return refuse (answer, "invalid request");
}

static gboolean
mode_account (NovaIscsiFakeTgtd *self, const Request *request, Answer *answer)
{
  FakeTarget *target;
  guint index = 0;

  if (g_str_equal (request->op, "show"))
    {
      answer->out = show_accounts (self);
      return TRUE;
    }
  if (request->user == NULL)
    return refuse (answer, "invalid request");
  if (g_str_equal (request->op, "new"))
    {
      if (request->password == NULL)
        return refuse (answer, "invalid request");
      if (has_string (self->accounts, request->user, NULL))
        return refuse (answer, "this account already exists");
      g_ptr_array_add (self->accounts, g_strdup (request->user));
      return TRUE;
    }
  if (g_str_equal (request->op, "delete"))
    {
      if (!has_string (self->accounts, request->user, &index))
        return refuse (answer, "can't find the account");
      g_ptr_array_remove_index (self->accounts, index);
      /* tgtd takes the account off every target with it */
      for (guint i = 0; i < self->targets->len; i++)
        {
          FakeTarget *other = g_ptr_array_index (self->targets, i);

          if (has_string (other->accounts, request->user, &index))
            g_ptr_array_remove_index (other->accounts, index);
        }
      return TRUE;
    }
  if (!g_str_equal (request->op, "bind") && !g_str_equal (request->op, "unbind"))
    return refuse (answer, "invalid request");
  if ((target = request_target (self, request, answer)) == NULL)
    return TRUE;
  if (g_str_equal (request->op, "bind"))
    {
      if (!has_string (self->accounts, request->user, NULL))
        return refuse (answer, "can't find the account");
      /* tgtd's words for an account bound already */
      if (has_string (target->accounts, request->user, NULL))
        return refuse (answer, "this account already exists");
      g_ptr_array_add (target->accounts, g_strdup (request->user));
      return TRUE;
    }
  if (!has_string (target->accounts, request->user, &index))
    return refuse (answer, "can't find the account");
  g_ptr_array_remove_index (target->accounts, index);
  return TRUE;
}

gboolean
nova_iscsi_fake_tgtd_answer (const char *const *argv, int *out_exit_status, char **out_stdout,
                             char **out_stderr, gpointer fake_tgtd)
{
  NovaIscsiFakeTgtd *self = fake_tgtd;
  g_autoptr(GMutexLocker) locker = NULL;
  Answer answer = { 0, NULL, NULL };
  Request request;

  g_return_val_if_fail (self != NULL, FALSE);
  if (argv == NULL || argv[0] == NULL || !g_str_equal (argv[0], "tgtadm"))
    return FALSE;

  locker = g_mutex_locker_new (&self->lock);
  if (!parse_request (argv, &request))
    refuse (&answer, "invalid request");
  else if (g_str_equal (request.mode, "target"))
    mode_target (self, &request, &answer);
  else if (g_str_equal (request.mode, "logicalunit"))
    mode_logicalunit (self, &request, &answer);
  else if (g_str_equal (request.mode, "account"))
    mode_account (self, &request, &answer);
  else
    refuse (&answer, "invalid request");

  *out_exit_status = answer.status;
  *out_stdout = answer.out;
  *out_stderr = answer.err;
  return TRUE;
}

void
nova_iscsi_fake_tgtd_attach (NovaVolumeRecordingExecutor *executor)
{
  nova_volume_recording_executor_set_responder (executor, nova_iscsi_fake_tgtd_answer,
                                                nova_iscsi_fake_tgtd_new (),
                                                (GDestroyNotify) nova_iscsi_fake_tgtd_free);
}

static char *
join_strings (GPtrArray *items)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "", (const char *) g_ptr_array_index (items, i));
  return g_string_free (out, FALSE);
}

GStrv
nova_iscsi_fake_tgtd_describe (NovaIscsiFakeTgtd *self)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  locker = g_mutex_locker_new (&self->lock);
  for (guint i = 0; i < self->targets->len; i++)
    {
      FakeTarget *target = g_ptr_array_index (self->targets, i);
      g_autoptr(GString) luns = g_string_new (NULL);
      g_autofree char *accounts = join_strings (target->accounts);
      g_autofree char *acls = join_strings (target->acls);

      for (guint j = 0; j < target->luns->len; j++)
        {
          FakeLun *lun = g_ptr_array_index (target->luns, j);

          g_string_append_printf (luns, "%s%u:%s", j > 0 ? "," : "", lun->lun, lun->path);
        }
      g_autofree char *line = g_strdup_printf ("%u %s luns=%s accounts=%s acls=%s", target->tid, target->name,
                                               luns->str, accounts, acls);

      g_strv_builder_add (lines, line);
    }
  return g_strv_builder_end (lines);
}
