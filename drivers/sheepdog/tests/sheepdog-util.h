/* What the programs of the sheepdog tier (tests/test-sheepdog.sh) share:
 * the cluster the script started, and dog to move bytes in and out of a
 * VDI the way a hypervisor would reach it (name, host, port from
 * connection_info). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  const char *dog;              /* $NOVA_TEST_SHEEPDOG_DOG */
  const char *port;             /* a formatted one-node cluster on 127.0.0.1 */
  const char *unformatted_port; /* a sheep that waits to be formatted */
  const char *free_port;        /* nothing listens there */
  GPid        sheep_pid;        /* the formatted cluster's sheep */
} SheepdogTestEnv;

/* The cluster from the environment, or NULL (the program then skips:
 * only test-sheepdog.sh starts one). */
const SheepdogTestEnv *sheepdog_test_env (void);

/* Without a cluster in the environment, registers @path as a test that
 * skips (saying that test-sheepdog.sh runs this) and returns TRUE. */
gboolean sheepdog_test_skip_without_cluster (const char *path);

/* @bytes written at the start of VDI @name through dog vdi write; and
 * read back with dog vdi read, asserted to be @bytes. */
void sheepdog_test_write        (const char *host, const char *port, const char *name, GBytes *bytes);
void sheepdog_test_assert_reads (const char *host, const char *port, const char *name, GBytes *bytes);

/* `dog vdi list -r` (all of them when @name is NULL) on the cluster. */
char *sheepdog_test_list (const char *name);

/* `dog vdi snapshot -s TAG NAME` on the cluster, as the driver would
 * have left it */
void sheepdog_test_snapshot (const char *name, const char *tag);

/* `dog vdi VERB ARGS...` on the cluster (NULL ends them), asserted to
 * succeed: "create", NAME, SIZE; "delete", "-s", TAG, NAME */
void sheepdog_test_vdi (const char *verb, const char *first_arg, ...) G_GNUC_NULL_TERMINATED;

/* @length random bytes */
GBytes *sheepdog_test_random_bytes (gsize length);

G_END_DECLS
