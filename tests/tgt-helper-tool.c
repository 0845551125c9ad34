/* nova-volume: the tgtadm target helper with the real executor, one call
 * per run, for tests/test-tgt.sh against a private tgtd:
 *
 *   tgt-helper-tool CONTROL ensure|remove|exists TID IQN BACKING
 *   tgt-helper-tool CONTROL allow|deny TID IQN BACKING INITIATOR
 *
 * The CHAP user and secret come from the environment
 * (NOVA_TEST_CHAP_USER, NOVA_TEST_CHAP_SECRET), never from argv. exists
 * prints "yes" or "no". A failure prints the helper's error and exits 1;
 * usage errors exit 2. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "nova-volume-iscsi-tgtadm.h"

int
main (int argc, char **argv)
{
  g_autoptr(NovaVolumeExecutor) executor = NULL;
  g_autoptr(NovaIscsiTarget) helper = NULL;
  g_autoptr(GError) error = NULL;
  NovaIscsiExport export = { 0 };
  const char *op;
  guint64 tid;
  gboolean ok;

  setlocale (LC_ALL, "");
  /* stdout is the answer (exists); every log line goes to stderr */
  g_log_writer_default_set_use_stderr (TRUE);
  if (argc < 6 || !g_ascii_string_to_unsigned (argv[3], 10, 1, G_MAXUINT, &tid, NULL))
    {
      fprintf (stderr, "usage: %s CONTROL ensure|remove|exists|allow|deny TID IQN BACKING [INITIATOR]\n",
               argv[0]);
      return 2;
    }
  op = argv[2];
  export.tid = (guint) tid;
  export.iqn = argv[4];
  export.backing_path = argv[5];
  export.chap_user = g_getenv ("NOVA_TEST_CHAP_USER");
  export.chap_secret = g_getenv ("NOVA_TEST_CHAP_SECRET");

  executor = nova_volume_executor_new (3);
  helper = nova_iscsi_tgtadm_new (executor, argv[1]);

  if (g_str_equal (op, "ensure") && argc == 6)
    ok = nova_iscsi_target_ensure_export (helper, &export, &error);
  else if (g_str_equal (op, "remove") && argc == 6)
    ok = nova_iscsi_target_remove_export (helper, &export, &error);
  else if (g_str_equal (op, "exists") && argc == 6)
    {
      gboolean exists = FALSE;

      ok = nova_iscsi_target_export_exists (helper, &export, &exists, &error);
      if (ok)
        printf ("%s\n", exists ? "yes" : "no");
    }
  else if (g_str_equal (op, "allow") && argc == 7)
    ok = nova_iscsi_target_allow_initiator (helper, &export, argv[6], &error);
  else if (g_str_equal (op, "deny") && argc == 7)
    ok = nova_iscsi_target_deny_initiator (helper, &export, argv[6], &error);
  else
    {
      fprintf (stderr, "%s: unknown operation or wrong number of arguments: %s\n", argv[0], op);
      return 2;
    }

  if (!ok)
    {
      fprintf (stderr, "%s %s: %s\n", argv[0], op, error->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
