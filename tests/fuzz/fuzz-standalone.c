/* nova-volume: a main() for the fuzz targets where libFuzzer is not there
 * (a gcc build, the normal test suite). It feeds every file of the seed
 * corpus to LLVMFuzzerTestOneInput, then inputs mutated from the corpus
 * with a fixed seed, so a run is the same every time and a failure can be
 * repeated. With libFuzzer (-Dfuzzing=true) this file is not used.
 *
 *   fuzz-<target> [--runs N] [--seed S] [--max-len N] CORPUS_DIR_OR_FILE...
 *
 * Prints one TAP line per phase. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz-common.h"

typedef struct {
  guint8 *data;
  gsize   len;
} Input;

static void
input_clear (gpointer p)
{
  Input *input = p;

  g_free (input->data);
}

static void
add_file (GArray *inputs, const char *path)
{
  g_autoptr(GError) error = NULL;
  Input input = { NULL, 0 };
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, &input.len, &error))
    g_error ("%s", error->message);
  input.data = (guint8 *) contents;
  g_array_append_val (inputs, input);
}

static void
add_path (GArray *inputs, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      add_file (inputs, path);
      return;
    }
  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  /* sorted: the same order, and so the same mutations, on every machine */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) fuzz_compare_strings_indirect);
  for (guint i = 0; i < names->len; i++)
    add_file (inputs, g_ptr_array_index (names, i));
}

/* one input from the corpus, changed in a few places: bytes flipped,
 * replaced with interesting values, inserted, removed, or a piece of
 * another input spliced in (what libFuzzer does, much simplified) */
static GArray *
mutate (GRand *rand, GArray *inputs, gsize max_len)
{
  const Input *base = &g_array_index (inputs, Input, g_rand_int_range (rand, 0, (gint32) inputs->len));
  GArray *out = g_array_sized_new (FALSE, FALSE, 1, (guint) base->len + 16);
  guint n_changes = (guint) g_rand_int_range (rand, 1, 9);
  static const guint8 interesting[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, '-', '/', '.', ' ', '\n',
                                        '%', '=', '[', ']', '\\', 0xc3, 0xfe };

  g_array_append_vals (out, base->data, (guint) base->len);
  for (guint c = 0; c < n_changes; c++)
    {
      guint pos = out->len > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) out->len) : 0;

      switch (g_rand_int_range (rand, 0, 7))
        {
        case 0: /* flip a bit */
          if (out->len > 0)
            out->data[pos] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
          break;
        case 1: /* an interesting byte */
          if (out->len > 0)
            out->data[pos] = interesting[g_rand_int_range (rand, 0, G_N_ELEMENTS (interesting))];
          break;
        case 2: /* a random byte */
          if (out->len > 0)
            out->data[pos] = (guint8) g_rand_int_range (rand, 0, 256);
          break;
        case 3: /* insert bytes */
          {
            guint8 bytes[8];
            guint n = (guint) g_rand_int_range (rand, 1, (gint32) sizeof bytes + 1);

            for (guint i = 0; i < n; i++)
              bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);
            g_array_insert_vals (out, pos, bytes, n);
          }
          break;
        case 4: /* remove bytes */
          if (out->len > 0)
            {
              guint n = (guint) g_rand_int_range (rand, 1, 9);

              g_array_remove_range (out, pos, MIN (out->len - pos, n));
            }
          break;
        case 5: /* splice in a piece of another input */
          {
            const Input *other = &g_array_index (inputs, Input,
                                                 g_rand_int_range (rand, 0, (gint32) inputs->len));
            if (other->len > 0)
              {
                guint from = (guint) g_rand_int_range (rand, 0, (gint32) other->len);
                guint want = (guint) g_rand_int_range (rand, 1, 65);
                guint n = MIN ((guint) other->len - from, want);

                g_array_insert_vals (out, pos, other->data + from, n);
              }
          }
          break;
        default: /* duplicate a piece of itself */
          if (out->len > 0)
            {
              guint want = (guint) g_rand_int_range (rand, 1, 33);
              guint n = MIN (out->len - pos, want);
              g_autofree guint8 *piece = g_memdup2 (out->data + pos, n);

              g_array_insert_vals (out, (guint) g_rand_int_range (rand, 0, (gint32) out->len + 1), piece, n);
            }
          break;
        }
    }
  if (out->len > max_len)
    g_array_set_size (out, (guint) max_len);
  return out;
}

int
main (int argc, char **argv)
{
  g_autoptr(GArray) inputs = g_array_new (FALSE, TRUE, sizeof (Input));
  g_autoptr(GRand) rand = NULL;
  gint64 runs = 2000;
  gint64 seed = 1;
  gint64 max_len = 4096;
  gint64 start;
  g_autoptr(GOptionContext) context = g_option_context_new ("CORPUS...");
  const GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT64, &runs, "Mutated inputs after the corpus (default 2000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the mutations (default 1)", "S" },
    { "max-len", 0, 0, G_OPTION_ARG_INT64, &max_len, "Longest mutated input (default 4096)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GError) error = NULL;

  g_array_set_clear_func (inputs, input_clear);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s [--runs N] [--seed S] CORPUS...\n", argv[0]);
      return 2;
    }

  LLVMFuzzerInitialize (&argc, &argv);
  printf ("TAP version 13\n1..2\n");
  fflush (stdout);

  for (int i = 1; i < argc; i++)
    add_path (inputs, argv[i]);
  if (inputs->len == 0)
    g_error ("no corpus files in the paths given");

  start = g_get_monotonic_time ();
  for (guint i = 0; i < inputs->len; i++)
    {
      const Input *input = &g_array_index (inputs, Input, i);

      LLVMFuzzerTestOneInput (input->data, input->len);
    }
  printf ("ok 1 - %u corpus inputs in %.2f s\n", inputs->len,
          (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  fflush (stdout);

  rand = g_rand_new_with_seed ((guint32) seed);
  start = g_get_monotonic_time ();
  for (gint64 i = 0; i < runs; i++)
    {
      g_autoptr(GArray) input = mutate (rand, inputs, (gsize) MAX (max_len, 1));

      LLVMFuzzerTestOneInput ((const guint8 *) input->data, input->len);
    }
  printf ("ok 2 - %" G_GINT64_FORMAT " mutated inputs (seed %" G_GINT64_FORMAT ") in %.2f s\n",
          runs, seed, (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  fuzz_cleanup ();
  return 0;
}
