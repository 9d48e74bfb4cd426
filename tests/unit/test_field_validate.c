/*
 * test_field_validate.c - cerbo_user_field_validate(): a field's text is
 * judged by the same rules cerbo_user_set() applies, without a store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cerbo.h"

static void
nickname_with_text_is_valid(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_NICKNAME,
	                     "CRM sync", &err),
	    0);
}

static void
empty_nickname_is_refused_naming_the_field(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_NICKNAME, "  ",
	                     &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_non_null(strstr(err.message, "nickname"));
}

static void
email_with_surrounding_blanks_is_valid(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_EMAIL,
	                     " ops@example.com\n", &err),
	    0);
}

static void
email_without_at_sign_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_EMAIL,
	                     "ops.example.com", &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
}

static void
unknown_profile_name_is_valid_without_a_store(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_PROFILE,
	                     "no-such-profile", &err),
	    0);
}

static void
expires_in_rfc3339_is_valid_and_other_forms_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_EXPIRES,
	                     "2027-01-01T00:00:00Z", &err),
	    0);
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_EXPIRES,
	                     "2027-01-01", &err),
	    -1);
	assert_non_null(strstr(err.message, "expires"));
}

static void
allow_from_with_host_bits_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_ALLOW_FROM,
	                     "10.0.0.0/8,192.168.1.0/24", &err),
	    0);
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_ALLOW_FROM,
	                     "10.0.0.1/8", &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
}

static void
disabled_is_exactly_true_or_false(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_DISABLED, "true",
	                     &err),
	    0);
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_DISABLED, "yes",
	                     &err),
	    -1);
}

static void
null_is_valid_only_for_an_optional_field(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_EXPIRES, NULL,
	                     &err),
	    0);
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_EMAIL, NULL,
	                     &err),
	    -1);
	assert_non_null(strstr(err.message, "email is required"));
}

static void
field_out_of_range_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_FIELD_COUNT, "x",
	                     &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nickname_with_text_is_valid),
	    cmocka_unit_test(empty_nickname_is_refused_naming_the_field),
	    cmocka_unit_test(email_with_surrounding_blanks_is_valid),
	    cmocka_unit_test(email_without_at_sign_is_refused),
	    cmocka_unit_test(unknown_profile_name_is_valid_without_a_store),
	    cmocka_unit_test(
	        expires_in_rfc3339_is_valid_and_other_forms_refused),
	    cmocka_unit_test(allow_from_with_host_bits_is_refused),
	    cmocka_unit_test(disabled_is_exactly_true_or_false),
	    cmocka_unit_test(null_is_valid_only_for_an_optional_field),
	    cmocka_unit_test(field_out_of_range_is_refused),
	};

	return cmocka_run_group_tests_name("field_validate", tests, NULL, NULL);
}
