/* nova-volume: tests for the tgtadm target helper (NovaIscsiTgtadm) with
 * a recording executor: the exact tgtadm command lines, idempotence (what
 * tgtd already shows is not made again, "already exists" and "can't find"
 * refusals are success where they mean it), each refusal and an
 * unreachable tgtd as an error a person can act on, and the CHAP secret
 * nowhere but in the command tgtadm gets. The real tgtd: test-tgt.sh. */
#include "config.h"

#include <string.h>

#include "nova-volume-error.h"
#include "nova-volume-fake-tgtd.h"
#include "nova-volume-iscsi-tgtadm.h"
#include "nova-volume-recording-executor.h"

#define IQN       "iqn.2010-10.org.openstack:volume-0001"
#define OTHER_IQN "iqn.2010-10.org.openstack:volume-0002"
#define BACKING   "/dev/nova-volumes/volume-0001"
#define USER      "chapuser01"
#define SECRET    "Zq8sEcReT4xw7TpQ"
#define HOST1     "iqn.1994-05.com.example:host1"
#define HOST2     "iqn.1994-05.com.example:host2"

#define TGTADM "tgtadm --lld iscsi "
#define SHOW_TARGETS  TGTADM "--mode target --op show"
#define SHOW_ACCOUNTS TGTADM "--mode account --op show"
#define NEW_TARGET    TGTADM "--mode target --op new --tid 3 --targetname " IQN
#define NEW_LUN       TGTADM "--mode logicalunit --op new --tid 3 --lun 1 --backing-store " BACKING
#define NEW_ACCOUNT   TGTADM "--mode account --op new --user " USER " --password '********'"
#define BIND_ACCOUNT  TGTADM "--mode account --op bind --tid 3 --user " USER
#define DELETE_TARGET TGTADM "--mode target --op delete --force --tid 3"
#define DELETE_ACCOUNT TGTADM "--mode account --op delete --user " USER

#define UNREACHABLE "tgtadm: failed to send request hdr to tgt daemon, Transport endpoint is not connected\n"

static const NovaIscsiExport export = {
  .iqn = IQN,
  .tid = 3,
  .backing_path = BACKING,
  .chap_user = USER,
  .chap_secret = SECRET,
};

/* every log line of the process, for the secret test */
static GMutex log_lock;
static GPtrArray *log_lines;

static GLogWriterOutput
capture_log (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&log_lock);

        g_ptr_array_add (log_lines, g_strdup (fields[i].value));
      }
  /* debug lines are captured, not printed (G_MESSAGES_DEBUG=all is only
   * for this capture) */
  if (log_level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* tgtadm's show output */

typedef struct {
  guint       tid;
  const char *name;
  const char *backing;  /* LUN 1, NULL: only the controller */
  const char *accounts; /* comma-separated, NULL: none */
  const char *acls;     /* comma-separated, NULL: none */
} ShownTarget;

static void
append_list (GString *out, const char *header, const char *list)
{
  g_string_append_printf (out, "    %s\n", header);
  if (list != NULL)
    {
      g_auto(GStrv) items = g_strsplit (list, ",", -1);

      for (gsize i = 0; items[i] != NULL; i++)
        g_string_append_printf (out, "        %s\n", items[i]);
    }
}

static void
append_lun (GString *out, guint tid, guint lun, const char *type, const char *path)
{
  g_string_append_printf (out,
                          "        LUN: %u\n"
                          "            Type: %s\n"
                          "            SCSI ID: IET     %04x%04x\n"
                          "            Online: Yes\n"
                          "            Backing store type: %s\n"
                          "            Backing store path: %s\n"
                          "            Backing store flags: \n",
                          lun, type, tid, lun, path != NULL ? "rdwr" : "null", path != NULL ? path : "None");
}

/* what tgtadm 1.0.85 prints for @targets (n of them) */
static char *
show_output (const ShownTarget *targets, gsize n)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      const ShownTarget *target = &targets[i];

      g_string_append_printf (out,
                              "Target %u: %s\n"
                              "    System information:\n"
                              "        Driver: iscsi\n"
                              "        State: ready\n"
                              "    I_T nexus information:\n"
                              "        I_T nexus: 2\n"
                              "            Initiator: iqn.1994-05.com.example:host9 alias: none\n"
                              "            Connection: 0\n"
                              "                IP Address: 127.0.0.1\n"
                              "    LUN information:\n",
                              target->tid, target->name);
      append_lun (out, target->tid, 0, "controller", NULL);
      if (target->backing != NULL)
        append_lun (out, target->tid, 1, "disk", target->backing);
      append_list (out, "Account information:", target->accounts);
      append_list (out, "ACL information:", target->acls);
    }
  return g_string_free (out, FALSE);
}

static const ShownTarget complete = { 3, IQN, BACKING, USER ",mutual (outgoing)", NULL };

/* the fixture */

typedef struct {
  NovaVolumeRecordingExecutor *recorder;
  NovaIscsiTarget             *helper;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->recorder = nova_volume_recording_executor_new ();
  fx->helper = nova_iscsi_tgtadm_new (NOVA_VOLUME_EXECUTOR (fx->recorder), data);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->helper);
  g_clear_object (&fx->recorder);
}

static void
push (Fixture *fx, int status, const char *out, const char *err)
{
  nova_volume_recording_executor_push_result (fx->recorder, status, out, err);
}

static void
push_show (Fixture *fx, const ShownTarget *targets, gsize n)
{
  g_autofree char *text = show_output (targets, n);

  push (fx, 0, text, NULL);
}

/* the command lines run so far are exactly the arguments (NULL ends) */
G_GNUC_NULL_TERMINATED static void
assert_commands (Fixture *fx, ...)
{
  g_auto(GStrv) lines = nova_volume_recording_executor_get_command_lines (fx->recorder);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  const char *line;
  va_list args;

  va_start (args, fx);
  while ((line = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (expected, (gpointer) line);
  va_end (args);
  g_ptr_array_add (expected, NULL);

  g_assert_cmpstrv (lines, (const char *const *) expected->pdata);
}

static guint
count_commands (Fixture *fx)
{
  g_autoptr(GPtrArray) commands = nova_volume_recording_executor_get_commands (fx->recorder);

  return commands->len;
}

static void
assert_message_contains (const GError *error, const char *part)
{
  if (strstr (error->message, part) == NULL)
    g_error ("error message \"%s\" does not contain \"%s\"", error->message, part);
}

/* the tests */

static void
test_lun (Fixture *fx, gconstpointer data)
{
  g_assert_cmpuint (nova_iscsi_target_get_lun (fx->helper), ==, 1);
}

static void
test_ensure_new (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  push (fx, 0, "", NULL);               /* no targets */
  push (fx, 0, "", NULL);               /* new target */
  push (fx, 0, "", NULL);               /* new LUN */
  push (fx, 0, "Account list:\n", NULL);
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, NEW_TARGET, NEW_LUN, SHOW_ACCOUNTS, NEW_ACCOUNT, BIND_ACCOUNT, NULL);
}

static void
test_ensure_control (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  push (fx, 0, "", NULL);
  push (fx, 0, "", NULL);
  push (fx, 0, "", NULL);
  push (fx, 0, "Account list:\n", NULL);
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx,
                   "tgtadm -C 4711 --lld iscsi --mode target --op show",
                   "tgtadm -C 4711 --lld iscsi --mode target --op new --tid 3 --targetname " IQN,
                   "tgtadm -C 4711 --lld iscsi --mode logicalunit --op new --tid 3 --lun 1 --backing-store " BACKING,
                   "tgtadm -C 4711 --lld iscsi --mode account --op show",
                   "tgtadm -C 4711 --lld iscsi --mode account --op new --user " USER " --password '********'",
                   "tgtadm -C 4711 --lld iscsi --mode account --op bind --tid 3 --user " USER,
                   NULL);
}

/* all there (an outgoing account is not the volume's way in): one look */
static void
test_ensure_complete (Fixture *fx, gconstpointer data)
{
  const ShownTarget shown[] = { { 1, OTHER_IQN, "/dev/x", "other", HOST1 }, complete };
  g_autoptr(GError) error = NULL;

  push_show (fx, shown, G_N_ELEMENTS (shown));
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, NULL);
}

/* made between the look and the command: "already exists" is success
 * once tgtd shows it with our number and name */
static void
test_ensure_target_exists (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  push (fx, 0, "", NULL);
  push (fx, 22, "", "tgtadm: this target already exists\n");
  push_show (fx, &complete, 1);
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, NEW_TARGET, SHOW_TARGETS, NULL);
}

/* ... and an error when what appeared is someone else's */
static void
test_ensure_target_exists_other (Fixture *fx, gconstpointer data)
{
  const ShownTarget other = { 3, OTHER_IQN, "/dev/x", NULL, NULL };
  g_autoptr(GError) error = NULL;

  push (fx, 0, "", NULL);
  push (fx, 22, "", "tgtadm: this target already exists\n");
  push_show (fx, &other, 1);
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  assert_message_contains (error, OTHER_IQN);
  assert_commands (fx, SHOW_TARGETS, NEW_TARGET, SHOW_TARGETS, NULL);
}

/* the store's number or name taken by another target: nothing changed */
static void
test_ensure_taken (Fixture *fx, gconstpointer data)
{
  const ShownTarget number_taken = { 3, OTHER_IQN, "/dev/x", NULL, NULL };
  const ShownTarget name_elsewhere = { 7, IQN, BACKING, USER, NULL };
  g_autoptr(GError) error = NULL;

  push_show (fx, &number_taken, 1);
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  assert_message_contains (error, "iSCSI target number 3 is " OTHER_IQN " in tgtd, not " IQN);
  assert_message_contains (error, "--op delete --tid 3");
  g_clear_error (&error);

  push_show (fx, &name_elsewhere, 1);
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  assert_message_contains (error, IQN " is iSCSI target number 7 in tgtd, not 3");
  assert_commands (fx, SHOW_TARGETS, SHOW_TARGETS, NULL);
}

static void
test_ensure_lun (Fixture *fx, gconstpointer data)
{
  const ShownTarget no_lun = { 3, IQN, NULL, USER, NULL };
  const ShownTarget other_lun = { 3, IQN, "/dev/nova-volumes/volume-0002", USER, NULL };
  g_autoptr(GError) error = NULL;

  /* missing: made; "already exists" from a race: fine */
  push_show (fx, &no_lun, 1);
  push (fx, 22, "", "tgtadm: this logical unit number already exists\n");
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, NEW_LUN, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* another device behind our LUN: never exported as ours */
  push_show (fx, &other_lun, 1);
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  assert_message_contains (error, "LUN 1 of iSCSI target 3 (" IQN ") is /dev/nova-volumes/volume-0002 in tgtd, "
                           "not " BACKING);
  g_clear_error (&error);
  assert_commands (fx, SHOW_TARGETS, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* tgtd cannot open the device: "invalid request" said in our words */
  push_show (fx, &no_lun, 1);
  push (fx, 22, "", "tgtadm: invalid request\n");
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "tgtd cannot open " BACKING " as LUN 1 of iSCSI target 3 (" IQN "): check that it exists "
                   "and that tgtd may read and write it: tgtadm exited with status 22: tgtadm: invalid request");
}

static void
test_ensure_account (Fixture *fx, gconstpointer data)
{
  const ShownTarget unbound = { 3, IQN, BACKING, NULL, HOST1 };
  const ShownTarget stale[] = { { 3, IQN, BACKING, "olduser", HOST1 } };
  const ShownTarget elsewhere[] = { { 3, IQN, BACKING, NULL, NULL }, { 5, OTHER_IQN, "/dev/x", USER, NULL } };
  g_autoptr(GError) error = NULL;

  /* an account left unbound is made again: tgt never shows its secret */
  push_show (fx, &unbound, 1);
  push (fx, 0, "Account list:\n    " USER "\n", NULL);
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, SHOW_ACCOUNTS, DELETE_ACCOUNT, NEW_ACCOUNT, BIND_ACCOUNT, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* bound meanwhile: tgt says "already exists", which is success */
  push_show (fx, &unbound, 1);
  push (fx, 0, "Account list:\n", NULL);
  push (fx, 0, "", NULL);
  push (fx, 22, "", "tgtadm: this account already exists\n");
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, SHOW_ACCOUNTS, NEW_ACCOUNT, BIND_ACCOUNT, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* another account on our target: ours bound first, then it goes */
  push_show (fx, stale, G_N_ELEMENTS (stale));
  push (fx, 0, "Account list:\n    olduser\n", NULL);
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, SHOW_ACCOUNTS, NEW_ACCOUNT, BIND_ACCOUNT,
                   TGTADM "--mode account --op unbind --tid 3 --user olduser", NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* our user bound to another target: never deleted under it */
  push_show (fx, elsewhere, G_N_ELEMENTS (elsewhere));
  push (fx, 0, "Account list:\n    " USER "\n", NULL);
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  assert_message_contains (error, "CHAP user " USER " of " IQN " is bound to iSCSI target 5");
  assert_commands (fx, SHOW_TARGETS, SHOW_ACCOUNTS, NULL);
}

/* no CHAP (tests only): no account, and none left bound */
static void
test_ensure_no_chap (Fixture *fx, gconstpointer data)
{
  const NovaIscsiExport open_export = { .iqn = IQN, .tid = 3, .backing_path = BACKING };
  const ShownTarget bound = { 3, IQN, BACKING, "olduser", NULL };
  g_autoptr(GError) error = NULL;

  push_show (fx, &bound, 1);
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &open_export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, TGTADM "--mode account --op unbind --tid 3 --user olduser", NULL);
}

/* address rules (the seed bound ALL) switch tgt's name check off: taken
 * away, names kept */
static void
test_ensure_address_rules (Fixture *fx, gconstpointer data)
{
  const ShownTarget open_to_all = { 3, IQN, BACKING, USER, "ALL," HOST1 ",10.0.0.0/8" };
  g_autoptr(GError) error = NULL;

  push_show (fx, &open_to_all, 1);
  push (fx, 0, "", NULL);
  push (fx, 22, "", "tgtadm: this access control rule does not exist\n");
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS,
                   TGTADM "--mode target --op unbind --tid 3 --initiator-address ALL",
                   TGTADM "--mode target --op unbind --tid 3 --initiator-address 10.0.0.0/8", NULL);
}

static void
test_ensure_invalid (Fixture *fx, gconstpointer data)
{
  const NovaIscsiExport no_secret = { .iqn = IQN, .tid = 3, .backing_path = BACKING, .chap_user = USER };
  const NovaIscsiExport no_tid = { .iqn = IQN, .backing_path = BACKING };
  g_autoptr(GError) error = NULL;

  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &no_secret, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &no_tid, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  assert_commands (fx, NULL);
}

/* exit 107: asked again (the executor's tries), then an error that says
 * to start tgtd */
static void
test_unreachable (Fixture *fx, gconstpointer data)
{
  gboolean exists = TRUE;
  g_autoptr(GError) error = NULL;

  push (fx, 107, "", UNREACHABLE);
  g_assert_false (nova_iscsi_target_export_exists (fx->helper, &export, &exists, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  if (data == NULL)
    g_assert_cmpstr (error->message, ==,
                     "tgtd is not running or cannot be reached (tgtadm exited with status 107: "
                     "tgtadm: failed to send request hdr to tgt daemon, Transport endpoint is not connected): "
                     "start it (systemctl start tgt) and try again");
  else
    g_assert_cmpstr (error->message, ==,
                     "tgtd is not running on control port 4711 or cannot be reached "
                     "(tgtadm -C 4711 exited with status 107: "
                     "tgtadm: failed to send request hdr to tgt daemon, Transport endpoint is not connected): "
                     "start tgtd with -C 4711");
  g_clear_error (&error);

  /* back on the third try */
  nova_volume_recording_executor_clear (fx->recorder);
  nova_volume_executor_set_tries (NOVA_VOLUME_EXECUTOR (fx->recorder), 3);
  push (fx, 107, "", UNREACHABLE);
  push (fx, 107, "", UNREACHABLE);
  push (fx, 0, "", NULL);
  g_assert_true (nova_iscsi_target_export_exists (fx->helper, &export, &exists, &error));
  g_assert_no_error (error);
  g_assert_false (exists);
  g_assert_cmpuint (count_commands (fx), ==, 3);

  /* not a fourth */
  nova_volume_recording_executor_clear (fx->recorder);
  for (guint i = 0; i < 4; i++)
    push (fx, 107, "", UNREACHABLE);
  g_assert_false (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpuint (count_commands (fx), ==, 3);
}

/* tgtadm missing: the real executor, nothing on PATH */
static void
test_not_installed (void)
{
  g_autofree char *path = g_strdup (g_getenv ("PATH"));
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaIscsiTarget) helper = nova_iscsi_tgtadm_new (executor, NULL);
  gboolean exists = FALSE;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_setenv ("PATH", "/nonexistent", TRUE);
  ok = nova_iscsi_target_export_exists (helper, &export, &exists, &error);
  g_setenv ("PATH", path, TRUE);
  g_assert_false (ok);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  assert_message_contains (error, "cannot run tgtadm");
  assert_message_contains (error, "(is the tgt package installed?)");
}

/* a failure that is none of the known refusals keeps tgtadm's words */
static void
test_other_failure (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  push (fx, 0, "", NULL);
  push (fx, 22, "", "tgtadm: out of memory\n");
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "cannot create iSCSI target 3 (" IQN "): tgtadm exited with status 22: tgtadm: out of memory");
  g_clear_error (&error);

  push (fx, 1, "", "");
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_cmpstr (error->message, ==, "cannot list tgtd's targets: tgtadm exited with status 1");
}

static void
test_remove (Fixture *fx, gconstpointer data)
{
  const ShownTarget shown[] = { { 1, OTHER_IQN, "/dev/x", "other", HOST2 }, { 3, IQN, BACKING, USER, HOST1 } };
  g_autoptr(GError) error = NULL;

  push_show (fx, shown, G_N_ELEMENTS (shown));
  g_assert_true (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, DELETE_TARGET, DELETE_ACCOUNT, NULL);
}

/* removing what is gone: success, whatever part is missing */
static void
test_remove_gone (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  push (fx, 0, "", NULL);
  push (fx, 22, "", "tgtadm: can't find the account\n");
  g_assert_true (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, DELETE_ACCOUNT, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* gone between the look and the delete */
  push_show (fx, &complete, 1);
  push (fx, 22, "", "tgtadm: can't find the target\n");
  push (fx, 22, "", "tgtadm: can't find the account\n");
  g_assert_true (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, DELETE_TARGET, DELETE_ACCOUNT, NULL);
}

/* another target at our number is not ours to delete; ours at another
 * number is */
static void
test_remove_elsewhere (Fixture *fx, gconstpointer data)
{
  const ShownTarget shown[] = { { 3, OTHER_IQN, "/dev/x", "other", NULL }, { 7, IQN, BACKING, USER, NULL } };
  const ShownTarget shared[] = { { 3, IQN, BACKING, USER, NULL }, { 4, OTHER_IQN, "/dev/x", USER, NULL } };
  g_autoptr(GError) error = NULL;

  push_show (fx, shown, G_N_ELEMENTS (shown));
  g_assert_true (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, TGTADM "--mode target --op delete --force --tid 7", DELETE_ACCOUNT, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* an account another target uses stays: deleting it would open that
   * target to anyone allowed in, without CHAP */
  push_show (fx, shared, G_N_ELEMENTS (shared));
  g_assert_true (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, DELETE_TARGET, NULL);
}

static void
test_remove_refused (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  push_show (fx, &complete, 1);
  push (fx, 22, "", "tgtadm: invalid request\n");
  g_assert_false (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "cannot delete iSCSI target 3 (" IQN "): tgtadm exited with status 22: tgtadm: invalid request");
  /* the account stays with the target it protects */
  assert_commands (fx, SHOW_TARGETS, DELETE_TARGET, NULL);
}

static void
test_allow (Fixture *fx, gconstpointer data)
{
  const ShownTarget one = { 3, IQN, BACKING, USER, HOST1 };
  g_autoptr(GError) error = NULL;

  push_show (fx, &complete, 1);
  g_assert_true (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, TGTADM "--mode target --op bind --tid 3 --initiator-name " HOST1, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* the same host again: nothing to do */
  push_show (fx, &one, 1);
  g_assert_true (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* a second host (live migration) beside the first; allowed meanwhile
   * ("already exists") is success */
  push_show (fx, &one, 1);
  push (fx, 22, "", "tgtadm: this access control rule already exists\n");
  g_assert_true (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST2, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, TGTADM "--mode target --op bind --tid 3 --initiator-name " HOST2, NULL);
}

static void
test_allow_no_target (Fixture *fx, gconstpointer data)
{
  const ShownTarget other = { 3, OTHER_IQN, "/dev/x", NULL, NULL };
  g_autoptr(GError) error = NULL;

  push (fx, 0, "", NULL);
  g_assert_false (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "iSCSI target 3 (" IQN ") does not exist in tgtd (was tgtd restarted?): ensure the export first");
  g_clear_error (&error);

  /* never a rule on another volume's target */
  push_show (fx, &other, 1);
  g_assert_false (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);

  /* gone between the look and the rule */
  push_show (fx, &complete, 1);
  push (fx, 22, "", "tgtadm: can't find the target\n");
  g_assert_false (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  assert_commands (fx, SHOW_TARGETS, SHOW_TARGETS, SHOW_TARGETS,
                   TGTADM "--mode target --op bind --tid 3 --initiator-name " HOST1, NULL);
}

/* only initiator names: ALL or an address would switch tgt's name check
 * off for every host */
static void
test_allow_invalid (Fixture *fx, gconstpointer data)
{
  const char *const invalid[] = { "ALL", "10.0.0.7", "", "iqn.1994-05.com.example:a b", "host1",
                                  "iqn.1994-05.com.example:\n", NULL };

  for (gsize i = 0; invalid[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (nova_iscsi_target_allow_initiator (fx->helper, &export, invalid[i], &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      assert_message_contains (error, "is not an iSCSI initiator name");
    }
  assert_commands (fx, NULL);
}

static void
test_deny (Fixture *fx, gconstpointer data)
{
  const ShownTarget two = { 3, IQN, BACKING, USER, HOST1 "," HOST2 };
  const ShownTarget one = { 3, IQN, BACKING, USER, HOST2 };
  const char *unbind = TGTADM "--mode target --op unbind --tid 3 --initiator-name " HOST1;
  g_autoptr(GError) error = NULL;

  push_show (fx, &two, 1);
  g_assert_true (nova_iscsi_target_deny_initiator (fx->helper, &export, HOST1, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, unbind, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* not allowed, no target, someone else's target: nothing to do */
  push_show (fx, &one, 1);
  push (fx, 0, "", NULL);
  push_show (fx, (const ShownTarget[]) { { 3, OTHER_IQN, "/dev/x", NULL, HOST1 } }, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (nova_iscsi_target_deny_initiator (fx->helper, &export, HOST1, &error));
      g_assert_no_error (error);
    }
  assert_commands (fx, SHOW_TARGETS, SHOW_TARGETS, SHOW_TARGETS, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* gone between the look and the unbind */
  push_show (fx, &two, 1);
  push (fx, 22, "", "tgtadm: this access control rule does not exist\n");
  push_show (fx, &two, 1);
  push (fx, 22, "", "tgtadm: can't find the target\n");
  g_assert_true (nova_iscsi_target_deny_initiator (fx->helper, &export, HOST1, &error));
  g_assert_true (nova_iscsi_target_deny_initiator (fx->helper, &export, HOST1, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, unbind, SHOW_TARGETS, unbind, NULL);
}

static void
test_exists (Fixture *fx, gconstpointer data)
{
  const ShownTarget no_lun = { 3, IQN, NULL, USER, NULL };
  const ShownTarget other = { 3, OTHER_IQN, BACKING, USER, NULL };
  gboolean exists = FALSE;
  g_autoptr(GError) error = NULL;

  push_show (fx, &complete, 1);
  g_assert_true (nova_iscsi_target_export_exists (fx->helper, &export, &exists, &error));
  g_assert_true (exists);

  push (fx, 0, "", NULL);
  push_show (fx, &no_lun, 1);
  push_show (fx, &other, 1);
  for (guint i = 0; i < 3; i++)
    {
      exists = TRUE;
      g_assert_true (nova_iscsi_target_export_exists (fx->helper, &export, &exists, &error));
      g_assert_no_error (error);
      g_assert_false (exists);
    }
  assert_commands (fx, SHOW_TARGETS, SHOW_TARGETS, SHOW_TARGETS, SHOW_TARGETS, NULL);
}

/* The secret in tgtadm's argv and nowhere else: not in the recording,
 * not in any log line (debug included), not in an error, even when
 * tgtadm repeats it. */
static void
test_secret (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) unmasked = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  gboolean seen = FALSE;

  g_mutex_lock (&log_lock);
  g_ptr_array_set_size (log_lines, 0);
  g_mutex_unlock (&log_lock);

  push (fx, 0, "", NULL);
  push (fx, 0, "", NULL);
  push (fx, 0, "", NULL);
  push (fx, 0, "Account list:\n", NULL);
  push (fx, 22, "", "tgtadm: bad password " SECRET "\n");
  g_assert_false (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "cannot create CHAP account " USER " for " IQN ": "
                   "tgtadm exited with status 22: tgtadm: bad password ********");

  lines = nova_volume_recording_executor_get_command_lines (fx->recorder);
  for (gsize i = 0; lines[i] != NULL; i++)
    g_assert_null (strstr (lines[i], SECRET));
  g_mutex_lock (&log_lock);
  g_assert_cmpuint (log_lines->len, >, 0);
  for (guint i = 0; i < log_lines->len; i++)
    {
      const char *line = g_ptr_array_index (log_lines, i);

      g_assert_null (strstr (line, SECRET));
      seen |= strstr (line, "--password") != NULL;
    }
  g_mutex_unlock (&log_lock);
  /* the capture works: the command was logged, masked */
  g_assert_true (seen);

  /* while tgtadm itself got it */
  unmasked = nova_volume_recording_executor_get_unmasked_commands (fx->recorder);
  g_assert_cmpuint (unmasked->len, ==, 5);
  g_assert_cmpstr (((char **) g_ptr_array_index (unmasked, 4))[10], ==, SECRET);
}

static void
test_parse_extra (Fixture *fx, gconstpointer data)
{
  /* lines a newer tgt might add, an odd name and an empty target list
   * header: the parser skips what it does not know */
  const char *text =
    "Target 3: " IQN "\n"
    "    System information:\n"
    "        Driver: iscsi\n"
    "    Extra section:\n"
    "        LUN: 1\n"
    "            Backing store path: /wrong\n"
    "    LUN information:\n"
    "        LUN: 0\n"
    "            Backing store path: None\n"
    "        LUN: 1\n"
    "            Something new: yes\n"
    "            Backing store path: " BACKING "\n"
    "    Account information:\n"
    "        " USER "\n"
    "    ACL information:\n"
    "        " HOST1 "\n"
    "Target x: not-a-target\n"
    "    ACL information:\n"
    "        " HOST2 "\n";
  gboolean exists = FALSE;
  g_autoptr(GError) error = NULL;

  push (fx, 0, text, NULL);
  g_assert_true (nova_iscsi_target_export_exists (fx->helper, &export, &exists, &error));
  g_assert_true (exists);
  push (fx, 0, text, NULL);
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  push (fx, 0, text, NULL);
  g_assert_true (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, SHOW_TARGETS, SHOW_TARGETS, NULL);
}

/* the fake tgtd (the fake driver's) */

/* the fake tgtd's targets are exactly the lines that follow (NULL ends) */
G_GNUC_NULL_TERMINATED static void
assert_tgtd (NovaIscsiFakeTgtd *tgtd, ...)
{
  g_auto(GStrv) lines = nova_iscsi_fake_tgtd_describe (tgtd);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  va_list args;

  va_start (args, tgtd);
  for (const char *line = va_arg (args, const char *); line != NULL; line = va_arg (args, const char *))
    g_ptr_array_add (expected, (gpointer) line);
  va_end (args);
  g_ptr_array_add (expected, NULL);
  g_assert_cmpstrv (lines, (const char *const *) expected->pdata);
}

static void
run_ok (Fixture *fx, const char *const *argv)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (fx->recorder), argv, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* The helper against the fake tgtd takes the paths it takes against a
 * real one: each step made once, then found; every operation idempotent;
 * removal leaves nothing. */
static void
test_fake_tgtd_round_trip (Fixture *fx, gconstpointer data)
{
  NovaIscsiFakeTgtd *tgtd = nova_iscsi_fake_tgtd_new ();
  g_autoptr(GError) error = NULL;
  gboolean exists = TRUE;

  nova_volume_recording_executor_set_responder (fx->recorder, nova_iscsi_fake_tgtd_answer, tgtd,
                                                (GDestroyNotify) nova_iscsi_fake_tgtd_free);
  g_assert_true (nova_iscsi_target_export_exists (fx->helper, &export, &exists, &error));
  g_assert_false (exists);
  nova_volume_recording_executor_clear (fx->recorder);

  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, NEW_TARGET, NEW_LUN, SHOW_ACCOUNTS, NEW_ACCOUNT, BIND_ACCOUNT, NULL);
  assert_tgtd (tgtd, "3 " IQN " luns=1:" BACKING " accounts=" USER " acls=", NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* again: found as it is */
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_true (nova_iscsi_target_export_exists (fx->helper, &export, &exists, &error));
  g_assert_no_error (error);
  g_assert_true (exists);
  assert_commands (fx, SHOW_TARGETS, SHOW_TARGETS, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* one rule per initiator name, each made once */
  g_assert_true (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_true (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST2, &error));
  g_assert_true (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_no_error (error);
  assert_commands (fx,
                   SHOW_TARGETS, TGTADM "--mode target --op bind --tid 3 --initiator-name " HOST1,
                   SHOW_TARGETS, TGTADM "--mode target --op bind --tid 3 --initiator-name " HOST2,
                   SHOW_TARGETS, NULL);
  assert_tgtd (tgtd, "3 " IQN " luns=1:" BACKING " accounts=" USER " acls=" HOST1 "," HOST2, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  g_assert_true (nova_iscsi_target_deny_initiator (fx->helper, &export, HOST1, &error));
  g_assert_true (nova_iscsi_target_deny_initiator (fx->helper, &export, HOST1, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, TGTADM "--mode target --op unbind --tid 3 --initiator-name " HOST1,
                   SHOW_TARGETS, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* the seed's address rule, left by an old export, is taken off */
  {
    const char *bind_all[] = { "tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "bind", "--tid", "3",
                               "--initiator-address", "ALL", NULL };

    run_ok (fx, bind_all);
    nova_volume_recording_executor_clear (fx->recorder);
  }
  g_assert_true (nova_iscsi_target_ensure_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, TGTADM "--mode target --op unbind --tid 3 --initiator-address ALL", NULL);
  assert_tgtd (tgtd, "3 " IQN " luns=1:" BACKING " accounts=" USER " acls=" HOST2, NULL);
  nova_volume_recording_executor_clear (fx->recorder);

  /* removed with its rules and its account; again, nothing to do */
  g_assert_true (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, DELETE_TARGET, DELETE_ACCOUNT, NULL);
  assert_tgtd (tgtd, NULL);
  nova_volume_recording_executor_clear (fx->recorder);
  g_assert_true (nova_iscsi_target_remove_export (fx->helper, &export, &error));
  g_assert_no_error (error);
  assert_commands (fx, SHOW_TARGETS, DELETE_ACCOUNT, NULL);

  /* allowing on a target that is gone is NotFound, as with tgtd */
  g_assert_false (nova_iscsi_target_allow_initiator (fx->helper, &export, HOST1, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
}

/* What the fake tgtd refuses, it refuses in tgtadm's words */
static void
test_fake_tgtd_refusals (void)
{
  g_autoptr(NovaIscsiFakeTgtd) tgtd = nova_iscsi_fake_tgtd_new ();
  static const struct {
    const char *line;
    int         status;
    const char *err;
  } steps[] = {
    { "lvcreate -L 1b -n x vg", -1, NULL },
    { "tgtadm --lld iscsi --mode target --op new --tid 1 --targetname iqn.a", 0, NULL },
    { "tgtadm --lld iscsi --mode target --op new --tid 1 --targetname iqn.b", 22, "this target already exists" },
    { "tgtadm --lld iscsi --mode target --op new --tid 2 --targetname iqn.a", 22, "this target already exists" },
    { "tgtadm --lld iscsi --mode logicalunit --op new --tid 2 --lun 1 --backing-store /b", 22, "can't find the target" },
    { "tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 0 --backing-store /b", 22,
      "this logical unit number already exists" },
    { "tgtadm -C 7 --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store /b", 0, NULL },
    { "tgtadm --lld iscsi --mode account --op bind --tid 1 --user u", 22, "can't find the account" },
    { "tgtadm --lld iscsi --mode account --op new --user u --password ********", 0, NULL },
    { "tgtadm --lld iscsi --mode account --op new --user u --password ********", 22, "this account already exists" },
    { "tgtadm --lld iscsi --mode account --op bind --tid 1 --user u", 0, NULL },
    { "tgtadm --lld iscsi --mode account --op bind --tid 1 --user u", 22, "this account already exists" },
    { "tgtadm --lld iscsi --mode target --op unbind --tid 1 --initiator-name iqn.h", 22,
      "this access control rule does not exist" },
    { "tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-name iqn.h", 0, NULL },
    { "tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-name iqn.h", 22,
      "this access control rule already exists" },
    { "tgtadm --lld iscsi --mode target --op delete --tid 3", 22, "can't find the target" },
    { "tgtadm --lld iscsi --mode target --op frobnicate --tid 1", 22, "invalid request" },
    { "tgtadm --lld iser --mode target --op show", 22, "invalid request" },
    { "tgtadm --lld iscsi --mode target --op show --bogus 1", 22, "invalid request" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_auto(GStrv) argv = g_strsplit (steps[i].line, " ", -1);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = -1;
      gboolean answered = nova_iscsi_fake_tgtd_answer ((const char *const *) argv, &status, &out, &err, tgtd);

      g_test_message ("%s", steps[i].line);
      if (steps[i].status < 0)
        {
          g_assert_false (answered);
          continue;
        }
      g_assert_true (answered);
      g_assert_cmpint (status, ==, steps[i].status);
      if (steps[i].err == NULL)
        g_assert_null (err);
      else
        {
          g_autofree char *want = g_strdup_printf ("tgtadm: %s\n", steps[i].err);
          g_assert_cmpstr (err, ==, want);
        }
    }
  assert_tgtd (tgtd, "1 iqn.a luns=1:/b accounts=u acls=iqn.h", NULL);

  /* an account deleted goes off its targets too */
  {
    const char *argv[] = { "tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "delete", "--user", "u", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = -1;

    g_assert_true (nova_iscsi_fake_tgtd_answer (argv, &status, &out, &err, tgtd));
    g_assert_cmpint (status, ==, 0);
  }
  assert_tgtd (tgtd, "1 iqn.a luns=1:/b accounts= acls=iqn.h", NULL);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  /* debug lines too, for the secret test's capture (not printed) */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_test_init (&argc, &argv, NULL);
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_log, NULL, NULL);

  ADD ("/tgtadm/lun", test_lun);
  ADD ("/tgtadm/ensure/new", test_ensure_new);
  g_test_add ("/tgtadm/ensure/control", Fixture, "4711", fixture_setup, test_ensure_control, fixture_teardown);
  ADD ("/tgtadm/ensure/complete", test_ensure_complete);
  ADD ("/tgtadm/ensure/target-exists", test_ensure_target_exists);
  ADD ("/tgtadm/ensure/target-exists-other", test_ensure_target_exists_other);
  ADD ("/tgtadm/ensure/taken", test_ensure_taken);
  ADD ("/tgtadm/ensure/lun", test_ensure_lun);
  ADD ("/tgtadm/ensure/account", test_ensure_account);
  ADD ("/tgtadm/ensure/no-chap", test_ensure_no_chap);
  ADD ("/tgtadm/ensure/address-rules", test_ensure_address_rules);
  ADD ("/tgtadm/ensure/invalid", test_ensure_invalid);
  ADD ("/tgtadm/unreachable", test_unreachable);
  g_test_add ("/tgtadm/unreachable-control", Fixture, "4711", fixture_setup, test_unreachable, fixture_teardown);
  g_test_add_func ("/tgtadm/not-installed", test_not_installed);
  ADD ("/tgtadm/other-failure", test_other_failure);
  ADD ("/tgtadm/remove", test_remove);
  ADD ("/tgtadm/remove/gone", test_remove_gone);
  ADD ("/tgtadm/remove/elsewhere", test_remove_elsewhere);
  ADD ("/tgtadm/remove/refused", test_remove_refused);
  ADD ("/tgtadm/allow", test_allow);
  ADD ("/tgtadm/allow/no-target", test_allow_no_target);
  ADD ("/tgtadm/allow/invalid", test_allow_invalid);
  ADD ("/tgtadm/deny", test_deny);
  ADD ("/tgtadm/exists", test_exists);
  ADD ("/tgtadm/secret", test_secret);
  ADD ("/tgtadm/parse-extra", test_parse_extra);
  ADD ("/tgtadm/fake-tgtd/round-trip", test_fake_tgtd_round_trip);
  g_test_add_func ("/tgtadm/fake-tgtd/refusals", test_fake_tgtd_refusals);

  return g_test_run ();
}
