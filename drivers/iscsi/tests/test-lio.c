/* nova-volume: tests for the lioadm target helper (LIO through configfs),
 * run against a plain directory standing in for configfs: the exact
 * changes it makes, in order, idempotence from any point, the order of
 * removal, CHAP per node ACL, errors a person can act on, and the CHAP
 * secret never written down. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "nova-volume-error.h"
#include "nova-volume-iscsi-lio.h"
#include "nova-volume-lio-plain-tree.h"
#include "test-util.h"

#define IQN       "iqn.2010-10.org.openstack:volume-0001"
#define NAME      "volume-0001"
#define DEVICE    "/dev/nova-volumes/volume-0001"
#define CHAP_USER "chap-user-0001"
#define SECRET    "Sup3r-Secr3t-Pa55word"
#define HOST_A    "iqn.1993-08.org.debian:01:hosta"
#define HOST_B    "iqn.1994-05.com.redhat:hostb"
#define PORTAL_IP "10.0.0.5"

#define TPG       "iscsi/" IQN "/tpgt_1"
#define SO        "core/iblock_1/" NAME

typedef struct {
  char         *root;
  NovaIscsiLio *lio;
  NovaIscsiExport export;
} Fixture;

static void
make_lio_root (const char *root)
{
  g_autofree char *core = g_build_filename (root, "target", "core", NULL);

  g_assert_cmpint (g_mkdir_with_parents (core, 0755), ==, 0);
}

static NovaIscsiLio *
new_lio (const char *root, const char *ip)
{
  NovaIscsiLio *lio = nova_iscsi_lio_new (root, ip, 3260);

  nova_iscsi_lio_set_stand_in (lio, &nova_lio_plain_tree);
  nova_iscsi_lio_set_recording (lio, TRUE);
  return lio;
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->root = test_make_tmp_dir ("nova-volume-lio-XXXXXX");
  make_lio_root (fx->root);
  fx->lio = new_lio (fx->root, PORTAL_IP);
  fx->export = (NovaIscsiExport) {
    .iqn = IQN, .tid = 1, .backing_path = DEVICE, .chap_user = CHAP_USER, .chap_secret = SECRET,
  };
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_object_unref (fx->lio);
  test_remove_tree (fx->root);
  g_free (fx->root);
}

static NovaIscsiTarget *
target_of (Fixture *fx)
{
  return NOVA_ISCSI_TARGET (fx->lio);
}

/* the operations recorded since the last call, then forgotten */
static GStrv
take_ops (NovaIscsiLio *lio)
{
  GStrv ops = nova_iscsi_lio_get_operations (lio);

  nova_iscsi_lio_clear_operations (lio);
  return ops;
}

static void
assert_ops (NovaIscsiLio *lio, const char *const *expected)
{
  g_auto(GStrv) ops = take_ops (lio);
  guint n = g_strv_length (ops);
  guint m = g_strv_length ((GStrv) expected);

  for (guint i = 0; i < MAX (n, m); i++)
    {
      if (i >= n || i >= m || !g_str_equal (ops[i], expected[i]))
        {
          g_autofree char *got = g_strjoinv ("\n  ", ops);
          g_autofree char *want = g_strjoinv ("\n  ", (GStrv) expected);

          g_test_message ("operations:\n  %s\nexpected:\n  %s", got, want);
          g_assert_cmpstr (i < n ? ops[i] : "(none)", ==, i < m ? expected[i] : "(none)");
        }
    }
}

static void
assert_no_ops (NovaIscsiLio *lio)
{
  const char *none[] = { NULL };

  assert_ops (lio, none);
}

static char *
read_attr (Fixture *fx, const char *rel)
{
  g_autofree char *path = g_build_filename (fx->root, "target", rel, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return g_strstrip (text);
}

static gboolean
node_exists (Fixture *fx, const char *rel)
{
  g_autofree char *path = g_build_filename (fx->root, "target", rel, NULL);
  GStatBuf st;

  return g_lstat (path, &st) == 0;
}

/* everything below root/target, one sorted line per entry: "d path",
 * "f path = content", "l path -> target below root" */
static void
snapshot_dir (const char *base, const char *rel, GPtrArray *lines)
{
  g_autofree char *path = rel[0] != '\0' ? g_build_filename (base, rel, NULL) : g_strdup (base);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = rel[0] != '\0' ? g_build_filename (rel, entry, NULL) : g_strdup (entry);
      g_autofree char *child = g_build_filename (base, child_rel, NULL);
      GStatBuf st;

      g_assert_cmpint (g_lstat (child, &st), ==, 0);
      if (S_ISLNK (st.st_mode))
        {
          g_autofree char *target = g_file_read_link (child, NULL);

          g_assert_true (g_str_has_prefix (target, base));
          g_ptr_array_add (lines, g_strdup_printf ("l %s -> %s", child_rel, target + strlen (base)));
        }
      else if (S_ISDIR (st.st_mode))
        {
          g_ptr_array_add (lines, g_strdup_printf ("d %s", child_rel));
          snapshot_dir (base, child_rel, lines);
        }
      else
        {
          g_autofree char *text = NULL;

          g_assert_true (g_file_get_contents (child, &text, NULL, NULL));
          g_ptr_array_add (lines, g_strdup_printf ("f %s = %s", child_rel, text));
        }
    }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
snapshot (const char *root)
{
  g_autofree char *base = g_build_filename (root, "target", NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  snapshot_dir (base, "", lines);
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (GStrv) lines->pdata);
}

/* a reboot: configfs empty again, the modules loaded */
static void
reboot (Fixture *fx)
{
  g_autofree char *target = g_build_filename (fx->root, "target", NULL);

  test_remove_tree (target);
  make_lio_root (fx->root);
}

static void
ensure_ok (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_iscsi_target_ensure_export (target_of (fx), &fx->export, &error));
  g_assert_no_error (error);
}

static void
allow_ok (Fixture *fx, const char *initiator)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_iscsi_target_allow_initiator (target_of (fx), &fx->export, initiator, &error));
  g_assert_no_error (error);
}

static void
deny_ok (Fixture *fx, const char *initiator)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_iscsi_target_deny_initiator (target_of (fx), &fx->export, initiator, &error));
  g_assert_no_error (error);
}

static void
remove_ok (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_iscsi_target_remove_export (target_of (fx), &fx->export, &error));
  g_assert_no_error (error);
}

static gboolean
exists (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  gboolean out = TRUE;

  g_assert_true (nova_iscsi_target_export_exists (target_of (fx), &fx->export, &out, &error));
  g_assert_no_error (error);
  return out;
}

/* the serial the fresh export wrote: the one line we cannot spell out */
static char *
serial_line (void)
{
  return g_strdup ("write " SO "/wwn/vpd_unit_serial ");
}

static const char *const fresh_ops_template[] = {
  "mkdir iscsi",
  "mkdir core/iblock_1",
  "mkdir " SO,
  "write " SO "/udev_path " DEVICE,
  "write " SO "/control udev_path=" DEVICE,
  "write " SO "/enable 1",
  NULL, /* write SO/wwn/vpd_unit_serial <uuid> */
  "mkdir iscsi/" IQN,
  "mkdir " TPG,
  "mkdir " TPG "/lun/lun_0",
  "symlink " TPG "/lun/lun_0/" NAME " -> " SO,
  "mkdir " TPG "/np/" PORTAL_IP ":3260",
  "write " TPG "/enable 1",
};

/* the fresh sequence, the serial checked for shape and taken from @ops */
static void
assert_fresh_ops (GStrv ops, char **out_serial)
{
  g_autofree char *prefix = serial_line ();
  guint n = G_N_ELEMENTS (fresh_ops_template);

  if (g_strv_length (ops) != n)
    {
      g_autofree char *got = g_strjoinv ("\n  ", ops);

      g_test_message ("operations:\n  %s", got);
    }
  g_assert_cmpuint (g_strv_length (ops), ==, n);
  for (guint i = 0; i < n; i++)
    {
      if (fresh_ops_template[i] != NULL)
        {
          g_assert_cmpstr (ops[i], ==, fresh_ops_template[i]);
          continue;
        }
      g_assert_true (g_str_has_prefix (ops[i], prefix));
      g_assert_true (g_uuid_string_is_valid (ops[i] + strlen (prefix)));
      if (out_serial != NULL)
        *out_serial = g_strdup (ops[i] + strlen (prefix));
    }
}

/* ------------------------------------------------------------------ */

static void
test_lun (Fixture *fx, gconstpointer data)
{
  g_assert_cmpuint (nova_iscsi_target_get_lun (target_of (fx)), ==, 0);
}

static void
test_ensure_fresh (Fixture *fx, gconstpointer data)
{
  g_auto(GStrv) ops = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *value = NULL;
  g_autofree char *link = NULL;
  g_autofree char *link_path = g_build_filename (fx->root, "target", TPG, "lun", "lun_0", NAME, NULL);
  g_autofree char *so_path = g_build_filename (fx->root, "target", SO, NULL);

  g_assert_false (exists (fx));
  ensure_ok (fx);
  ops = take_ops (fx->lio);
  assert_fresh_ops (ops, &serial);

  /* what the kernel would now hold */
  value = read_attr (fx, SO "/enable");
  g_assert_cmpstr (value, ==, "1");
  g_free (value);
  value = read_attr (fx, SO "/control");
  g_assert_cmpstr (value, ==, "udev_path=" DEVICE);
  g_free (value);
  value = read_attr (fx, SO "/wwn/vpd_unit_serial");
  g_assert_cmpstr (value, ==, serial);
  g_free (value);
  /* CHAP required, only node ACLs, nothing writable in demo mode: the
   * kernel's defaults, read and left as they are */
  value = read_attr (fx, TPG "/attrib/authentication");
  g_assert_cmpstr (value, ==, "1");
  g_free (value);
  value = read_attr (fx, TPG "/attrib/generate_node_acls");
  g_assert_cmpstr (value, ==, "0");
  g_free (value);
  value = read_attr (fx, TPG "/attrib/demo_mode_write_protect");
  g_assert_cmpstr (value, ==, "1");
  g_free (value);
  value = read_attr (fx, TPG "/enable");
  g_assert_cmpstr (value, ==, "1");

  link = g_file_read_link (link_path, NULL);
  g_assert_cmpstr (link, ==, so_path);
  g_assert_true (node_exists (fx, TPG "/np/" PORTAL_IP ":3260"));
  /* no initiator is allowed yet */
  g_assert_false (node_exists (fx, TPG "/acls/" HOST_A));
  g_assert_true (exists (fx));
}

static void
test_ensure_idempotent (Fixture *fx, gconstpointer data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  nova_iscsi_lio_clear_operations (fx->lio);
  before = snapshot (fx->root);

  ensure_ok (fx);
  assert_no_ops (fx->lio);
  after = snapshot (fx->root);
  g_assert_cmpstr (after, ==, before);
}

/* after a reboot configfs is empty: ensure_export brings the same export
 * back, unit serial included, and access comes back with allow */
static void
test_ensure_after_reboot (Fixture *fx, gconstpointer data)
{
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) second = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  first = take_ops (fx->lio);
  before = snapshot (fx->root);

  reboot (fx);
  g_assert_false (exists (fx));
  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  second = take_ops (fx->lio);
  after = snapshot (fx->root);

  g_assert_cmpstrv (second, first);
  g_assert_cmpstr (after, ==, before);
  g_assert_true (exists (fx));
}

/* the access an operation line names: "op path", a write's value and a
 * link's target left out */
static char *
access_of (const char *line)
{
  g_auto(GStrv) words = g_strsplit (line, " ", 3);

  return g_strdup_printf ("%s %s", words[0], words[1]);
}

/* a daemon that died after any one change: the next ensure_export
 * finishes the job, and the result is the same as in one go */
static void
test_ensure_resumes (void)
{
  g_autofree char *reference = NULL;
  g_auto(GStrv) ops = NULL;
  NovaIscsiExport export = {
    .iqn = IQN, .tid = 1, .backing_path = DEVICE, .chap_user = CHAP_USER, .chap_secret = SECRET,
  };

  {
    g_autoptr(TestScratch) scratch = test_scratch_new ("nova-volume-lio-XXXXXX");
    g_autoptr(NovaIscsiLio) lio = NULL;
    g_autoptr(GError) error = NULL;

    make_lio_root (scratch->dir);
    lio = new_lio (scratch->dir, PORTAL_IP);
    g_assert_true (nova_iscsi_target_ensure_export (NOVA_ISCSI_TARGET (lio), &export, &error));
    g_assert_true (nova_iscsi_target_allow_initiator (NOVA_ISCSI_TARGET (lio), &export, HOST_A, &error));
    g_assert_no_error (error);
    ops = take_ops (lio);
    reference = snapshot (scratch->dir);
  }

  for (guint i = 0; ops[i] != NULL; i++)
    {
      g_autoptr(TestScratch) scratch = test_scratch_new ("nova-volume-lio-XXXXXX");
      g_autoptr(NovaIscsiLio) lio = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *access = access_of (ops[i]);
      g_autofree char *state = NULL;
      gboolean ok;

      g_test_message ("failing at: %s", ops[i]);
      make_lio_root (scratch->dir);
      lio = new_lio (scratch->dir, PORTAL_IP);
      nova_iscsi_lio_inject_error (lio, access, EIO);
      ok = nova_iscsi_target_ensure_export (NOVA_ISCSI_TARGET (lio), &export, &error)
           && nova_iscsi_target_allow_initiator (NOVA_ISCSI_TARGET (lio), &export, HOST_A, &error);
      g_assert_false (ok);
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, g_strerror (EIO)));
      g_assert_null (strstr (error->message, SECRET));
      g_clear_error (&error);

      g_assert_true (nova_iscsi_target_ensure_export (NOVA_ISCSI_TARGET (lio), &export, &error));
      g_assert_true (nova_iscsi_target_allow_initiator (NOVA_ISCSI_TARGET (lio), &export, HOST_A, &error));
      g_assert_no_error (error);
      state = snapshot (scratch->dir);
      g_assert_cmpstr (state, ==, reference);

      /* and once whole, a third time changes nothing */
      nova_iscsi_lio_clear_operations (lio);
      g_assert_true (nova_iscsi_target_ensure_export (NOVA_ISCSI_TARGET (lio), &export, &error));
      g_assert_true (nova_iscsi_target_allow_initiator (NOVA_ISCSI_TARGET (lio), &export, HOST_A, &error));
      g_assert_no_error (error);
      assert_no_ops (lio);
    }
}

static void
test_ensure_without_chap (Fixture *fx, gconstpointer data)
{
  g_auto(GStrv) ops = NULL;
  g_autofree char *value = NULL;
  g_autofree char *auth = g_strdup ("write " TPG "/attrib/authentication 0");

  fx->export.chap_user = NULL;
  fx->export.chap_secret = NULL;
  ensure_ok (fx);
  ops = take_ops (fx->lio);
  g_assert_true (g_strv_contains ((const char *const *) ops, auth));
  value = read_attr (fx, TPG "/attrib/authentication");
  g_assert_cmpstr (value, ==, "0");

  allow_ok (fx, HOST_A);
  g_strfreev (ops);
  ops = take_ops (fx->lio);
  for (guint i = 0; ops[i] != NULL; i++)
    g_assert_null (strstr (ops[i], "/auth/"));
}

static void
test_ensure_ipv6 (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaIscsiLio) lio = new_lio (fx->root, "fd00::5");
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_iscsi_target_ensure_export (NOVA_ISCSI_TARGET (lio), &fx->export, &error));
  g_assert_no_error (error);
  g_assert_true (node_exists (fx, TPG "/np/[fd00::5]:3260"));
}

/* a backstore of the volume's name is used where it is (another HBA
 * number, made earlier with another tid, or by rtslib) */
static void
test_ensure_reuses_backstore (Fixture *fx, gconstpointer data)
{
  g_auto(GStrv) ops = NULL;

  fx->export.tid = 7;
  ensure_ok (fx);
  remove_ok (fx);
  ensure_ok (fx);
  nova_iscsi_lio_clear_operations (fx->lio);
  fx->export.tid = 1;
  ensure_ok (fx);
  assert_no_ops (fx->lio);
  g_assert_true (node_exists (fx, "core/iblock_7/" NAME));
  g_assert_false (node_exists (fx, "core/iblock_1"));
  g_assert_true (exists (fx));

  /* and removed from there */
  remove_ok (fx);
  ops = take_ops (fx->lio);
  g_assert_true (g_strv_contains ((const char *const *) ops, "rmdir core/iblock_7/" NAME));
  g_assert_false (node_exists (fx, "core/iblock_7"));
}

static void
test_ensure_other_device (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  ensure_ok (fx);
  fx->export.backing_path = "/dev/other/volume-0001";
  g_assert_false (nova_iscsi_target_ensure_export (target_of (fx), &fx->export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_assert_nonnull (strstr (error->message, DEVICE));
  g_assert_nonnull (strstr (error->message, "/dev/other/volume-0001"));
  g_clear_error (&error);

  /* nor is that backstore taken away by a remove for the other device */
  nova_iscsi_lio_clear_operations (fx->lio);
  remove_ok (fx);
  g_assert_true (node_exists (fx, SO));
  g_assert_false (node_exists (fx, "iscsi/" IQN));
}

static void
test_allow (Fixture *fx, gconstpointer data)
{
  const char *expected[] = {
    "mkdir " TPG "/acls/" HOST_A,
    "write " TPG "/acls/" HOST_A "/auth/userid " CHAP_USER,
    "write " TPG "/acls/" HOST_A "/auth/password " NOVA_VOLUME_EXECUTOR_MASK,
    "mkdir " TPG "/acls/" HOST_A "/lun_0",
    "symlink " TPG "/acls/" HOST_A "/lun_0/tpg_lun_0 -> " TPG "/lun/lun_0",
    NULL,
  };
  g_autofree char *value = NULL;
  g_autofree char *link = NULL;
  g_autofree char *link_path = g_build_filename (fx->root, "target", TPG, "acls", HOST_A, "lun_0",
                                                 "tpg_lun_0", NULL);
  g_autofree char *lun_path = g_build_filename (fx->root, "target", TPG, "lun", "lun_0", NULL);

  ensure_ok (fx);
  nova_iscsi_lio_clear_operations (fx->lio);
  allow_ok (fx, HOST_A);
  assert_ops (fx->lio, expected);

  /* the kernel gets the secret itself */
  value = read_attr (fx, TPG "/acls/" HOST_A "/auth/password");
  g_assert_cmpstr (value, ==, SECRET);
  g_free (value);
  value = read_attr (fx, TPG "/acls/" HOST_A "/auth/userid");
  g_assert_cmpstr (value, ==, CHAP_USER);
  link = g_file_read_link (link_path, NULL);
  g_assert_cmpstr (link, ==, lun_path);

  /* the same initiator again: nothing to do */
  allow_ok (fx, HOST_A);
  assert_no_ops (fx->lio);
}

/* two hosts at once: each its own node ACL, both with the export's CHAP */
static void
test_allow_two_hosts (Fixture *fx, gconstpointer data)
{
  const char *expected[] = {
    "mkdir " TPG "/acls/" HOST_B,
    "write " TPG "/acls/" HOST_B "/auth/userid " CHAP_USER,
    "write " TPG "/acls/" HOST_B "/auth/password " NOVA_VOLUME_EXECUTOR_MASK,
    "mkdir " TPG "/acls/" HOST_B "/lun_0",
    "symlink " TPG "/acls/" HOST_B "/lun_0/tpg_lun_0 -> " TPG "/lun/lun_0",
    NULL,
  };
  const char *hosts[] = { HOST_A, HOST_B };

  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  nova_iscsi_lio_clear_operations (fx->lio);
  allow_ok (fx, HOST_B);
  assert_ops (fx->lio, expected);

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autofree char *acl = g_strdup_printf (TPG "/acls/%s", hosts[i]);
      g_autofree char *user_rel = g_strdup_printf ("%s/auth/userid", acl);
      g_autofree char *password_rel = g_strdup_printf ("%s/auth/password", acl);
      g_autofree char *user = read_attr (fx, user_rel);
      g_autofree char *password = read_attr (fx, password_rel);

      g_assert_cmpstr (user, ==, CHAP_USER);
      g_assert_cmpstr (password, ==, SECRET);
    }

  /* a CHAP secret that changed (a new export) reaches an existing ACL */
  fx->export.chap_secret = "An0ther-Secr3t-Value";
  allow_ok (fx, HOST_A);
  {
    const char *rewrite[] = {
      "write " TPG "/acls/" HOST_A "/auth/password " NOVA_VOLUME_EXECUTOR_MASK,
      NULL,
    };
    g_autofree char *password = read_attr (fx, TPG "/acls/" HOST_A "/auth/password");

    assert_ops (fx->lio, rewrite);
    g_assert_cmpstr (password, ==, "An0ther-Secr3t-Value");
  }
}

static void
test_allow_without_export (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (nova_iscsi_target_allow_initiator (target_of (fx), &fx->export, HOST_A, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, IQN));
  g_assert_nonnull (strstr (error->message, "restart nova-volumed"));
  assert_no_ops (fx->lio);
}

static void
test_deny (Fixture *fx, gconstpointer data)
{
  const char *expected[] = {
    "unlink " TPG "/acls/" HOST_A "/lun_0/tpg_lun_0",
    "rmdir " TPG "/acls/" HOST_A "/lun_0",
    "rmdir " TPG "/acls/" HOST_A,
    NULL,
  };
  g_autofree char *password = NULL;

  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  allow_ok (fx, HOST_B);
  nova_iscsi_lio_clear_operations (fx->lio);

  deny_ok (fx, HOST_A);
  assert_ops (fx->lio, expected);
  g_assert_false (node_exists (fx, TPG "/acls/" HOST_A));

  /* the other host keeps its access and its CHAP */
  g_assert_true (node_exists (fx, TPG "/acls/" HOST_B "/lun_0/tpg_lun_0"));
  password = read_attr (fx, TPG "/acls/" HOST_B "/auth/password");
  g_assert_cmpstr (password, ==, SECRET);

  /* twice, or a host never allowed, or no export at all: fine */
  deny_ok (fx, HOST_A);
  deny_ok (fx, "iqn.2000-01.org.example:never");
  assert_no_ops (fx->lio);
  remove_ok (fx);
  nova_iscsi_lio_clear_operations (fx->lio);
  deny_ok (fx, HOST_B);
  assert_no_ops (fx->lio);
}

static void
test_remove (Fixture *fx, gconstpointer data)
{
  const char *expected[] = {
    "write " TPG "/enable 0",
    "unlink " TPG "/acls/" HOST_A "/lun_0/tpg_lun_0",
    "rmdir " TPG "/acls/" HOST_A "/lun_0",
    "rmdir " TPG "/acls/" HOST_A,
    "unlink " TPG "/acls/" HOST_B "/lun_0/tpg_lun_0",
    "rmdir " TPG "/acls/" HOST_B "/lun_0",
    "rmdir " TPG "/acls/" HOST_B,
    "unlink " TPG "/lun/lun_0/" NAME,
    "rmdir " TPG "/lun/lun_0",
    "rmdir " TPG "/np/" PORTAL_IP ":3260",
    "rmdir " TPG,
    "rmdir iscsi/" IQN,
    "rmdir " SO,
    "rmdir core/iblock_1",
    NULL,
  };
  g_autofree char *state = NULL;

  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  allow_ok (fx, HOST_B);
  nova_iscsi_lio_clear_operations (fx->lio);

  remove_ok (fx);
  assert_ops (fx->lio, expected);
  g_assert_false (exists (fx));
  /* what stays is what the modules own: core and the iscsi fabric */
  state = snapshot (fx->root);
  g_assert_cmpstr (state, ==, "d core\nd iscsi\nd iscsi/discovery_auth");

  /* gone already: fine, nothing touched */
  remove_ok (fx);
  assert_no_ops (fx->lio);
}

/* what a crash in the middle of an ensure or a remove leaves behind is
 * removed all the same */
static void
test_remove_partial (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;

  /* died before the portal group was made */
  nova_iscsi_lio_inject_error (fx->lio, "mkdir " TPG, EIO);
  g_assert_false (nova_iscsi_target_ensure_export (target_of (fx), &fx->export, &error));
  g_clear_error (&error);
  remove_ok (fx);
  state = snapshot (fx->root);
  g_assert_cmpstr (state, ==, "d core\nd iscsi\nd iscsi/discovery_auth");
  g_free (state);

  /* died in the middle of a remove, after the LUN went */
  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  nova_iscsi_lio_inject_error (fx->lio, "rmdir " TPG "/np/" PORTAL_IP ":3260", EIO);
  g_assert_false (nova_iscsi_target_remove_export (target_of (fx), &fx->export, &error));
  g_clear_error (&error);
  g_assert_false (node_exists (fx, TPG "/lun/lun_0"));
  remove_ok (fx);
  state = snapshot (fx->root);
  g_assert_cmpstr (state, ==, "d core\nd iscsi\nd iscsi/discovery_auth");

  /* LIO not loaded at all: there is no export to remove */
  reboot (fx);
  {
    g_autofree char *target = g_build_filename (fx->root, "target", NULL);

    test_remove_tree (target);
  }
  remove_ok (fx);
  deny_ok (fx, HOST_A);
}

/* an HBA that holds another backstore stays */
static void
test_remove_shared_hba (Fixture *fx, gconstpointer data)
{
  NovaIscsiExport other = {
    .iqn = "iqn.2010-10.org.openstack:volume-0002", .tid = 1, .backing_path = "/dev/nova-volumes/volume-0002",
    .chap_user = CHAP_USER, .chap_secret = SECRET,
  };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ops = NULL;

  ensure_ok (fx);
  g_assert_true (nova_iscsi_target_ensure_export (target_of (fx), &other, &error));
  g_assert_no_error (error);
  nova_iscsi_lio_clear_operations (fx->lio);
  remove_ok (fx);
  ops = take_ops (fx->lio);
  g_assert_cmpstr (ops[g_strv_length (ops) - 1], ==, "rmdir " SO);
  g_assert_true (node_exists (fx, "core/iblock_1/volume-0002"));
  g_assert_true (nova_iscsi_target_remove_export (target_of (fx), &other, &error));
  g_assert_no_error (error);
  g_assert_false (node_exists (fx, "core/iblock_1"));
}

/* the plain tree refuses what configfs refuses: a directory that holds
 * something its owner did not make is not removed */
static void
test_plain_tree_refuses (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *foreign = g_build_filename (fx->root, "target", TPG, "lun", "foreign", NULL);

  ensure_ok (fx);
  g_assert_cmpint (g_mkdir (foreign, 0755), ==, 0);
  g_assert_false (nova_iscsi_target_remove_export (target_of (fx), &fx->export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "rmdir"));
  g_assert_nonnull (strstr (error->message, "did not make"));
  g_clear_error (&error);
  /* the LUN went before, in order */
  g_assert_false (node_exists (fx, TPG "/lun/lun_0"));
  g_assert_cmpint (g_rmdir (foreign), ==, 0);
  remove_ok (fx);
  g_assert_false (node_exists (fx, "iscsi/" IQN));
}

static void
test_exists (Fixture *fx, gconstpointer data)
{
  g_autofree char *np = g_build_filename (fx->root, "target", TPG, "np", PORTAL_IP ":3260", NULL);

  g_assert_false (exists (fx));
  ensure_ok (fx);
  g_assert_true (exists (fx));
  /* a piece missing: no export (ensure_export brings it back) */
  g_assert_cmpint (g_rmdir (np), ==, 0);
  g_assert_false (exists (fx));
  ensure_ok (fx);
  g_assert_true (exists (fx));
  remove_ok (fx);
  g_assert_false (exists (fx));
}

/* the secret never shows: not in the operations, the log file, a debug
 * message or an error, whatever fails */
static char *captured;
static GMutex captured_lock;

static GLogWriterOutput
capture_writer (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        const char *message = fields[i].value;
        char *joined;

        g_mutex_lock (&captured_lock);
        joined = g_strconcat (captured != NULL ? captured : "", message, "\n", NULL);
        g_free (captured);
        captured = joined;
        g_mutex_unlock (&captured_lock);
      }
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static void
test_secret_never_shown (Fixture *fx, gconstpointer data)
{
  g_autofree char *log_path = g_build_filename (fx->root, "lio.log", NULL);
  g_autofree char *log = NULL;
  g_auto(GStrv) ops = NULL;
  g_autofree char *all_ops = NULL;
  const char *fail_at[] = {
    "write " TPG "/acls/" HOST_A "/auth/password",
    "write " TPG "/acls/" HOST_A "/auth/userid",
    "mkdir " TPG "/acls/" HOST_A,
    "read " TPG "/acls/" HOST_A "/auth/password",
  };
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);

  nova_iscsi_lio_set_log_path (fx->lio, log_path);
  ensure_ok (fx);
  for (guint i = 0; i < G_N_ELEMENTS (fail_at); i++)
    {
      g_autoptr(GError) error = NULL;

      deny_ok (fx, HOST_A);
      nova_iscsi_lio_inject_error (fx->lio, fail_at[i], i % 2 == 0 ? EINVAL : EACCES);
      /* a failed read of the password only means "write it" */
      if (!nova_iscsi_target_allow_initiator (target_of (fx), &fx->export, HOST_A, &error))
        g_ptr_array_add (errors, g_strdup (error->message));
    }
  g_assert_cmpuint (errors->len, ==, 3);
  allow_ok (fx, HOST_A);
  allow_ok (fx, HOST_B);
  deny_ok (fx, HOST_A);
  remove_ok (fx);

  /* a secret as a whole path component: masked in errors too */
  {
    g_autoptr(GError) error = NULL;
    NovaIscsiExport odd = fx->export;

    odd.chap_secret = "volume-0001";
    nova_iscsi_lio_inject_error (fx->lio, "mkdir " SO, ENOMEM);
    g_assert_false (nova_iscsi_target_ensure_export (target_of (fx), &odd, &error));
    g_assert_null (strstr (error->message, "volume-0001"));
    g_assert_nonnull (strstr (error->message, NOVA_VOLUME_EXECUTOR_MASK));
  }

  ops = nova_iscsi_lio_get_operations (fx->lio);
  all_ops = g_strjoinv ("\n", ops);
  g_assert_null (strstr (all_ops, SECRET));
  g_assert_nonnull (strstr (all_ops, "auth/password " NOVA_VOLUME_EXECUTOR_MASK));
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, SECRET));
  g_assert_nonnull (strstr (log, "auth/password " NOVA_VOLUME_EXECUTOR_MASK));
  for (guint i = 0; i < errors->len; i++)
    {
      g_test_message ("error: %s", (const char *) g_ptr_array_index (errors, i));
      g_assert_null (strstr (g_ptr_array_index (errors, i), SECRET));
    }
  g_mutex_lock (&captured_lock);
  g_assert_nonnull (captured);
  g_assert_nonnull (strstr (captured, "LIO: write"));
  g_assert_null (strstr (captured, SECRET));
  g_mutex_unlock (&captured_lock);
}

/* the log file holds exactly the recorded lines */
static void
test_log_path (Fixture *fx, gconstpointer data)
{
  g_autofree char *log_path = g_build_filename (fx->root, "lio.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *joined = NULL;
  g_auto(GStrv) ops = NULL;

  nova_iscsi_lio_set_log_path (fx->lio, log_path);
  ensure_ok (fx);
  allow_ok (fx, HOST_A);
  remove_ok (fx);
  ops = nova_iscsi_lio_get_operations (fx->lio);
  joined = g_strjoinv ("\n", ops);
  g_assert_cmpuint (g_strv_length (ops), >, 20);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_cmpstr (g_strstrip (log), ==, joined);
  g_clear_pointer (&log, g_free);

  /* no path: the file is left alone */
  nova_iscsi_lio_set_log_path (fx->lio, NULL);
  ensure_ok (fx);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_cmpstr (g_strstrip (log), ==, joined);
}

typedef struct {
  int         errnum;
  const char *access;
  int         code;
  const char *words;
} ErrorCase;

static void
test_errors (Fixture *fx, gconstpointer data)
{
  const ErrorCase cases[] = {
    { EINVAL, "mkdir iscsi", NOVA_VOLUME_ERROR_FAILED, "load iscsi_target_mod" },
    { EINVAL, "mkdir core/iblock_1", NOVA_VOLUME_ERROR_FAILED, "load target_core_iblock" },
    { ENOENT, "write " SO "/enable", NOVA_VOLUME_ERROR_FAILED, "could not open the backing device" },
    { EADDRINUSE, "mkdir " TPG "/np/" PORTAL_IP ":3260", NOVA_VOLUME_ERROR_FAILED, "iscsi_port" },
    { EADDRNOTAVAIL, "mkdir " TPG "/np/" PORTAL_IP ":3260", NOVA_VOLUME_ERROR_FAILED,
      "not one of this host's: check iscsi_ip_address" },
    { EACCES, "mkdir " TPG, NOVA_VOLUME_ERROR_FAILED, "must run as root" },
    { ENOMEM, "mkdir " TPG, NOVA_VOLUME_ERROR_FAILED, "short of memory" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_build_filename (fx->root, "target", strchr (cases[i].access, ' ') + 1, NULL);

      reboot (fx);
      nova_iscsi_lio_inject_error (fx->lio, cases[i].access, cases[i].errnum);
      g_assert_false (nova_iscsi_target_ensure_export (target_of (fx), &fx->export, &error));
      g_test_message ("%s", error->message);
      g_assert_error (error, NOVA_VOLUME_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].words));
      /* which file, and the system's word for what went wrong */
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, g_strerror (cases[i].errnum)));
    }

  /* busy while removing: Busy, so a caller may try again */
  {
    g_autoptr(GError) error = NULL;

    reboot (fx);
    ensure_ok (fx);
    nova_iscsi_lio_inject_error (fx->lio, "rmdir " SO, EBUSY);
    g_assert_false (nova_iscsi_target_remove_export (target_of (fx), &fx->export, &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
    g_assert_nonnull (strstr (error->message, "still in use"));
  }
}

static void
test_not_loaded (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (fx->root, "target", NULL);
  g_autofree char *expected = g_strdup_printf ("LIO is not available: %s does not exist "
                                               "(load target_core_mod and iscsi_target_mod)", target);
  gboolean out = TRUE;

  test_remove_tree (target);
  g_assert_false (nova_iscsi_target_ensure_export (target_of (fx), &fx->export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_assert_false (nova_iscsi_target_allow_initiator (target_of (fx), &fx->export, HOST_A, &error));
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_assert_false (nova_iscsi_target_export_exists (target_of (fx), &fx->export, &out, &error));
  g_assert_false (out);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  assert_no_ops (fx->lio);
}

/* configfs itself not mounted: said so, before anything is touched */
static void
test_not_configfs (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaIscsiLio) lio = nova_iscsi_lio_new (fx->root, PORTAL_IP, 3260);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("LIO is not available: configfs is not mounted at %s "
                                               "(mount -t configfs configfs %s)", fx->root, fx->root);

  nova_iscsi_lio_set_recording (lio, TRUE);
  g_assert_false (nova_iscsi_target_ensure_export (NOVA_ISCSI_TARGET (lio), &fx->export, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_assert_false (nova_iscsi_target_remove_export (NOVA_ISCSI_TARGET (lio), &fx->export, &error));
  g_assert_cmpstr (error->message, ==, expected);
  assert_no_ops (lio);
}

/* names that could leave the directory, or that LIO would cut or parse
 * differently, are refused before anything is touched */
static void
test_invalid (Fixture *fx, gconstpointer data)
{
  const char *bad_iqns[] = { "", "../../core", "iqn.2010-10.org.openstack:a/b", "iqn with space",
                             "iqn.2010-10.org.openstack:vol\n", ".hidden" };
  const char *bad_initiators[] = { "", "..", "../../../core/iblock_1", "iqn.a/b", "iqn.x\ny" };
  const char *bad_devices[] = { "relative/path", "/dev/a,readonly=1", "/dev/a\nb" };
  const char *bad_chap[] = { "", "NULL", "with\nnewline", " lead", "trail " };

  ensure_ok (fx);
  nova_iscsi_lio_clear_operations (fx->lio);

  for (guint i = 0; i < G_N_ELEMENTS (bad_iqns); i++)
    {
      g_autoptr(GError) error = NULL;
      NovaIscsiExport export = fx->export;

      export.iqn = bad_iqns[i];
      g_assert_false (nova_iscsi_target_ensure_export (target_of (fx), &export, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_iscsi_target_remove_export (target_of (fx), &export, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_initiators); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (nova_iscsi_target_allow_initiator (target_of (fx), &fx->export, bad_initiators[i],
                                                         &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_iscsi_target_deny_initiator (target_of (fx), &fx->export, bad_initiators[i],
                                                        &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_devices); i++)
    {
      g_autoptr(GError) error = NULL;
      NovaIscsiExport export = fx->export;

      export.backing_path = bad_devices[i];
      g_assert_false (nova_iscsi_target_ensure_export (target_of (fx), &export, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_chap); i++)
    {
      g_autoptr(GError) error = NULL;
      NovaIscsiExport export = fx->export;

      export.chap_secret = bad_chap[i];
      g_assert_false (nova_iscsi_target_allow_initiator (target_of (fx), &export, HOST_A, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      if (bad_chap[i][0] != '\0' && !g_str_equal (bad_chap[i], "NULL"))
        g_assert_null (strstr (error->message, bad_chap[i]));
    }
  {
    g_autoptr(NovaIscsiLio) lio = new_lio (fx->root, "not-an-address");
    g_autoptr(GError) error = NULL;

    g_assert_false (nova_iscsi_target_ensure_export (NOVA_ISCSI_TARGET (lio), &fx->export, &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "iscsi_ip_address"));
  }
  assert_no_ops (fx->lio);
}

/* many volumes at once from worker threads, as the manager runs them:
 * every export whole, the shared iscsi directory made once */
#define N_THREADS 8

typedef struct {
  NovaIscsiLio *lio;
  guint         index;
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *worker = data;
  g_autofree char *iqn = g_strdup_printf ("iqn.2010-10.org.openstack:volume-%04u", worker->index);
  g_autofree char *device = g_strdup_printf ("/dev/nova-volumes/volume-%04u", worker->index);
  NovaIscsiExport export = {
    .iqn = iqn, .tid = worker->index + 1, .backing_path = device,
    .chap_user = CHAP_USER, .chap_secret = SECRET,
  };
  NovaIscsiTarget *target = NOVA_ISCSI_TARGET (worker->lio);
  GError *error = NULL;
  gboolean out = FALSE;

  for (guint round = 0; round < 3; round++)
    {
      g_assert_true (nova_iscsi_target_ensure_export (target, &export, &error));
      g_assert_true (nova_iscsi_target_allow_initiator (target, &export, HOST_A, &error));
      g_assert_true (nova_iscsi_target_allow_initiator (target, &export, HOST_B, &error));
      g_assert_true (nova_iscsi_target_export_exists (target, &export, &out, &error));
      g_assert_true (out);
      g_assert_true (nova_iscsi_target_deny_initiator (target, &export, HOST_A, &error));
      if (round < 2 || worker->index % 2 == 0)
        g_assert_true (nova_iscsi_target_remove_export (target, &export, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_concurrent (Fixture *fx, gconstpointer data)
{
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];
  g_autofree char *iscsi = g_build_filename (fx->root, "target", "iscsi", NULL);
  g_autoptr(GDir) dir = NULL;
  guint targets = 0;
  g_auto(GStrv) ops = NULL;
  guint mkdir_iscsi = 0;

  for (guint i = 0; i < N_THREADS; i++)
    {
      workers[i] = (Worker) { .lio = fx->lio, .index = i };
      threads[i] = g_thread_new ("lio-worker", worker_run, &workers[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  dir = g_dir_open (iscsi, 0, NULL);
  g_assert_nonnull (dir);
  for (const char *entry; (entry = g_dir_read_name (dir)) != NULL;)
    if (g_str_has_prefix (entry, "iqn."))
      targets++;
  g_assert_cmpuint (targets, ==, N_THREADS / 2);
  ops = nova_iscsi_lio_get_operations (fx->lio);
  for (guint i = 0; ops[i] != NULL; i++)
    if (g_str_equal (ops[i], "mkdir iscsi"))
      mkdir_iscsi++;
  g_assert_cmpuint (mkdir_iscsi, >=, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/lio/lun", test_lun);
  ADD ("/lio/ensure/fresh", test_ensure_fresh);
  ADD ("/lio/ensure/idempotent", test_ensure_idempotent);
  ADD ("/lio/ensure/after-reboot", test_ensure_after_reboot);
  g_test_add_func ("/lio/ensure/resumes-after-any-step", test_ensure_resumes);
  ADD ("/lio/ensure/without-chap", test_ensure_without_chap);
  ADD ("/lio/ensure/ipv6", test_ensure_ipv6);
  ADD ("/lio/ensure/reuses-backstore", test_ensure_reuses_backstore);
  ADD ("/lio/ensure/other-device", test_ensure_other_device);
  ADD ("/lio/allow", test_allow);
  ADD ("/lio/allow/two-hosts", test_allow_two_hosts);
  ADD ("/lio/allow/without-export", test_allow_without_export);
  ADD ("/lio/deny", test_deny);
  ADD ("/lio/remove", test_remove);
  ADD ("/lio/remove/partial", test_remove_partial);
  ADD ("/lio/remove/shared-hba", test_remove_shared_hba);
  ADD ("/lio/plain-tree/refuses", test_plain_tree_refuses);
  ADD ("/lio/exists", test_exists);
  ADD ("/lio/secret-never-shown", test_secret_never_shown);
  ADD ("/lio/log-path", test_log_path);
  ADD ("/lio/errors", test_errors);
  ADD ("/lio/errors/not-loaded", test_not_loaded);
  ADD ("/lio/errors/not-configfs", test_not_configfs);
  ADD ("/lio/invalid", test_invalid);
  ADD ("/lio/concurrent", test_concurrent);
#undef ADD

  return g_test_run ();
}
