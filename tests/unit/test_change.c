/*
 * test_change.c - change lists: the records apply and the tools report,
 * and the one line of text each is shown as.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cerbo.h"

static struct cerbo_changes *
list_new(void)
{
	struct cerbo_changes *l = cerbo_changes_new();

	assert_non_null(l);
	return l;
}

static void
add(struct cerbo_changes *l, enum cerbo_change_op op,
    enum cerbo_change_object obj, const char *name, const char *field,
    const char *old_value, const char *new_value)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	err = (struct cerbo_error)CERBO_ERROR_INIT;
	if (cerbo_changes_add(l, op, obj, name, field, old_value, new_value,
	        &err) != 0)
		fail_msg("%s", err.message);
}

static void
each_change_has_its_line(void **state)
{
	static const char *const want[] = {
	    "+ profile crm",
	    "+ profile ro (1 allow, 0 deny rules)",
	    "- profile old",
	    "+ user pk_a",
	    "- user pk_b",
	    "~ profile crm: + allow GET /x",
	    "~ profile crm: - deny DELETE /**",
	    "~ profile crm: description \"(unset)\" -> \"CRM\"",
	    "~ user pk_a: email a@example.com -> b@example.com",
	    "~ user pk_a: nickname \"Old name\" -> \"New name\"",
	    "~ user pk_a: expires (unset) -> 2030-01-01T00:00:00Z",
	    "~ user pk_a: allow_from 192.0.2.7/32 -> (unset)",
	    "~ user pk_a: secret changed",
	};
	struct cerbo_changes *l = list_new();
	size_t i;

	(void)state;
	add(l, CERBO_CHANGE_ADDED, CERBO_OBJECT_PROFILE, "crm", NULL, NULL,
	    NULL);
	add(l, CERBO_CHANGE_ADDED, CERBO_OBJECT_PROFILE, "ro", NULL, NULL,
	    "1 allow, 0 deny rules");
	add(l, CERBO_CHANGE_REMOVED, CERBO_OBJECT_PROFILE, "old", NULL, NULL,
	    NULL);
	add(l, CERBO_CHANGE_ADDED, CERBO_OBJECT_USER, "pk_a", NULL, NULL, NULL);
	add(l, CERBO_CHANGE_REMOVED, CERBO_OBJECT_USER, "pk_b", NULL, NULL,
	    NULL);
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_PROFILE, "crm", "allow", NULL,
	    "GET /x");
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_PROFILE, "crm", "deny",
	    "DELETE /**", NULL);
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_PROFILE, "crm", "description",
	    NULL, "CRM");
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, "pk_a", "email",
	    "a@example.com", "b@example.com");
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, "pk_a", "nickname",
	    "Old name", "New name");
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, "pk_a", "expires", NULL,
	    "2030-01-01T00:00:00Z");
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, "pk_a", "allow_from",
	    "192.0.2.7/32", NULL);
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, "pk_a", "secret", NULL,
	    NULL);
	assert_int_equal(cerbo_changes_count(l), sizeof(want) / sizeof(*want));
	for (i = 0; i < sizeof(want) / sizeof(*want); i++)
		assert_string_equal(cerbo_change_text(l, i), want[i]);
	assert_null(cerbo_change_text(l, i));
	cerbo_changes_free(l);
}

static void
records_carry_the_fields_a_front_end_reads(void **state)
{
	struct cerbo_changes *l = list_new();

	(void)state;
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_PROFILE, "crm", "allow", NULL,
	    "GET /x");
	add(l, CERBO_CHANGE_REMOVED, CERBO_OBJECT_USER, "pk_b", "ignored", NULL,
	    NULL);
	assert_int_equal(cerbo_change_op(l, 0), CERBO_CHANGE_UPDATED);
	assert_int_equal(cerbo_change_object(l, 0), CERBO_OBJECT_PROFILE);
	assert_string_equal(cerbo_change_name(l, 0), "crm");
	assert_string_equal(cerbo_change_field(l, 0), "allow");
	assert_null(cerbo_change_old(l, 0));
	assert_string_equal(cerbo_change_new(l, 0), "GET /x");
	assert_string_equal(cerbo_change_detail(l, 0), "+ allow GET /x");
	/* a whole object has no field and no detail */
	assert_null(cerbo_change_field(l, 1));
	assert_null(cerbo_change_detail(l, 1));
	assert_string_equal(cerbo_change_op_name(cerbo_change_op(l, 1)),
	    "removed");
	assert_string_equal(cerbo_change_object_name(cerbo_change_object(l, 1)),
	    "user");
	cerbo_changes_free(l);
}

static void
a_secret_change_never_keeps_a_value(void **state)
{
	struct cerbo_changes *l = list_new();
	const char *hash = "$cerbo-b2b$v=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA";

	(void)state;
	add(l, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, "pk_a", "secret", hash,
	    hash);
	assert_null(cerbo_change_old(l, 0));
	assert_null(cerbo_change_new(l, 0));
	assert_null(strstr(cerbo_change_text(l, 0), "cerbo-b2b"));
	cerbo_changes_free(l);
}

static void
an_update_without_a_field_is_refused(void **state)
{
	struct cerbo_changes *l = list_new();
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_changes_add(l, CERBO_CHANGE_UPDATED,
	                     CERBO_OBJECT_USER, "pk_a", NULL, "a", "b", &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(cerbo_changes_count(l), 0);
	assert_int_equal(cerbo_changes_count(NULL), 0);
	cerbo_changes_free(l);
	cerbo_changes_free(NULL);
}

/* A value the enums do not define is refused, nothing recorded; its
 * name is "unknown". */
static void
unknown_enum_values_are_refused(void **state)
{
	struct cerbo_changes *list = cerbo_changes_new();
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_non_null(list);
	assert_int_equal(cerbo_changes_add(list, (enum cerbo_change_op)7,
	                     CERBO_OBJECT_USER, "pk_a", NULL, NULL, NULL, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(cerbo_changes_add(list, CERBO_CHANGE_ADDED,
	                     (enum cerbo_change_object)5, "pk_a", NULL, NULL,
	                     NULL, &err),
	    -1);
	assert_int_equal(cerbo_changes_add(list, (enum cerbo_change_op) - 1,
	                     CERBO_OBJECT_USER, "pk_a", NULL, NULL, NULL, &err),
	    -1);
	assert_int_equal(cerbo_changes_count(list), 0);
	assert_string_equal(cerbo_change_object_name(
	                        (enum cerbo_change_object)5),
	    "unknown");
	assert_string_equal(cerbo_change_op_name((enum cerbo_change_op)7),
	    "unknown");
	assert_string_equal(cerbo_rule_kind_name((enum cerbo_rule_kind)2),
	    "unknown");
	cerbo_changes_free(list);
}

/* Every verdict code has a name and an HTTP status; CERBO_VERDICT__COUNT
 * is no code. */
static void
every_verdict_code_has_a_name(void **state)
{
	int code, status;

	(void)state;
	for (code = 0; code < CERBO_VERDICT__COUNT; code++) {
		assert_string_not_equal(cerbo_verdict_name(
		                            (enum cerbo_verdict_code)code),
		    "unknown");
		status =
		    cerbo_verdict_http_status((enum cerbo_verdict_code)code);
		assert_true(status == 200 || status == 401 || status == 403 ||
		    status == 500);
	}
	assert_string_equal(cerbo_verdict_name(CERBO_VERDICT__COUNT),
	    "unknown");
	assert_int_equal(cerbo_verdict_http_status(CERBO_VERDICT__COUNT), 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_change_has_its_line),
	    cmocka_unit_test(unknown_enum_values_are_refused),
	    cmocka_unit_test(every_verdict_code_has_a_name),
	    cmocka_unit_test(records_carry_the_fields_a_front_end_reads),
	    cmocka_unit_test(a_secret_change_never_keeps_a_value),
	    cmocka_unit_test(an_update_without_a_field_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
