/* nova-volume: the one error domain, registered as org.openstack.Volume1.Error.* */
#include "config.h"

#include "nova-volume-error.h"

/* in the order of NovaVolumeErrorCode; the static assert below keeps the
 * two the same length; test-config checks each name */
static const GDBusErrorEntry nova_volume_error_entries[] = {
  { NOVA_VOLUME_ERROR_FAILED,           "org.openstack.Volume1.Error.Failed" },
  { NOVA_VOLUME_ERROR_NOT_AUTHORIZED,   "org.openstack.Volume1.Error.NotAuthorized" },
  { NOVA_VOLUME_ERROR_NOT_FOUND,        "org.openstack.Volume1.Error.NotFound" },
  { NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "org.openstack.Volume1.Error.InvalidArgument" },
  { NOVA_VOLUME_ERROR_INVALID_STATE,    "org.openstack.Volume1.Error.InvalidState" },
  { NOVA_VOLUME_ERROR_BUSY,             "org.openstack.Volume1.Error.Busy" },
  { NOVA_VOLUME_ERROR_NO_SPACE,         "org.openstack.Volume1.Error.NoSpace" },
  { NOVA_VOLUME_ERROR_NOT_SUPPORTED,    "org.openstack.Volume1.Error.NotSupported" },
  { NOVA_VOLUME_ERROR_CANCELLED,        "org.openstack.Volume1.Error.Cancelled" },
  { NOVA_VOLUME_ERROR_ALREADY_EXISTS,   "org.openstack.Volume1.Error.AlreadyExists" },
  { NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN, "org.openstack.Volume1.Error.NotAuthorizedCanObtain" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (nova_volume_error_entries) == NOVA_VOLUME_ERROR_N_ERRORS);

/**
 * nova_volume_error_quark:
 *
 * The error domain of everything the service answers: each
 * #NovaVolumeErrorCode is the D-Bus error
 * org.openstack.Volume1.Error.<Name>.
 *
 * Returns: the domain
 */
GQuark
nova_volume_error_quark (void)
{
  static gsize quark = 0;

  /* registering maps the codes to D-Bus names both ways: a reply carries
   * the name, and a client linking this library gets the code back */
  g_dbus_error_register_error_domain ("nova-volume-error-quark",
                                      &quark,
                                      nova_volume_error_entries,
                                      G_N_ELEMENTS (nova_volume_error_entries));
  return (GQuark) quark;
}

GType
nova_volume_error_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { NOVA_VOLUME_ERROR_FAILED, "NOVA_VOLUME_ERROR_FAILED", "failed" },
    { NOVA_VOLUME_ERROR_NOT_AUTHORIZED, "NOVA_VOLUME_ERROR_NOT_AUTHORIZED", "not-authorized" },
    { NOVA_VOLUME_ERROR_NOT_FOUND, "NOVA_VOLUME_ERROR_NOT_FOUND", "not-found" },
    { NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "NOVA_VOLUME_ERROR_INVALID_ARGUMENT", "invalid-argument" },
    { NOVA_VOLUME_ERROR_INVALID_STATE, "NOVA_VOLUME_ERROR_INVALID_STATE", "invalid-state" },
    { NOVA_VOLUME_ERROR_BUSY, "NOVA_VOLUME_ERROR_BUSY", "busy" },
    { NOVA_VOLUME_ERROR_NO_SPACE, "NOVA_VOLUME_ERROR_NO_SPACE", "no-space" },
    { NOVA_VOLUME_ERROR_NOT_SUPPORTED, "NOVA_VOLUME_ERROR_NOT_SUPPORTED", "not-supported" },
    { NOVA_VOLUME_ERROR_CANCELLED, "NOVA_VOLUME_ERROR_CANCELLED", "cancelled" },
    { NOVA_VOLUME_ERROR_ALREADY_EXISTS, "NOVA_VOLUME_ERROR_ALREADY_EXISTS", "already-exists" },
    { NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN, "NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN",
      "not-authorized-can-obtain" },
    { 0, NULL, NULL },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (values) == NOVA_VOLUME_ERROR_N_ERRORS + 1);
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("NovaVolumeErrorCode", values));
  return (GType) type;
}

static NovaVolumeErrorCode
code_from_io_error (gint code)
{
  switch (code)
    {
    case G_IO_ERROR_NOT_FOUND:
      return NOVA_VOLUME_ERROR_NOT_FOUND;
    case G_IO_ERROR_EXISTS:
      return NOVA_VOLUME_ERROR_ALREADY_EXISTS;
    case G_IO_ERROR_NO_SPACE:
      return NOVA_VOLUME_ERROR_NO_SPACE;
    case G_IO_ERROR_BUSY:
      return NOVA_VOLUME_ERROR_BUSY;
    case G_IO_ERROR_CANCELLED:
      return NOVA_VOLUME_ERROR_CANCELLED;
    case G_IO_ERROR_NOT_SUPPORTED:
      return NOVA_VOLUME_ERROR_NOT_SUPPORTED;
    case G_IO_ERROR_INVALID_ARGUMENT:
      return NOVA_VOLUME_ERROR_INVALID_ARGUMENT;
    /* PERMISSION_DENIED is the daemon failing on its own backend file, not
     * the caller lacking a right: polkit decides that, before any I/O */
    default:
      return NOVA_VOLUME_ERROR_FAILED;
    }
}

static NovaVolumeErrorCode
code_from_file_error (gint code)
{
  switch (code)
    {
    case G_FILE_ERROR_NOENT:
      return NOVA_VOLUME_ERROR_NOT_FOUND;
    case G_FILE_ERROR_NOSPC:
      return NOVA_VOLUME_ERROR_NO_SPACE;
    case G_FILE_ERROR_EXIST:
      return NOVA_VOLUME_ERROR_ALREADY_EXISTS;
    default:
      return NOVA_VOLUME_ERROR_FAILED;
    }
}

static NovaVolumeErrorCode
code_from_dbus_error (gint code)
{
  switch (code)
    {
    case G_DBUS_ERROR_ACCESS_DENIED:
    case G_DBUS_ERROR_AUTH_FAILED:
      return NOVA_VOLUME_ERROR_NOT_AUTHORIZED;
    default:
      return NOVA_VOLUME_ERROR_FAILED;
    }
}

/* a backend's error: a cancel and a full backend keep their meaning */
static NovaVolumeErrorCode
code_from_backend_error (const GError *err)
{
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NOVA_VOLUME_ERROR_CANCELLED;
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NO_SPACE) || g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
    return NOVA_VOLUME_ERROR_NO_SPACE;
  return NOVA_VOLUME_ERROR_FAILED;
}

/**
 * nova_volume_error_convert: (skip)
 * @error: an error
 *
 * The service's own: see nova_volume_error_convert_from().
 */
void
nova_volume_error_convert (GError **error)
{
  nova_volume_error_convert_from (error, NOVA_VOLUME_ERROR_FROM_REQUEST);
}

/**
 * nova_volume_error_convert_from: (skip)
 * @error: an error of any domain
 * @origin: where it came from
 *
 * The service's own: turns @error into the domain by the rule of @origin.
 */
void
nova_volume_error_convert_from (GError **error, NovaVolumeErrorOrigin origin)
{
  GError *err;
  NovaVolumeErrorCode code;

  if (error == NULL || *error == NULL)
    return;
  err = *error;

  if (err->domain == NOVA_VOLUME_ERROR)
    return;

  /* a remote error we could not map back carries "GDBus.Error:name: " in
   * front of its message; the name means nothing to our caller */
  if (g_dbus_error_is_remote_error (err))
    g_dbus_error_strip_remote_error (err);

  if (origin == NOVA_VOLUME_ERROR_FROM_BACKEND)
    code = code_from_backend_error (err);
  else if (err->domain == G_IO_ERROR)
    code = code_from_io_error (err->code);
  else if (err->domain == G_FILE_ERROR)
    code = code_from_file_error (err->code);
  else if (err->domain == G_KEY_FILE_ERROR)
    code = NOVA_VOLUME_ERROR_INVALID_ARGUMENT;
  else if (err->domain == G_DBUS_ERROR)
    code = code_from_dbus_error (err->code);
  else
    code = NOVA_VOLUME_ERROR_FAILED; /* G_SPAWN_ERROR, libblockdev, sqlite, ... */

  /* rewritten in place, so the message stays exactly as it was */
  err->domain = NOVA_VOLUME_ERROR;
  err->code = code;
}
