/* nova-volume: random secrets from getrandom(2) */
#include "config.h"

#include <errno.h>
#include <sys/random.h>

#include "nova-volume-secret.h"

static const char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#define ALPHABET_SIZE (sizeof alphabet - 1)
/* the largest multiple of the alphabet's size that fits in a byte: a byte
 * at or above it is drawn again, so that byte % 62 favours no character
 * (256 is not a multiple of 62) */
#define ACCEPT_BELOW (256 / ALPHABET_SIZE * ALPHABET_SIZE)

G_STATIC_ASSERT (ALPHABET_SIZE == 62);

/* fills @buf completely: getrandom may return fewer bytes than asked
 * (a signal, or more than 256 bytes at once) */
static void
fill_random (guint8 *buf, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = getrandom (buf + done, len - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("cannot draw random bytes for a secret: getrandom: %s", g_strerror (errno));
      done += (gsize) n;
    }
}

char *
nova_volume_secret_generate (gsize length)
{
  g_autofree char *secret = g_malloc (length + 1);
  guint8 pool[64];
  gsize used = sizeof pool;
  gsize n = 0;

  while (n < length)
    {
      guint8 byte;

      if (used == sizeof pool)
        {
          fill_random (pool, sizeof pool);
          used = 0;
        }
      byte = pool[used++];
      if (byte >= ACCEPT_BELOW)
        continue;
      secret[n++] = alphabet[byte % ALPHABET_SIZE];
    }
  secret[length] = '\0';
  /* the random bytes are as secret as what was made of them */
  explicit_bzero (pool, sizeof pool);
  return g_steal_pointer (&secret);
}
