/* The service tests' polkit authority: tests/polkitd-mock.py (a
 * python3-dbusmock template) on the fixture's private system bus. */
#pragma once

#include "service-fixture.h"

typedef struct {
  Fixture      fx;        /* first: the service helpers take &pf->fx */
  GSubprocess *polkitd;
} PolkitFixture;

/* A system-bus fixture (see fixture_setup_system_bus) with the mock
 * authority running; every action answers "no" until polkit_set_result. */
void polkit_fixture_setup (PolkitFixture *pf, gconstpointer data);
void polkit_fixture_teardown (PolkitFixture *pf, gconstpointer data);

/* @result: "yes", "no" or "challenge" (yes only when the caller allowed
 * interaction). */
void polkit_set_result (PolkitFixture *pf, const char *action_id, const char *result);

/* The checks asked for since the last call, as
 * a(sssua{ss}): subject kind, subject name, action id, flags, details. */
GVariant *polkit_take_checks (PolkitFixture *pf);

/* Asserts that exactly one check was asked since the last call: for
 * @action_id, about a unique bus name (never a PID), with @flags; returns
 * the method the details name. */
char *polkit_assert_one_check (PolkitFixture *pf, const char *action_id, guint32 flags);
