/* nova-volume-bench: figure 1b, CreateVolume+Delete from several clients
 * at once, each a connection of its own in a thread of its own, beside the
 * same durable bare work from as many threads. */
#include "config.h"

#include "bench-figures.h"

/* clients calling at once */
#define CLIENTS 8
/* the daemon and the bare side take turns this many times */
#define ROUNDS 3

typedef struct {
  const char *address;
  guint       count;
  GArray     *pair_ms;   /* double: each pair's time */
  GError     *error;
} Client;

static gboolean
client_pairs (GDBusConnection *connection, Client *client, GError **error)
{
  for (guint i = 0; i < client->count; i++)
    {
      double start = bench_now ();
      g_autoptr(GVariant) created = NULL;
      g_autoptr(GVariant) deleted = NULL;
      const char *path;
      double ms;

      created = g_dbus_connection_call_sync (connection, BENCH_BUS_NAME, BENCH_MANAGER_PATH, BENCH_IFACE_MANAGER,
                                             "CreateVolume", g_variant_new ("(ta{sv})", BENCH_MIB, NULL),
                                             G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, BENCH_CALL_TIMEOUT_MS,
                                             NULL, error);
      if (created == NULL)
        return FALSE;
      g_variant_get (created, "(&o)", &path);
      deleted = g_dbus_connection_call_sync (connection, BENCH_BUS_NAME, path, BENCH_IFACE_VOLUME, "Delete",
                                             g_variant_new ("(a{sv})", NULL), NULL, G_DBUS_CALL_FLAGS_NONE,
                                             BENCH_CALL_TIMEOUT_MS, NULL, error);
      if (deleted == NULL)
        return FALSE;
      ms = (bench_now () - start) * 1e3;
      g_array_append_val (client->pair_ms, ms);
    }
  return TRUE;
}

static gpointer
client_thread (gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GDBusConnection) connection = NULL;

  connection = g_dbus_connection_new_for_address_sync (client->address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                       | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &client->error);
  if (connection != NULL)
    client_pairs (connection, client, &client->error);
  return NULL;
}

/* CLIENTS clients with @count pairs each, all at once: adds the
 * wall-clock seconds and every pair's time */
static gboolean
daemon_pairs (BenchContext *ctx, guint count, GArray *pair_ms, double *seconds, GError **error)
{
  Client clients[CLIENTS];
  GThread *threads[CLIENTS];
  gboolean ok = TRUE;
  double start = bench_now ();

  for (guint i = 0; i < CLIENTS; i++)
    {
      clients[i] = (Client) { ctx->daemon->bus_address, count, g_array_new (FALSE, FALSE, sizeof (double)), NULL };
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }
  for (guint i = 0; i < CLIENTS; i++)
    g_thread_join (threads[i]);
  *seconds += bench_now () - start;
  for (guint i = 0; i < CLIENTS; i++)
    {
      if (clients[i].error != NULL && ok)
        {
          g_propagate_error (error, g_steal_pointer (&clients[i].error));
          ok = FALSE;
        }
      g_clear_error (&clients[i].error);
      if (pair_ms != NULL)
        g_array_append_vals (pair_ms, clients[i].pair_ms->data, clients[i].pair_ms->len);
      g_array_unref (clients[i].pair_ms);
    }
  return ok;
}

gboolean
bench_figure_concurrent (BenchContext *ctx, GError **error)
{
  g_autoptr(GArray) pair_ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint per_client = MAX (ctx->pairs / (ROUNDS * CLIENTS), 1);
  guint n = per_client * CLIENTS * ROUNDS;
  double dbus_s = 0, durable_s = 0, warm_up = 0;
  double dbus_rate, durable_rate;

  if (!daemon_pairs (ctx, 2, NULL, &warm_up, error)
      || !bench_bare_pairs_threaded (ctx->dir, CLIENTS, BENCH_BARE_DURABLE, 2, BENCH_MIB, &warm_up, error))
    return FALSE;
  for (guint r = 0; r < ROUNDS; r++)
    if (!daemon_pairs (ctx, per_client, pair_ms, &dbus_s, error)
        || !bench_bare_pairs_threaded (ctx->dir, CLIENTS, BENCH_BARE_DURABLE, per_client, BENCH_MIB, &durable_s,
                                       error))
      return FALSE;

  dbus_rate = n / dbus_s;
  durable_rate = n / durable_s;
  bench_report_section (ctx->report, "concurrent");
  bench_report_integer (ctx->report, "clients", CLIENTS);
  bench_report_integer (ctx->report, "pairs", (gint64) n);
  bench_report_number (ctx->report, "dbus_pairs_per_s", dbus_rate);
  bench_report_number (ctx->report, "dbus_pair_p50_ms", bench_percentile (pair_ms, 50));
  bench_report_number (ctx->report, "dbus_pair_p99_ms", bench_percentile (pair_ms, 99));
  bench_report_number (ctx->report, "bare_durable_pairs_per_s", durable_rate);
  bench_report_number (ctx->report, "bare_durable_over_dbus", bench_ratio (durable_rate, dbus_rate));
  bench_report_line (ctx->report,
                     "create+delete 1 MiB from %u clients at once, %u pairs: D-Bus %.1f pairs/s (a pair p50 %.2f ms, "
                     "p99 %.2f ms); bare with the daemon's fsyncs and 4 commits from %u threads %.1f pairs/s, %.2fx",
                     CLIENTS, n, dbus_rate, bench_percentile (pair_ms, 50), bench_percentile (pair_ms, 99), CLIENTS,
                     durable_rate, bench_ratio (durable_rate, dbus_rate));
  return TRUE;
}
